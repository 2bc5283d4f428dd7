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

    def nearest_word(queries: torch.Tensor, keys: tuple[torch.Tensor, ...], with_usages: bool) -> torch.Tensor:
        """Each query's word by its best cosine over the words' keys (one row a word in each of `keys`)."""
        best = torch.stack([queries @ k.T for k in keys]).amax(0)
        if with_usages:
            best = best.scatter_reduce(1, usage_labels.expand(len(queries), -1), queries @ usage_vectors.T, "amax")
        return best.argmax(1)

    paraphrases = [(i, p) for i, s in enumerate(specs) for p in s.paraphrases]
    para_labels, para_vectors = torch.tensor([i for i, _ in paraphrases]), vectors([p for _, p in paraphrases])
    masked = [(i, replace_word(u, s.word, MASK)) for i, s in enumerate(specs) for u in s.test_usages]
    masked_labels = torch.tensor([i for i, _ in masked])
    masked_vectors = vectors([m for _, m in masked])
    def accuracy(queries: torch.Tensor, labels: torch.Tensor, keys: tuple, with_usages: bool) -> float:
        return float((nearest_word(queries, keys, with_usages) == labels).float().mean())

    written_only, with_meanings = (statements,), (statements, meanings)
    every_form = (statements, meanings, masks)
    out = {"recall": accuracy(para_vectors, para_labels, written_only, False),
           "recall_any": accuracy(para_vectors, para_labels, written_only, True),
           "cloze": accuracy(masked_vectors, masked_labels, written_only, True),
           "recall_meaning": accuracy(para_vectors, para_labels, with_meanings, False),
           "cloze_meaning": accuracy(masked_vectors, masked_labels, with_meanings, True),
           "recall_all": accuracy(para_vectors, para_labels, every_form, False),
           "cloze_all": accuracy(masked_vectors, masked_labels, every_form, True)}
    rng = random.Random(f"ceiling-{seed}")
    choices = [[i] + hard_negatives(specs, i, candidates - 1, rng) for i, s in enumerate(specs)
               for _ in s.test_usages]
    glosses = vectors([specs[c].gloss for row in choices for c in row]).view(len(choices), candidates, -1)
    own = statements[torch.tensor([row[0] for row in choices])]
    out["comprehension"] = float((torch.einsum("nd,ncd->nc", own, glosses).argmax(1) == 0).float().mean())
    out.update(words=len(specs), paraphrases=len(paraphrases), test_usages=len(masked))
    return out
