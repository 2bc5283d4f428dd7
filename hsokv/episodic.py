"""EpisodicMemory: a fixed number of slots, each holding an optional key and named values.

Every benchmark declares only what it stores (continual learning: `image` uint8, `label`, `logits`;
keys are the backbone's features where retrieval needs them). Keys and values are registered
buffers of shape [capacity, *shape], so `.to()`, `state_dict()` and safetensors work as for any
module, and `nbytes_per_entry()` gives the byte budget that makes methods comparable.
Which slot an example goes to (reservoir sampling, class-balanced herding, LRU...) is decided by
the caller; the memory only stores, reads, removes and searches.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn


class EpisodicMemory(nn.Module):
    def __init__(self, capacity: int, values: dict[str, tuple[tuple[int, ...], torch.dtype]], key_dim: int = 0):
        super().__init__()
        if capacity < 1:
            raise ValueError(f"memory capacity must be >= 1 (got {capacity})")
        self.capacity, self.key_dim, self.value_names = capacity, key_dim, tuple(values)
        self.register_buffer("filled", torch.zeros(capacity, dtype=torch.bool))
        if key_dim:
            self.register_buffer("keys", torch.zeros(capacity, key_dim))
        for name, (shape, dtype) in values.items():
            self.register_buffer(f"value_{name}", torch.zeros((capacity, *shape), dtype=dtype))

    def __len__(self) -> int:
        return int(self.filled.sum())

    def value(self, name: str) -> torch.Tensor:
        return getattr(self, f"value_{name}")

    def slots(self) -> torch.Tensor:
        """Indices of the filled slots, in slot order."""
        return self.filled.nonzero().flatten()

    def free_slots(self) -> torch.Tensor:
        return (~self.filled).nonzero().flatten()

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
            buf[slots] = v.to(device=buf.device, dtype=buf.dtype)
        self.filled[slots] = True

    @torch.no_grad()
    def remove(self, slots: torch.Tensor) -> None:
        self.filled[slots.to(self.filled.device)] = False

    @torch.no_grad()
    def set_keys(self, slots: torch.Tensor, keys: torch.Tensor) -> None:
        self.keys[slots.to(self.keys.device)] = keys.to(self.keys)

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
