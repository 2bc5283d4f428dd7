"""EpisodicMemory: a fixed number of slots, each holding an optional key and named values.

Every benchmark declares only what it stores: the word benchmark `tokens`, `label`, `source` and
its lifecycle values, GLUE `label` (and `tokens`, `source` where keys are re-encoded), continual
learning `image` (uint8), `label` and `logits`. Keys and values are registered buffers of shape
[capacity, *shape], so `.to()`, `state_dict()` and safetensors work as for any module, and
`nbytes_per_entry()` gives the byte budget that makes methods comparable.

Slots are chosen by the caller (`write`: reservoir sampling, herding) or by the memory (`add`:
free slots first, then the victims of its eviction policy, hsokv.eviction). Hooks declare the
values they need and stamp them on every `add` (`on_write(memory, slots, step) -> {name: value}`):
an eviction policy its age, the word lifecycle its counters. Retrieval over the keys lives in
hsokv.retrieval; `search` here is the cosine look-up continual learning's readouts use.
"""
from __future__ import annotations

from typing import Callable, Iterable

import torch
import torch.nn.functional as F
from torch import nn

from hsokv.eviction import EVICTION, MemoryFullError

Values = dict[str, tuple[tuple[int, ...], torch.dtype]]


class EpisodicMemory(nn.Module):
    def __init__(self, capacity: int, values: Values, key_dim: int = 0, eviction: str | None = None,
                 hooks: Iterable = ()):
        super().__init__()
        if capacity < 1:
            raise ValueError(f"memory capacity must be >= 1 (got {capacity})")
        self.eviction = None if eviction is None else EVICTION.get(eviction)()
        self.hooks = [h for h in (self.eviction, *hooks) if h is not None]
        values = {**values, **{k: v for h in self.hooks for k, v in h.values.items()}}
        self.capacity, self.key_dim, self.value_names = capacity, key_dim, tuple(values)
        self.register_buffer("filled", torch.zeros(capacity, dtype=torch.bool))
        # writes, evictions, deletions: a buffer, so a reloaded or resumed memory keeps counting
        self.register_buffer("counts", torch.zeros(3, dtype=torch.long))
        if key_dim:
            self.register_buffer("keys", torch.zeros(capacity, key_dim))
        for name, (shape, dtype) in values.items():
            self.register_buffer(f"value_{name}", torch.zeros((capacity, *shape), dtype=dtype))

    @classmethod
    def from_state_dict(cls, state: dict[str, torch.Tensor], eviction: str | None = None) -> "EpisodicMemory":
        """The memory a state_dict() came from (capacity, key width and values read off its tensors)."""
        if "filled" not in state:
            raise ValueError("not an EpisodicMemory state: no 'filled' tensor")
        values = {k[len("value_"):]: (tuple(v.shape[1:]), v.dtype) for k, v in state.items() if k.startswith("value_")}
        key_dim = state["keys"].shape[1] if "keys" in state else 0
        memory = cls(len(state["filled"]), values, key_dim, eviction)
        memory.load_state_dict(state)
        return memory

    def __len__(self) -> int:
        return int(self.filled.sum())

    @property
    def writes(self) -> int:
        return int(self.counts[0])

    @property
    def evictions(self) -> int:
        return int(self.counts[1])

    @property
    def deletions(self) -> int:
        return int(self.counts[2])

    def value(self, name: str) -> torch.Tensor:
        return getattr(self, f"value_{name}")

    def slots(self) -> torch.Tensor:
        """Indices of the filled slots, in slot order."""
        return self.filled.nonzero().flatten()

    def free_slots(self) -> torch.Tensor:
        return (~self.filled).nonzero().flatten()

    def contains(self, name: str, values: torch.Tensor) -> torch.Tensor:
        """[n] bool: does a filled entry hold each of `values` as its value `name`?"""
        return torch.isin(values.to(self.filled.device), self.value(name)[self.filled])

    @torch.no_grad()
    def write(self, slots: torch.Tensor, keys: torch.Tensor | None = None, **values: torch.Tensor) -> None:
        """Store one entry per slot (slots must be distinct); every declared value must be given."""
        missing = set(self.value_names) - set(values)
        if missing or set(values) - set(self.value_names):
            raise ValueError(f"memory write needs exactly the values {sorted(self.value_names)} (got {sorted(values)})")
        slots = slots.to(self.filled.device)
        if self.key_dim:
            if keys is None:
                raise ValueError("this memory stores keys: write needs keys")
            self.keys[slots] = keys.to(self.keys)
        for name, v in values.items():
            buf = self.value(name)
            buf[slots] = torch.as_tensor(v).to(device=buf.device, dtype=buf.dtype)
        self.filled[slots] = True

    @torch.no_grad()
    def add(self, keys: torch.Tensor, step: int = 0, **values: torch.Tensor) -> torch.Tensor:
        """Write len(keys) entries into free slots, evicting when full; hooks stamp their values.
        Returns the slots written."""
        slots = self.allocate(len(keys))
        stamped = {k: v for h in self.hooks for k, v in h.on_write(self, slots, step).items()}
        self.write(slots, keys, **stamped, **values)
        self.counts[0] += len(slots)
        return slots

    def allocate(self, n: int) -> torch.Tensor:
        """n slots: the free ones in slot order, then the eviction policy's victims."""
        free = self.free_slots()
        if len(free) >= n:
            return free[:n]
        if n > self.capacity:
            raise MemoryFullError(f"cannot write {n} entries into a memory of capacity {self.capacity}")
        if self.eviction is None:
            raise MemoryFullError(f"memory is full ({self.capacity} entries) and has no eviction policy")
        victims = self.eviction.victims(self, n - len(free))
        self.filled[victims] = False
        self.counts[1] += len(victims)
        return torch.cat([free, victims])

    @torch.no_grad()
    def remove(self, slots: torch.Tensor) -> int:
        """Delete entries (a bool mask or slot indices); returns how many were filled."""
        mask = torch.zeros_like(self.filled)
        mask[slots.to(self.filled.device)] = True
        mask &= self.filled
        self.filled &= ~mask
        n = int(mask.sum())
        self.counts[2] += n
        return n

    @torch.no_grad()
    def refresh_keys(self, encode: Callable[[torch.Tensor], torch.Tensor], source: str = "tokens",
                     batch_size: int = 256) -> None:
        """Re-encode every filled entry's `source` value with the current encoder, so no key is stale."""
        for chunk in self.slots().split(batch_size):
            self.keys[chunk] = encode(self.value(source)[chunk]).float()

    @torch.no_grad()
    def search(self, queries: torch.Tensor, k: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Cosine similarity of each query to the k most similar filled keys: (similarities, slots)."""
        slots = self.slots()
        if len(slots) == 0:
            raise ValueError("search on an empty memory")
        keys = F.normalize(self.keys[slots].float(), dim=1)
        sims = F.normalize(queries.float(), dim=1) @ keys.T
        top, idx = sims.topk(min(k, len(slots)), dim=1)
        return top, slots[idx]

    def nbytes_per_entry(self, with_keys: bool = True) -> int:
        """Bytes one entry occupies: its values, and its key when the key is stored."""
        total = sum(self.value(n)[0].numel() * self.value(n).element_size() for n in self.value_names)
        if self.key_dim and with_keys:
            total += self.key_dim * self.keys.element_size()
        return total
