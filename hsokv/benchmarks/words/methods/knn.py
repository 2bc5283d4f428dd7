"""knn (B3): nearest neighbour over mean-pooled random (untrained) word embeddings: the
prototype's 86% baseline."""
from __future__ import annotations

import torch.nn as nn

from hsokv.benchmarks.words.methods.base import METHODS, _MemoryOnly
from hsokv.model import MeanPooled


@METHODS.register("knn")
class NearestNeighbour(_MemoryOnly):
    reads = ("baselines", "memory.capacity", "memory.eviction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dim = self.cfg.baselines.knn_embedding_dim
        self._setup(MeanPooled(nn.Embedding(self.vocab_size, dim, padding_idx=0)), dim, "dot")
