"""Rows of token ids padded at the end with id 0, as memories store them (padded to the longest
row a memory may hold) and every encoder here masks them."""
from __future__ import annotations

from typing import Callable

import torch
import torch.nn as nn


def trimmed(encoder: nn.Module) -> Callable[[torch.Tensor], torch.Tensor]:
    """`encoder` on token rows cut after their last non-padding column. A memory stores rows padded
    to its longest allowed story (words: data.max_length 96; GLUE: glue.max_length 128) while a
    story is ~20-60 tokens; every encoder masks padding, so the columns cut are pure cost.
    Re-encoding the keys was most of GLUE hsokv's extra time and a quarter of a words H-SOKV run's;
    the vectors come out bit for bit the same (tests/test_padding.py)."""
    def encode(ids: torch.Tensor) -> torch.Tensor:
        used = (ids != 0).any(0).nonzero()
        return encoder(ids[:, : int(used[-1]) + 1 if len(used) else 1])
    return encode
