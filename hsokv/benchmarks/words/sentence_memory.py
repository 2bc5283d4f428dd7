"""A word's memory as sentence keys: the frozen vector of the sentence that defines it, read by
max-similarity.

H-SOKV's memory on a pretrained backbone (hsokv.benchmarks.words.methods.hsokv) holds one key per
story: the trained pooling of the story's sentence vectors. Each key blends a definition, a usage
and filler into one vector, and phase 2 retrains the pooling every key depends on. Here a key is
one sentence as the frozen encoder sees it: written once, never re-encoded, so nothing that
training does later can move it. A query story scores a word by each of its sentences' best match
among that word's keys, the sentences weighted by how much the trained model attends to them
(filler, which matches other stories' filler, gets ~0.003 of the weight).
"""
from __future__ import annotations

import torch
import torch.nn.functional as F


class SentenceKeys:
    def __init__(self, table: torch.Tensor, num_labels: int):
        self.table, self.num_labels = F.normalize(table.float(), dim=-1), num_labels
        self.pairs = torch.zeros(0, dtype=torch.long)    # each key as sentence row * num_labels + label

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def rows(self) -> torch.Tensor:
        return self.pairs // self.num_labels

    @property
    def labels(self) -> torch.Tensor:
        return self.pairs % self.num_labels

    def write(self, ids: torch.Tensor, labels: torch.Tensor) -> None:
        """Every sentence of ids [stories, sentences] (0 = padding) as a key of its story's label,
        once per (sentence, label)."""
        pairs = ids * self.num_labels + labels.unsqueeze(1)
        self.pairs = torch.unique(torch.cat([self.pairs, pairs[ids != 0]]))

    def similarities(self, ids: torch.Tensor) -> torch.Tensor:
        """[batch, sentences, num_labels]: each query sentence's best cosine among each word's keys
        (-1 where the word has no key)."""
        sims = (self.table[ids.flatten()] @ self.table[self.rows].T).view(*ids.shape, len(self))
        best = torch.full((*ids.shape, self.num_labels), -1.0)
        return best.scatter_reduce(-1, self.labels.expand_as(sims), sims, "amax")

    def scores(self, ids: torch.Tensor, attention: torch.Tensor) -> torch.Tensor:
        """[batch, num_labels]: the attention-weighted sum over a story's sentences of their best match."""
        return (attention.unsqueeze(-1) * self.similarities(ids)).sum(1)
