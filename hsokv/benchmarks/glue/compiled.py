"""A trained method's encoder under torch.compile, for the GPU host's grid (`grid.py --compile`).

A grid point is 1,000 steps at batch 2-8: on a GPU each step is bound by launching kernels, not by
arithmetic, so CUDA graphs ("reduce-overhead") are where the time is. A graph is recorded per input
shape, and sentences come in every length, so the encoder's input is padded with the padding id (0)
up to the next multiple of `BUCKET` tokens (at most glue.max_length): a handful of shapes instead of
one per length. Every backbone masks padding, so in evaluation padding changes no vector (tested).
In training it does change the run: dropout draws its masks over the padded shape, so the real
tokens get other masks, and compiled kernels round differently from eager ones. A compiled run is
another draw of the same procedure (measured on the CPU, MiniLM, one SST-2 point of 24 steps,
64 evaluation sentences: eager 0.797, padded-eager 0.813, compiled 0.813): compare it with compiled
runs, never bit for bit with eager ones.
"""
from __future__ import annotations

import torch
import torch.nn as nn
import torch.nn.functional as F

from hsokv.training import check_compile_mode

BUCKET = 32
# train and eval modes x 4 widths x the batch sizes of a point (train batch, k-shot dev, evaluation
# batches, label sentences): dynamo's default of 8 graphs per function would fall back to eager
RECOMPILE_LIMIT = 64


class PaddedToBucket(nn.Module):
    """`encoder` on ids padded with 0 to a multiple of `bucket` columns, at most `max_width`
    (an input already wider is left as it is)."""

    def __init__(self, encoder: nn.Module, bucket: int, max_width: int):
        super().__init__()
        self.encoder, self.bucket, self.max_width = encoder, bucket, max_width

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        width = ids.shape[1]
        target = max(width, min(-(-width // self.bucket) * self.bucket, self.max_width))
        return self.encoder(F.pad(ids, (0, target - width)))


class CompiledBackbone:
    """`backbone` whose `encoder(...)` modules are compiled in `mode` and fed bucket-padded ids;
    everything else is the backbone's own."""

    def __init__(self, backbone, mode: str, max_length: int):
        check_compile_mode(mode)
        self._backbone, self.mode, self.max_length = backbone, mode, max_length

    def __getattr__(self, name: str):
        return getattr(self._backbone, name)

    def encoder(self, *args) -> nn.Module:
        import torch._dynamo
        torch._dynamo.config.recompile_limit = max(torch._dynamo.config.recompile_limit, RECOMPILE_LIMIT)
        enc = self._backbone.encoder(*args)
        enc.compile(mode=self.mode, dynamic=False)
        return PaddedToBucket(enc, BUCKET, self.max_length)
