"""Relation views of a sentence pair under a frozen sentence encoder (MNLI; issue 20).

The pair is encoded as two sentences, u = enc(premise) and v = enc(hypothesis), not as one joined
text: all-MiniLM / all-mpnet were trained contrastively on (premise, entailed hypothesis) pairs, so
how u relates to v carries the label, where the joined pair's vector is near chance (logreg and
kv_only on it: 34-37 on MNLI-m). Three views, each a fixed-width vector per pair:

- `zero_shot`: the zero-shot head's three similarities (hsokv.benchmarks.glue.prompts), uncentred:
  the middle one is cos(u, v) itself, and its level (not only the offsets between the prompts)
  separates entailment from neutral;
- `lexical`: cheap cues the encoder's pooled vectors blur (LEXICAL_CUES): how many hypothesis words
  the premise has, negation words the hypothesis adds, and lengths;
- `difference`: |u - v|, which dimensions the hypothesis moves (the classic NLI pair feature).

No view is learned; a method decides what to do with them (hsokv_relation writes them to memory).
"""
from __future__ import annotations

import math
import re

import torch

from hsokv.benchmarks.glue.prompts import zero_shot_scores

NEGATIONS = frozenset({"not", "no", "never", "nobody", "nothing", "none", "neither", "nor", "nowhere", "cannot",
                       "n't", "without"})
LEXICAL_CUES = ("overlap", "new_negation", "negation_difference", "log_hypothesis_words", "log_premise_words",
                "novel_fraction")
VIEWS = ("zero_shot", "lexical", "difference")


def words(text: str) -> list[str]:
    """Lower-case word tokens; "don't" -> "do", "n't" so that the negation counts."""
    return re.findall(r"[a-z0-9']+", text.lower().replace("n't", " n't"))


def lexical_cues(premise: str, hypothesis: str) -> list[float]:
    """LEXICAL_CUES of one pair, in that order."""
    wp, wh = words(premise), words(hypothesis)
    sp, sh = set(wp), set(wh)
    return [len(sh & sp) / max(1, len(sh)),
            float(any(w in NEGATIONS and w not in sp for w in wh)),
            float(sum(w in NEGATIONS for w in wh) - sum(w in NEGATIONS for w in wp)),
            math.log(1 + len(wh)), math.log(1 + len(wp)),
            len(sh - sp) / max(1, len(sh))]


def is_pair_task(task) -> bool:
    return len(task.text_columns) == 2


def skip_unless_pair(task, evals) -> dict | None:
    """The record of a relation method's run on a single-sentence task (it has no relation to read), or
    None for a sentence-pair task."""
    if is_pair_task(task):
        return None
    return {"dev_accuracy": None, **{split: None for split in evals},
            "skipped": f"{task.name} has single sentences: no premise-hypothesis relation"}


def relation_views(encoder, task, data) -> dict[str, torch.Tensor]:
    """{view: [len(data), width]} (VIEWS) of a sentence-pair task's examples. The hypotheses'
    vectors are the zero-shot head's unchanged-hypothesis prompt, so a cached encoder encodes them once."""
    examples = data.examples
    u = encoder.sentences([e.text_a for e in examples])
    v = encoder.sentences([e.text_b for e in examples])
    lexical = torch.tensor([lexical_cues(e.text_a, e.text_b) for e in examples], dtype=torch.float32)
    return {"zero_shot": zero_shot_scores(encoder, task, data).float(), "lexical": lexical,
            "difference": (u - v).abs().float()}
