"""knn (B3): nearest neighbour over mean-pooled random (untrained) word embeddings: the
prototype's 86% baseline. On a pretrained backbone: nearest neighbour (cosine) over the frozen
sentence vectors, a story being the mean of its sentences'."""
from __future__ import annotations

import torch.nn as nn

from hsokv.benchmarks.words.inputs import SentenceStories
from hsokv.benchmarks.words.methods.base import METHODS, _MemoryOnly
from hsokv.model import MeanPooled


@METHODS.register("knn")
class NearestNeighbour(_MemoryOnly):
    reads = ("baselines", "memory.capacity", "memory.eviction")
    backbones = ("scratch", "pretrained")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.inputs is not None and self.inputs.pretrained:
            self._setup(SentenceStories(self.inputs.table), self.inputs.dim, "cosine")
            return
        dim = self.cfg.baselines.knn_embedding_dim
        self._setup(MeanPooled(nn.Embedding(self.vocab_size, dim, padding_idx=0)), dim, "dot")
