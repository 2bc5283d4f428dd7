"""How examples enter a continual method's memory: reservoir sampling over the stream (ER, DER++,
ER-ACE) or class-balanced herding at the end of each task (iCaRL, H-SOKV)."""
from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F


def reservoir_slots(seen: int, incoming: int, capacity: int, rng: np.random.Generator) -> np.ndarray:
    """Vitter's algorithm R for a batch: the slot each incoming example goes to, or -1 (dropped).

    Example i is the (seen + i)-th of the stream. When two examples of one batch draw the same
    slot, the later one wins, exactly as if they were added one at a time.
    """
    index = seen + np.arange(incoming)
    slots = np.where(index < capacity, index, -1)
    late = index >= capacity
    if late.any():
        draws = rng.integers(0, index[late] + 1)
        slots[late] = np.where(draws < capacity, draws, -1)
    taken = slots >= 0
    # keep only the last writer of each slot
    _, last = np.unique(slots[taken][::-1], return_index=True)
    keep = np.zeros(incoming, dtype=bool)
    keep[np.flatnonzero(taken)[::-1][last]] = True
    return np.where(keep, slots, -1)


@torch.no_grad()
def herding(features: torch.Tensor, m: int) -> torch.Tensor:
    """Indices of m examples, in order, whose running mean tracks the class mean (iCaRL)."""
    f = F.normalize(features.float(), dim=1)
    mu = f.mean(0)
    chosen: list[int] = []
    total = torch.zeros_like(mu)
    available = torch.ones(len(f), dtype=torch.bool, device=f.device)
    for k in range(1, min(m, len(f)) + 1):
        gap = ((mu[None] - (total[None] + f) / k) ** 2).sum(1).masked_fill(~available, math.inf)
        i = int(gap.argmin())
        chosen.append(i)
        available[i] = False
        total += f[i]
    return torch.tensor(chosen, dtype=torch.long, device=features.device)
