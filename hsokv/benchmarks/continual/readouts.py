"""Readouts: how a trained network (and its memory) turns an image's features into class scores.

Every readout works from the same encoded features, so one training run is scored under each:
- head: the linear classifier;
- ncm: nearest class mean of the memory images' features (cosine), iCaRL's classifier;
- knn: the k nearest memory keys vote for their labels with weights softmax(cosine / tau);
- retrieval: (1 - w) x softmax(head) + w x knn, H-SOKV's prediction; w = 1 is the memory alone (the knn
  readout), which validation chose for H-SOKV after most tasks at every research size once the grid held it.
knn and retrieval have settings (k, tau, w); protocol.evaluate picks them on the validation split.
"""
from __future__ import annotations

import itertools
import math

import torch
import torch.nn.functional as F

READOUTS = ("head", "ncm", "knn", "retrieval")


def _knn_probs(feats: torch.Tensor, keys: torch.Tensor, labels: torch.Tensor, num_classes: int,
               k: int, tau: float) -> torch.Tensor:
    sims = F.normalize(feats, dim=1) @ F.normalize(keys, dim=1).T
    top, idx = sims.topk(min(k, len(keys)), dim=1)
    weights = torch.softmax(top / tau, dim=1)
    probs = torch.zeros(len(feats), num_classes, device=feats.device)
    return probs.scatter_add_(1, labels[idx], weights)


def scores(readout: str, feats: torch.Tensor, logits: torch.Tensor, keys: torch.Tensor | None,
           labels: torch.Tensor | None, setting: dict) -> torch.Tensor:
    num_classes = logits.shape[1]
    if readout == "head":
        return logits
    if keys is None or len(keys) == 0:
        raise ValueError(f"readout {readout!r} needs a memory")
    if readout == "ncm":
        f = F.normalize(keys, dim=1)
        means = torch.zeros(num_classes, f.shape[1], device=f.device).index_add_(0, labels, f)
        counts = torch.bincount(labels, minlength=num_classes)
        means = F.normalize(means, dim=1)
        out = F.normalize(feats, dim=1) @ means.T
        return out.masked_fill(counts[None] == 0, -math.inf)
    knn = _knn_probs(feats, keys, labels, num_classes, int(setting["k"]), float(setting["tau"]))
    if readout == "knn":
        return knn
    w = setting["w"]
    return (1 - w) * torch.softmax(logits, dim=1) + w * knn


def settings(readout: str, grid: dict[str, list]) -> list[dict]:
    """Every combination of the readout's settings from `grid` (keys k, tau, w)."""
    names = {"head": [], "ncm": [], "knn": ["k", "tau"], "retrieval": ["k", "tau", "w"]}[readout]
    return [dict(zip(names, combo)) for combo in itertools.product(*(grid[n] for n in names))]
