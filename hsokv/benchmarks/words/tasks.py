"""The meaning task variants and the word probes, built beside the recognition splits.

- `recognition` (the original task): a new usage sentence of the word -> name the word. The
  word's own token is in the story, so a lookup table solves it.
- `recall`: a story holding a paraphrase of the definition, without the word -> name the word.
- `comprehension`: a story with a new usage of the word -> choose its definition among
  `synthetic.candidates` glosses: the word's own (re-worded, never the definition verbatim) and
  hard negatives from the same domain sharing its kind, action or target.
- `cloze`: a new usage with the word replaced by MASK -> name the word.
Paraphrases and test usages are worded with words training text never shows (the spec's
test-only wordings), so only meaning links them to their word.

Probes (on the recognition test stories): `masked` replaces the word by MASK (what is left to go
on without it?), `swapped` by another phase-1 word (does the prediction follow the token?).
Every story here takes its filler from the test pool. Items of phase-1 words are tested after
phase 1 and again after phase 2 (retention); those of phase-2 words after phase 2.
"""
from __future__ import annotations

import random
import re

from hsokv.benchmarks.words.config import TASKS
from hsokv.benchmarks.words.items import Item
from hsokv.benchmarks.words.specs import WordSpec, WordSpecError

MASK = "[MASK]"
MEANING_TASKS = TASKS[1:]
PROBES = ("masked", "swapped")


def replace_word(text: str, word: str, by: str) -> str:
    return re.sub(rf"(?<![\w]){re.escape(word)}(?![\w])", by, text, flags=re.IGNORECASE)


def hard_negatives(specs: list[WordSpec], label: int, n: int, rng: random.Random) -> list[int]:
    """n other words of the same domain, those sharing the kind, action or target first."""
    own = specs[label]
    same = [i for i, s in enumerate(specs) if i != label and s.domain == own.domain]
    sharing = [i for i in same if any(specs[i].meaning[a] == own.meaning[a] for a in ("kind", "action", "target"))]
    rest = [i for i in range(len(specs)) if i != label and i not in sharing]
    rest.sort(key=lambda i: specs[i].domain != own.domain)   # then the domain, then any word
    picked = rng.sample(sharing, min(n, len(sharing)))
    return picked + rest[:n - len(picked)] if len(picked) < n else picked


def build_task_items(specs: list[WordSpec], splits, exposures: dict[int, int], fill: list[str], story,
                     filler_sentences: int, candidates: int, seed: int, source: str) -> dict:
    """{task or probe: {"test": [...], "test_phase2": [...]}} for this seed's words (specs in label
    order). `story(rng, core, noise)` places sentences among filler, as the recognition splits do.
    A separate random stream: the recognition splits stay exactly what they were."""
    rng = random.Random(f"tasks-{seed}")
    meaning = all(s.has_meaning for s in specs)   # an older spec file: the probes only
    if meaning and len(specs) < candidates:
        raise WordSpecError(f"{source}: {len(specs)} words, fewer than synthetic.candidates={candidates}")
    out = {name: {"test": [], "test_phase2": []} for name in (MEANING_TASKS if meaning else ()) + PROBES}
    phase1 = set(splits.phase1_labels)
    for label, spec in enumerate(specs):
        where, k = ("test" if label in phase1 else "test_phase2"), exposures[label]

        def add(task: str, j: int, core: str, **extra):
            text = story(rng, [core], rng.sample(fill, filler_sentences))
            out[task][where].append(Item(f"{task}-{label}-{j}", text, label, k, **extra))
        if meaning:
            for j, paraphrase in enumerate(spec.paraphrases):
                add("recall", j, paraphrase)
            for j, usage in enumerate(spec.test_usages):
                add("cloze", j, replace_word(usage, spec.word, MASK))
                choices = [label] + hard_negatives(specs, label, candidates - 1, rng)
                rng.shuffle(choices)
                add("comprehension", j, usage, candidates=[specs[c].gloss for c in choices],
                    answer=choices.index(label))
    others = sorted(phase1)
    for it in splits.test:
        word = specs[it.label].word
        swap = rng.choice([lab for lab in others if lab != it.label])
        out["masked"]["test"].append(Item(f"masked-{it.id}", replace_word(it.text, word, MASK), it.label, it.exposures))
        out["swapped"]["test"].append(Item(f"swapped-{it.id}", replace_word(it.text, word, specs[swap].word),
                                           it.label, it.exposures, other=swap))
    return out


def task_items(splits, task: str) -> dict:
    """The items a task is measured on: test (after phase 1), retention (the phase-1 words after
    phase 2) and test_phase2."""
    if task == "recognition":
        return {"test": splits.test, "retention": splits.retention, "test_phase2": splits.test_phase2}
    if task not in splits.tasks:
        raise WordSpecError(f"synthetic.tasks asks for {task!r}, but the word specs have no paraphrases, test usages "
                            "or glosses (data/authoring/make_word_specs.py writes them)")
    items = splits.tasks[task]
    return {"test": items["test"], "retention": items["test"], "test_phase2": items["test_phase2"]}
