"""Token id lists with their labels (and the examples they came from), padded per batch with 0."""
from __future__ import annotations

import torch

from hsokv.benchmarks.glue.data import Example


class Batches:
    """Padded per batch; sorted by length for evaluation, so little is padding. `examples` keeps the
    texts for methods that read them (zero-shot prompts on pairs, SetFit)."""

    def __init__(self, seqs: list[list[int]], labels: list[int], examples: list[Example] | None = None):
        self.seqs, self.labels, self.examples = seqs, torch.tensor(labels, dtype=torch.long), examples

    def __len__(self):
        return len(self.seqs)

    def ids(self, idx) -> torch.Tensor:
        rows = [self.seqs[i] for i in idx]
        out = torch.zeros(len(rows), max(1, max(len(r) for r in rows)), dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        return out

    def in_length_order(self, batch_size: int):
        order = sorted(range(len(self.seqs)), key=lambda i: len(self.seqs[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            yield torch.tensor(idx), self.ids(idx)
