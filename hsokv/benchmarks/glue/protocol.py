"""Few-shot GLUE's protocol: every method on one seed's LM-BFF samples with one backbone.

A pretrained backbone's classifier rows start at its vectors of one label sentence per class
("It was great." ...) when glue.label_init is on, for hsokv and finetune alike.
"""
from __future__ import annotations

import time
from pathlib import Path

import torch

from hsokv.benchmarks.glue.backbones import BACKBONES, make_backbone
from hsokv.benchmarks.glue.data import Example, FewShotSplits, load_few_shot
from hsokv.benchmarks.glue.batches import Batches
from hsokv.benchmarks.glue.compiled import CompiledBackbone
from hsokv.benchmarks.glue.methods import METHODS
from hsokv.config import PipelineConfig, load_params
from hsokv.jobs import starmap_spawned
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


def run_seed(splits: FewShotSplits, backbone_name: str, methods: list[str], cfg: PipelineConfig,
             compile_mode: str = "none") -> list[dict]:
    """Every method on one seed's samples with one backbone; one record per method. With
    `compile_mode` other than "none", the trained methods' encoders run under torch.compile
    (compiled.py; the GPU host's grid), and each record names the mode."""
    device = pick_device(cfg.device)
    task = splits.task
    backbone = make_backbone(backbone_name, splits.train, len(task.label_names), cfg.glue.max_length, cfg)
    compiled = CompiledBackbone(backbone, compile_mode, cfg.glue.max_length) if compile_mode != "none" else backbone

    def batches(examples: list[Example]) -> Batches:
        return Batches(backbone.tokenize(examples), [e.label for e in examples], examples)

    train, dev = batches(splits.train), batches(splits.dev)
    evals = {name: batches(examples) for name, examples in splits.evals.items()}
    records = []
    for method in methods:
        seed_everything(splits.seed)
        generator = torch.Generator().manual_seed(splits.seed)
        start = time.perf_counter()
        run = METHODS.get(method)
        is_trained = getattr(run, "grid_points", False)
        result = run(compiled if is_trained else backbone, task, train, dev, evals, cfg, device, generator)
        records.append({"task": task.name, "backbone": backbone_name, "method": method, "seed": splits.seed,
                        "n_train": len(train), "n_kshot_dev": len(dev),
                        "device": str(device), **result, "wall_seconds": time.perf_counter() - start}
                       | ({"compile": compile_mode} if is_trained and compile_mode != "none" else {}))
    return records


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _backbone_seed(params: str, reads: tuple[str, ...], root: Path, task: str, backbone: str,
                   seed: int) -> tuple[list[dict], dict[str, int]]:
    """One (backbone, seed): every method, a line printed per run; (records, evaluation set sizes).
    Reads the params itself, so that it can run in a worker process."""
    cfg = load_params(params, reads)
    g = cfg.glue
    splits = load_few_shot(root / task, task, seed, g.k, g.k_shot_source, g.max_eval_examples,
                           g.eval_sample_seed)
    records = run_seed(splits, backbone, g.methods, cfg)
    for r in records:
        scores = " ".join(f"{k} {_fmt(r[k])}" for k in ("dev_accuracy", *splits.evals))
        print(f"{task} {backbone}/{r['method']} seed {seed}: {scores} ({r['wall_seconds']:.1f}s)"
              + (f" skipped: {r['skipped']}" if "skipped" in r else ""), flush=True)
    return records, {name: len(examples) for name, examples in splits.evals.items()}


def _set_threads(threads: int | None) -> None:
    if threads:   # a fixed count also fixes the CPU kernels' reduction order, so reruns repeat
        torch.set_num_threads(threads)


def run_task(params: str, reads: tuple[str, ...], root: str | Path, task: str) -> tuple[list[dict], dict[str, int]]:
    """Every backbone x seed x method of the params on one task: (records in backbone, seed, method
    order, evaluation set sizes). With glue.workers > 1 the (backbone, seed) pairs run in that many
    processes of glue.threads torch threads each, pretrained backbones first (the longest jobs, so
    the last to finish is short): on a few CPU cores, processes of one thread beat one process of
    many, whose threads wait on each other at every small matrix product. Each process encodes the
    evaluation sets once per pretrained backbone (frozen.py), instead of once in all."""
    g = load_params(params, reads).glue
    check_optional(g.backbones, g.methods)
    jobs = [(backbone, seed) for backbone in g.backbones for seed in g.seeds]
    args = [(params, reads, Path(root), task, backbone, seed) for backbone, seed in jobs]
    if g.workers <= 1:
        _set_threads(g.threads)
        done = [_backbone_seed(*a) for a in args]
    else:
        order = sorted(range(len(jobs)), key=lambda i: not BACKBONES.get(jobs[i][0]).pretrained)
        results = starmap_spawned(_backbone_seed, [args[i] for i in order], g.workers, _set_threads, (g.threads,))
        done = [results[order.index(i)] for i in range(len(jobs))]
    return [r for records, _ in done for r in records], done[-1][1]
