"""Continual-learning benchmark: every method on the same stream, backbone and seed -> per-seed
results, then mean/std/95% CI over seeds (hsokv.report.summarize)."""
from __future__ import annotations

import contextlib
import time

import torch

from hsokv.config import PipelineConfig
from hsokv.continual import (CONTINUAL_METHODS, Task, accuracy_matrix_summary, flops_per_example,
                             run_stream)
from hsokv.report import summarize
from hsokv.training import seed_everything
from hsokv.vision import make_image_model

BUFFERED = ("hsokv", "er")


def runs(cfg: PipelineConfig) -> list[tuple[str, int | None]]:
    """(method, buffer) pairs: one per buffer size for the methods with a memory."""
    c = cfg.continual
    return [(m, b) for m in c.methods for b in (c.buffer_sizes if m in BUFFERED else [None])]


def label(method: str, buffer: int | None) -> str:
    return method if buffer is None else f"{method}-{buffer}"


def run_seed(tasks: list[Task], cfg: PipelineConfig, seed: int, device: torch.device) -> dict:
    c = cfg.continual
    num_classes = sum(len(t.classes) for t in tasks)
    autocast = ((lambda: torch.autocast("cuda", dtype=torch.bfloat16)) if device.type == "cuda"
                else contextlib.nullcontext)
    out = {"seed": seed, "device": str(device), "runs": {}}
    for method, buffer in runs(cfg):
        seed_everything(seed)
        model = make_image_model(c.backbone, tasks[0].train_x.shape[1], num_classes).to(device)
        generator = torch.Generator(device=device).manual_seed(seed)
        learner = CONTINUAL_METHODS[method](model, c, buffer, seed, generator)
        start = time.perf_counter()
        result = run_stream(learner, tasks, c, autocast)
        if device.type == "cuda":
            torch.cuda.synchronize()
        wall = time.perf_counter() - start
        fwd, train = flops_per_example(model, tasks[0].train_x)
        result.update({
            "class_il_summary": accuracy_matrix_summary(result["class_il"]),
            "task_il_summary": accuracy_matrix_summary(result["task_il"]),
            "trained_examples": learner.trained_examples, "encoded_examples": learner.encoded_examples,
            "train_flops": learner.trained_examples * train + learner.encoded_examples * fwd,
            "wall_seconds": wall})
        out["runs"][label(method, buffer)] = result
        s = result["class_il_summary"]["average_accuracy"], result["task_il_summary"]["average_accuracy"]
        print(f"  seed {seed} {label(method, buffer):>12}: class-IL {s[0]:.1f}  task-IL {s[1]:.1f}  ({wall:.1f}s)", flush=True)
    return out


def _matrix_mean(mats: list[list[list[float | None]]]) -> list[list[float | None]]:
    return [[None if row[j] is None else sum(m[i][j] for m in mats) / len(mats) for j in range(len(row))]
            for i, row in enumerate(mats[0])]


def summary(per_seed: list[dict], cfg: PipelineConfig, source: str) -> dict:
    c = cfg.continual
    out = {"preset": cfg.preset, "dataset": c.dataset, "source": source, "backbone": c.backbone,
           "tasks": None, "epochs_per_task": c.epochs, "seeds": [r["seed"] for r in per_seed], "methods": {}}
    for name in per_seed[0]["runs"]:
        rs = [r["runs"][name] for r in per_seed]
        entry = {}
        for setting in ("class_il", "task_il"):
            entry[setting] = {k: summarize([r[f"{setting}_summary"][k] for r in rs])
                              for k in ("average_accuracy", "bwt", "forgetting")}
            entry[setting]["matrix"] = _matrix_mean([r[setting] for r in rs])
        entry["train_flops"] = summarize([r["train_flops"] for r in rs])
        entry["timing"] = {"wall_seconds": summarize([r["wall_seconds"] for r in rs])}
        out["methods"][name] = entry
        out["tasks"] = len(rs[0]["task_il"][-1])
    return out
