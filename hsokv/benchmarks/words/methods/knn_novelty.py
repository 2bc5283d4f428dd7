"""knn_novelty: B3 with H-SOKV's novelty-prior pooling instead of the mean: what the prior alone
achieves, so the table shows what training and memory add beyond it."""
from __future__ import annotations

import torch
import torch.nn as nn

from hsokv.benchmarks.words.methods.base import METHODS, _MemoryOnly
from hsokv.model import NoveltyPooling


class NoveltyPooledEmbedding(nn.Module):
    """Random embeddings pooled by H-SOKV's novelty prior alone: no transformer, no training."""

    def __init__(self, vocab_size: int, num_labels: int, dim: int, prior_weight: float):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.pool = NoveltyPooling(dim, vocab_size, num_labels, prior_weight)
        nn.init.zeros_(self.pool.query)  # the prior alone decides where to look

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.pool(self.emb(ids), ids)


@METHODS.register("knn_novelty")
class NoveltyNearestNeighbour(_MemoryOnly):
    reads = ("baselines", "model.novelty_prior", "memory.capacity", "memory.eviction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dim = self.cfg.baselines.knn_embedding_dim
        self._setup(NoveltyPooledEmbedding(self.vocab_size, self.num_labels, dim, self.cfg.model.novelty_prior),
                    dim, "dot")
