"""A frozen encoder's vectors, computed once per (backbone, encoder, token ids) in a process.

Every frozen-encoder method (kv_only, knn, zero_shot, logreg, hsokv_proto) needs the same vectors
of the same evaluation set, and a pretrained backbone's frozen encoder is the same for every seed:
MNLI's ~20k dev pairs are encoded once per stage run instead of once per (seed, method). The
scratch backbone is a fresh random encoder per seed, so its vectors are never cached.
"""
from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path
from typing import Callable

import torch
import torch.nn as nn

from hsokv.benchmarks.glue.batches import Batches
from hsokv.benchmarks.glue.data import Example

_CACHE: dict[tuple[str, str, str], torch.Tensor] = {}
_DISK: list[Path] = []   # the on-disk cache folder, when one is in use


def use_disk_cache(folder: str | Path | None) -> None:
    """Keep pretrained vectors in `folder` too (None: in memory only, the default)."""
    _DISK.clear()
    if folder is not None:
        Path(folder).mkdir(parents=True, exist_ok=True)
        _DISK.append(Path(folder))


def _disk_path(key: tuple[str, str, str]) -> Path | None:
    return _DISK[0] / f"{key[0]}-{key[1]}-{key[2]}.safetensors" if _DISK else None


def _load(key: tuple[str, str, str]) -> torch.Tensor | None:
    if key in _CACHE:
        return _CACHE[key]
    path = _disk_path(key)
    if path is not None and path.is_file():
        from safetensors.torch import load_file
        _CACHE[key] = load_file(path)["vectors"]
        return _CACHE[key]
    return None


def _store(key: tuple[str, str, str], vectors: torch.Tensor) -> None:
    _CACHE[key] = vectors
    path = _disk_path(key)
    if path is not None:
        from safetensors.torch import save_file
        fd, tmp = tempfile.mkstemp(dir=path.parent, suffix=".tmp")
        os.close(fd)
        save_file({"vectors": vectors.contiguous()}, tmp)
        os.replace(tmp, path)   # a reader sees the whole file or none


class FrozenEncoder:
    """One method run's frozen encoder, built on the first cache miss and then kept, so every
    vector of the run (train, dev, evaluation sets) comes from the same module. `kind` names the
    encoder ("encoder", "bag_of_words") so two encoders of one backbone never share entries."""

    def __init__(self, backbone, kind: str, make_encoder: Callable[[], nn.Module], batch_size: int, device):
        self.backbone, self.kind, self.make_encoder = backbone, kind, make_encoder
        self.batch_size, self.device, self.module = batch_size, device, None

    @classmethod
    def of_backbone(cls, backbone, train: Batches, cfg, device) -> "FrozenEncoder":
        """The backbone's encoder as it starts (pretrained, or scratch's random init)."""
        return cls(backbone, "encoder", lambda: backbone.encoder(train.ids(range(len(train))), train.labels),
                   cfg.glue.eval_batch_size, device)

    @torch.no_grad()
    def vectors(self, seqs: list[list[int]]) -> torch.Tensor:
        """[len(seqs), dim] on the CPU, in `seqs`' order."""
        key = None
        if self.backbone.pretrained:
            key = (self.backbone.name, self.kind, hashlib.sha256(repr(seqs).encode()).hexdigest())
            cached = _load(key)
            if cached is not None:
                return cached
        if self.module is None:
            self.module = self.make_encoder().to(self.device).eval()
        data, out = Batches(seqs, [0] * len(seqs)), None
        for idx, ids in data.in_length_order(self.batch_size):
            h = self.module(ids.to(self.device)).float().cpu()
            out = torch.empty(len(seqs), h.shape[-1]) if out is None else out
            out[idx] = h
        if key is not None:
            _store(key, out)
        return out

    def sentences(self, texts: list[str]) -> torch.Tensor:
        """Single sentences (label prompts, premises, rewritten hypotheses)."""
        return self.vectors(self.backbone.tokenize([Example(t, None, 0) for t in texts]))


def clear() -> None:
    _CACHE.clear()
