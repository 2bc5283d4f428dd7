"""What a full EpisodicMemory (hsokv.episodic) overwrites: one registered policy per rule.

A policy declares the per-entry value it ranks by (`values`, added to the memory it serves),
stamps it on every write (`on_write`) and names the `victims` when free slots run out: the
oldest first, ties broken by slot order, so eviction is deterministic. `error` refuses instead.
Continual learning's reservoir sampling picks its own slots (hsokv.benchmarks.continual.buffer).
"""
from __future__ import annotations

import torch

from hsokv.errors import HsokvError
from hsokv.registry import Registry

EVICTION = Registry("memory eviction policy")


class MemoryFullError(HsokvError, RuntimeError):
    """A write that does not fit: the memory is full and may not evict."""


class _OldestFirst:
    age = ""  # the value ranked by; the word lifecycle refreshes last_used_step on every retrieval

    @property
    def values(self) -> dict:
        return {self.age: ((), torch.long)}

    def on_write(self, memory, slots: torch.Tensor, step: int) -> dict:
        return {self.age: torch.full((len(slots),), step, dtype=torch.long)}

    def victims(self, memory, n: int) -> torch.Tensor:
        filled = memory.slots()
        order = torch.sort(memory.value(self.age)[filled], stable=True).indices
        return filled[order[:n]]


@EVICTION.register("lru")
class LeastRecentlyUsed(_OldestFirst):
    age = "last_used_step"


@EVICTION.register("fifo")
class FirstInFirstOut(_OldestFirst):
    age = "created_step"


@EVICTION.register("error")
class Refuse:
    values: dict = {}

    def on_write(self, memory, slots: torch.Tensor, step: int) -> dict:
        return {}

    def victims(self, memory, n: int) -> torch.Tensor:
        raise MemoryFullError(f"memory is full ({memory.capacity} entries) and memory.eviction is 'error'; "
                              "raise memory.capacity or choose eviction 'lru' or 'fifo'")
