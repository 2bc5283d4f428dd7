"""What a frozen sentence encoder can do on the meaning variants with no story, no filler and no
training: each test sentence alone against the words' own sentences, nearest by cosine. No method
that reads the encoder's frozen vectors has more to go on, so this bounds them (the trained
methods can only re-weigh what the vectors hold).

- `recall`: a paraphrase -> the word whose definitional statement ("W means D.") is nearest.
- `recall_any`: a paraphrase -> the word with the nearest of its definitional statement and its
  training usages (max over the word's sentences).
- `cloze`: a new usage with the word masked -> the word, nearest statement or usage (as recall_any).
- `comprehension`: a new usage's gloss candidates -> the one nearest the word's own statement
  (the definition side of the task: is the re-worded gloss recognisably the definition?).
- `recall_meaning`, `cloze_meaning`: as `recall` and `cloze`, each word's statement joined by its
  meaning form (data.meaning_form: the statement with its word replaced), the keys hsokv_sentences
  writes with `synthetic.sentence_keys.word: both` (and `all`).
- `recall_all`, `cloze_all`: as those, with the masked form too (data.masked_form: the statement with
  its word masked, as a cloze item masks a usage), the keys of `word: all`.
Over every word of the list (each its own class), so chance is 1/words (1/candidates for
comprehension).
"""
from __future__ import annotations

import random
from typing import Callable

import torch
import torch.nn.functional as F

from hsokv.benchmarks.words.data import DEFINITION, masked_form, meaning_form
from hsokv.benchmarks.words.specs import WordSpec
from hsokv.benchmarks.words.tasks import MASK, hard_negatives, replace_word


def frozen_ceiling(specs: list[WordSpec], encode: Callable[[list[str]], torch.Tensor], candidates: int = 4,
                   seed: int = 0) -> dict:
    """{variant: accuracy}; encode(sentences) -> [n, dim] (any scale: cosine is used)."""
    def vectors(texts: list[str]) -> torch.Tensor:
        return F.normalize(encode(texts).float(), dim=-1)

    written = [DEFINITION.format(word=s.word, definition=s.definition) for s in specs]
    statements, meanings = vectors(written), vectors([meaning_form(w) for w in written])
    masks = vectors([masked_form(w) for w in written])
    usages = [(i, u) for i, s in enumerate(specs) for u in s.usages]
    usage_vectors, usage_labels = vectors([u for _, u in usages]), torch.tensor([i for i, _ in usages])

    def nearest_word(queries: torch.Tensor, with_usages: bool, with_meanings: bool = False,
                     with_masks: bool = False) -> torch.Tensor:
        best = queries @ statements.T
        if with_meanings:
            best = torch.maximum(best, queries @ meanings.T)
        if with_masks:
            best = torch.maximum(best, queries @ masks.T)
        if with_usages:
            best = best.scatter_reduce(1, usage_labels.expand(len(queries), -1), queries @ usage_vectors.T, "amax")
        return best.argmax(1)

    paraphrases = [(i, p) for i, s in enumerate(specs) for p in s.paraphrases]
    para_labels, para_vectors = torch.tensor([i for i, _ in paraphrases]), vectors([p for _, p in paraphrases])
    masked = [(i, replace_word(u, s.word, MASK)) for i, s in enumerate(specs) for u in s.test_usages]
    masked_labels = torch.tensor([i for i, _ in masked])
    masked_vectors = vectors([m for _, m in masked])
    out = {"recall": float((nearest_word(para_vectors, False) == para_labels).float().mean()),
           "recall_any": float((nearest_word(para_vectors, True) == para_labels).float().mean()),
           "cloze": float((nearest_word(masked_vectors, True) == masked_labels).float().mean()),
           "recall_meaning": float((nearest_word(para_vectors, False, True) == para_labels).float().mean()),
           "cloze_meaning": float((nearest_word(masked_vectors, True, True) == masked_labels).float().mean()),
           "recall_all": float((nearest_word(para_vectors, False, True, True) == para_labels).float().mean()),
           "cloze_all": float((nearest_word(masked_vectors, True, True, True) == masked_labels).float().mean())}
    rng = random.Random(f"ceiling-{seed}")
    choices = [[i] + hard_negatives(specs, i, candidates - 1, rng) for i, s in enumerate(specs)
               for _ in s.test_usages]
    glosses = vectors([specs[c].gloss for row in choices for c in row]).view(len(choices), candidates, -1)
    own = statements[torch.tensor([row[0] for row in choices])]
    out["comprehension"] = float((torch.einsum("nd,ncd->nc", own, glosses).argmax(1) == 0).float().mean())
    out.update(words=len(specs), paraphrases=len(paraphrases), test_usages=len(masked))
    return out
