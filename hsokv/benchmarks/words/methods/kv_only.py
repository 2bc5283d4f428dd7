"""kv_only (B2): the same transformer left at its random initialisation, frozen; memory writes only."""
from __future__ import annotations

from hsokv.benchmarks.words.methods.base import METHODS, _MemoryOnly
from hsokv.model import Encoder


@METHODS.register("kv_only")
class KVOnly(_MemoryOnly):
    reads = ("model", "memory.capacity", "memory.eviction", "memory.similarity")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(Encoder(self.vocab_size, self.num_labels, self.max_length, self.cfg.model), self.cfg.model.d_model,
                    self.cfg.memory.similarity)
