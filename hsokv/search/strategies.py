"""Search strategies behind one registry, all run under the same step budget and seed:
- swarm:  the hierarchical swarm (hsokv.search.swarm).
- random: configs drawn uniformly from the whole space, each trained `trial_steps` from scratch.
- grid:   a full factorial over `grid_dims` (other dimensions at their midpoint), in random order
          and cut to the budget, each trained `trial_steps` from scratch.
- default: no search: the preset's own config, trained `trial_steps` (what H-SOKV gets with the
          swarm switched off).
"""
from __future__ import annotations

import itertools
import math
import time

import numpy as np

from hsokv.config import SEARCHABLE, PipelineConfig, resolve
from hsokv.registry import Registry
from hsokv.search.objective import SearchTask, run_trial, score_on_test
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import Heatmap, Swarm, lineage_steps, planned_steps
from hsokv.search.tracking import SearchLog
from hsokv.search.trial import TrialSpec

STRATEGIES = Registry("search strategy")


def _run_points(task, space, points, steps, backend, seed, log, heatmap) -> None:
    specs = [TrialSpec(i + 1, space.decode(p), steps, seed * 1_000_003 + i + 1) for i, p in enumerate(points)]
    for p, res in zip(points, backend.map(run_trial, task, specs)):
        log.trial(res, p)
        heatmap.add(p, res.score)


def _trial_steps(cfg: PipelineConfig) -> int:
    return cfg.swarm.trial_steps or lineage_steps(cfg.swarm)


@STRATEGIES.register("swarm")
def swarm_search(task, space, cfg, backend, seed, log):
    swarm = Swarm(task, space, cfg.swarm, backend, seed, log, run_trial)
    swarm.run()
    return swarm.heatmap


@STRATEGIES.register("random")
def random_search(task, space, cfg, backend, seed, log):
    rng = np.random.default_rng(seed)
    n = max(1, planned_steps(cfg.swarm) // _trial_steps(cfg))
    heatmap = Heatmap(space, cfg.swarm.heatmap_dims, cfg.swarm.heatmap_bins)
    _run_points(task, space, list(rng.uniform(size=(n, len(space)))), _trial_steps(cfg), backend, seed, log, heatmap)
    return heatmap


@STRATEGIES.register("grid")
def grid_search(task, space, cfg, backend, seed, log):
    rng = np.random.default_rng(seed)
    n = max(1, planned_steps(cfg.swarm) // _trial_steps(cfg))
    dims = cfg.swarm.grid_dims
    fixed = math.prod(len(space.dims[d].choices) for d in dims if space.dims[d].choices is not None)
    numeric = [d for d in dims if space.dims[d].choices is None]
    per_dim = max(1, math.ceil((n / fixed) ** (1 / len(numeric)) - 1e-9)) if numeric else 1
    axes = [space.levels(d, per_dim) for d in dims]
    points = []
    for combo in itertools.product(*axes):
        p = np.full(len(space), 0.5)
        for d, u in zip(dims, combo):
            p[space.names.index(d)] = u
        points.append(p)
    order = rng.permutation(len(points))[:n]
    heatmap = Heatmap(space, cfg.swarm.heatmap_dims, cfg.swarm.heatmap_bins)
    _run_points(task, space, [points[i] for i in order], _trial_steps(cfg), backend, seed, log, heatmap)
    return heatmap


@STRATEGIES.register("default")
def no_search(task, space, cfg, backend, seed, log):
    values = {n: getattr(getattr(cfg, SEARCHABLE[n][0]), SEARCHABLE[n][1]) for n in space.names}
    heatmap = Heatmap(space, cfg.swarm.heatmap_dims, cfg.swarm.heatmap_bins)
    spec = TrialSpec(1, values, _trial_steps(cfg), seed * 1_000_003 + 1)
    result = backend.map(run_trial, task, [spec])[0]
    log.trial(result, space.encode(values))
    heatmap.add(space.encode(values), result.score)
    return heatmap


def run_search(strategy: str, task: SearchTask, cfg: PipelineConfig, backend, seed: int,
               on_iteration=None) -> tuple[dict, SearchLog]:
    """One strategy, one seed -> (JSON-ready result, the log holding the best trial's state)."""
    space = SearchSpace(cfg.swarm.space)
    log = SearchLog(on_iteration)
    start = time.perf_counter()
    heatmap = STRATEGIES.get(strategy)(task, space, cfg, backend, seed, log)
    wall = time.perf_counter() - start
    best = log.best
    return {"strategy": strategy, "seed": seed, "budget_steps": planned_steps(cfg.swarm), "steps_used": log.steps,
            "best": {"values": best.values, "validation_accuracy": best.score, "trial": best.trial_id,
                     "lineage_steps": best.state.steps, "found_at_steps": log.best_steps},
            "test": score_on_test(task, best.state), "curve": log.curve, "iterations": log.iterations,
            "events": log.events, "heatmap": heatmap.to_dict(), "failures": list(backend.failures),
            "wall_seconds": wall, "trials": log.trials}, log


def search_config(raw_params: dict, source: str = "params.yaml") -> PipelineConfig:
    """The active config, with swarm.preset's model and train sections if set (data, seeds,
    device and the swarm section stay the active ones)."""
    active = resolve(raw_params, source)
    if active.swarm.preset is None:
        return active
    base = resolve({**raw_params, "preset": active.swarm.preset}, source)
    return active.model_copy(update={"model": base.model, "train": base.train})
