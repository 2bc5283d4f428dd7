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
from hsokv.benchmarks.glue.methods import METHODS, is_trained
from hsokv.config import PipelineConfig, load_params
from hsokv.jobs import set_threads, starmap_spawned
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
        trained = is_trained(method)
        result = METHODS.get(method)(compiled if trained else backbone, task, train, dev, evals, cfg, device, generator)
        records.append({"task": task.name, "backbone": backbone_name, "method": method, "seed": splits.seed,
                        "n_train": len(train), "n_kshot_dev": len(dev),
                        "device": str(device), **result, "wall_seconds": time.perf_counter() - start}
                       | ({"compile": compile_mode} if trained and compile_mode != "none" else {}))
    return records


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def _run_unit(params: str, reads: tuple[str, ...], root: Path, task: str, backbone: str, seeds: tuple[int, ...],
              methods: tuple[str, ...]) -> tuple[list[dict], dict[str, int]]:
    """One work unit: `methods` on each of `seeds` with one backbone, a line printed per run; (records,
    evaluation set sizes). Reads the params itself, so that it can run in a worker process."""
    cfg = load_params(params, reads)
    g = cfg.glue
    records = []
    for seed in seeds:
        splits = load_few_shot(root / task, task, seed, g.k, g.k_shot_source, g.max_eval_examples,
                               g.eval_sample_seed)
        for r in run_seed(splits, backbone, list(methods), cfg):
            scores = " ".join(f"{k} {_fmt(r[k])}" for k in ("dev_accuracy", *splits.evals))
            print(f"{task} {backbone}/{r['method']} seed {seed}: {scores} ({r['wall_seconds']:.1f}s)"
                  + (f" skipped: {r['skipped']}" if "skipped" in r else ""), flush=True)
            records.append(r)
    return records, {name: len(examples) for name, examples in splits.evals.items()}


def work_units(backbones: list[str], seeds: list[int], methods: list[str],
               split: bool) -> list[tuple[str, tuple[int, ...], tuple[str, ...]]]:
    """(backbone, seeds, methods) units covering every (backbone, seed, method) once, longest first
    (roughly: a pool hands them out in this order).

    Unsplit: one unit per (backbone, seed), every method. Split (worker processes): a pretrained
    backbone's trained methods (fine-tuning a 22M-parameter encoder: 8-32 s a seed on a demo CPU core)
    are a unit each per seed, and its frozen methods one unit for all seeds, so that one process
    encodes the evaluation sets once (frozen.py's cache) and the others never wait on a whole seed.
    A scratch backbone's seed stays one unit (its runs are short). Every method starts from its seed
    (run_seed), so a run's record does not depend on the unit it ran in."""
    whole_seeds = [(b, (s,), tuple(methods)) for b in backbones for s in seeds
                   if not split or not BACKBONES.get(b).pretrained]
    if not split:
        return whole_seeds
    units = []
    for b in (b for b in backbones if BACKBONES.get(b).pretrained):
        frozen = tuple(m for m in methods if not is_trained(m))
        if frozen:   # first: it holds every seed (demo MNLI: 38 s, a trained unit 18-32 s)
            units.append((b, tuple(seeds), frozen))
        units += [(b, (s,), (m,)) for m in methods if is_trained(m) for s in seeds]
    return units + whole_seeds


def run_task(params: str, reads: tuple[str, ...], root: str | Path, task: str) -> tuple[list[dict], dict[str, int]]:
    """Every backbone x seed x method of the params on one task: (records in backbone, seed, method
    order, evaluation set sizes). With glue.workers > 1 the work units (work_units) run in that many
    processes of glue.threads torch threads each, longest first: on a few CPU cores, processes of
    one thread beat one process of many, whose threads wait on each other at every small matrix
    product."""
    g = load_params(params, reads).glue
    check_optional(g.backbones, g.methods)
    units = work_units(g.backbones, g.seeds, g.methods, split=g.workers > 1)
    args = [(params, reads, Path(root), task, *unit) for unit in units]
    if g.workers <= 1:
        set_threads(g.threads)
        done = [_run_unit(*a) for a in args]
    else:
        done = starmap_spawned(_run_unit, args, g.workers, set_threads, (g.threads,))
    by_run = {(r["backbone"], r["seed"], r["method"]): r for records, _ in done for r in records}
    order = [(b, s, m) for b in g.backbones for s in g.seeds for m in g.methods]
    return [by_run[key] for key in order], done[-1][1]
