"""Few-shot GLUE's protocol: every method on one seed's LM-BFF samples with one backbone.

A pretrained backbone's classifier rows start at its vectors of one label sentence per class
("It was great." ...) when glue.label_init is on, for hsokv and finetune alike.
"""
from __future__ import annotations

import time

import torch

from hsokv.benchmarks.glue.backbones import make_backbone
from hsokv.benchmarks.glue.data import Example, FewShotSplits
from hsokv.benchmarks.glue.batches import Batches
from hsokv.benchmarks.glue.methods import METHODS
from hsokv.config import PipelineConfig
from hsokv.training import pick_device, seed_everything


def check_optional(backbones: list[str], methods: list[str]) -> None:
    """Refuse, before any run, a backbone or method whose optional package (requirements-research.txt)
    is missing, naming the install command."""
    if "mpnet" in backbones:
        from hsokv.benchmarks.glue.backbones.mpnet import check_installed
        check_installed()
    if "setfit" in methods:
        from hsokv.benchmarks.glue.methods.setfit import check_installed
        check_installed()


def run_seed(splits: FewShotSplits, backbone_name: str, methods: list[str], cfg: PipelineConfig) -> list[dict]:
    """Every method on one seed's samples with one backbone; one record per method."""
    device = pick_device(cfg.device)
    task = splits.task
    backbone = make_backbone(backbone_name, splits.train, len(task.label_names), cfg.glue.max_length, cfg)

    def batches(examples: list[Example]) -> Batches:
        return Batches(backbone.tokenize(examples), [e.label for e in examples], examples)

    train, dev = batches(splits.train), batches(splits.dev)
    evals = {name: batches(examples) for name, examples in splits.evals.items()}
    records = []
    for method in methods:
        seed_everything(splits.seed)
        generator = torch.Generator().manual_seed(splits.seed)
        start = time.perf_counter()
        result = METHODS.get(method)(backbone, task, train, dev, evals, cfg, device, generator)
        records.append({"task": task.name, "backbone": backbone_name, "method": method, "seed": splits.seed,
                        "n_train": len(train), "n_kshot_dev": len(dev),
                        "device": str(device), **result, "wall_seconds": time.perf_counter() - start})
    return records
