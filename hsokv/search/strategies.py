"""Search strategies behind one registry, all run under the same step budget and seed:
- swarm:  the hierarchical swarm (hsokv.search.swarm).
- random: configs drawn uniformly from the whole space, each trained `trial_steps` from scratch.
- grid:   a full factorial over `grid_dims` (other dimensions at their midpoint), in random order
          and cut to the budget, each trained `trial_steps` from scratch.
- default: no search: the preset's own config, trained `trial_steps` (what H-SOKV gets with the
          swarm switched off).
- optuna_tpe: Optuna's TPE sampler with its successive-halving pruner (hsokv.search.optuna_tpe).
- asha:   random configs with asynchronous successive halving, through Ray Tune (hsokv.search.tune).
- pbt:    Ray Tune's population-based training (hsokv.search.tune).
Every strategy also runs as its own null control (`run_search(null=True)`): the same search with
every config replaced by the default one, so its best score measures selection alone.
"""
from __future__ import annotations

import itertools
import math
import time

import numpy as np

from hsokv.search.config import SwarmShape
from hsokv.registry import Registry
from hsokv.search import tune
from hsokv.search.lineage import NullObjective
from hsokv.search.optuna_tpe import optuna_tpe
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import Heatmap, Swarm, lineage_steps, planned_steps
from hsokv.search.tracking import SearchLog
from hsokv.search.trial import Objective, TrialSpec

STRATEGIES = Registry("search strategy")


def _run_points(objective, space, points, steps, backend, seed, log, heatmap) -> None:
    specs = [TrialSpec(i + 1, space.decode(p), steps, seed * 1_000_003 + i + 1) for i, p in enumerate(points)]
    for p, res in zip(points, backend.map(objective.trial, objective.task, specs)):
        log.trial(res, p)
        heatmap.add(p, res.score)


def _trial_steps(swarm: SwarmShape) -> int:
    return swarm.trial_steps or lineage_steps(swarm)


@STRATEGIES.register("swarm")
def swarm_search(objective, space, swarm, backend, seed, log):
    runner = Swarm(objective.task, space, swarm, backend, seed, log, objective.trial)
    runner.run()
    return runner.heatmap


@STRATEGIES.register("random")
def random_search(objective, space, swarm, backend, seed, log):
    rng = np.random.default_rng(seed)
    n = max(1, planned_steps(swarm) // _trial_steps(swarm))
    heatmap = Heatmap(space, swarm.heatmap_dims, swarm.heatmap_bins)
    _run_points(objective, space, list(rng.uniform(size=(n, len(space)))), _trial_steps(swarm), backend, seed, log,
                heatmap)
    return heatmap


@STRATEGIES.register("grid")
def grid_search(objective, space, swarm, backend, seed, log):
    rng = np.random.default_rng(seed)
    n = max(1, planned_steps(swarm) // _trial_steps(swarm))
    dims = swarm.grid_dims
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
    heatmap = Heatmap(space, swarm.heatmap_dims, swarm.heatmap_bins)
    _run_points(objective, space, [points[i] for i in order], _trial_steps(swarm), backend, seed, log, heatmap)
    return heatmap


@STRATEGIES.register("default")
def no_search(objective, space, swarm, backend, seed, log):
    values = objective.defaults(space.names)
    heatmap = Heatmap(space, swarm.heatmap_dims, swarm.heatmap_bins)
    spec = TrialSpec(1, values, _trial_steps(swarm), seed * 1_000_003 + 1)
    result = backend.map(objective.trial, objective.task, [spec])[0]
    log.trial(result, space.encode(values))
    heatmap.add(space.encode(values), result.score)
    return heatmap


def _peer(search):
    """A peer strategy (it logs its trials; the heatmap is drawn from the log). optuna and ray[tune]
    are imported when a peer runs, not with this module."""
    def run(objective, space, swarm, backend, seed, log):
        search(objective, space, swarm, backend, seed, log)
        heatmap = Heatmap(space, swarm.heatmap_dims, swarm.heatmap_bins)
        for t in log.trials:
            heatmap.add(np.array(t["point"]), t["score"])
        return heatmap
    return run


STRATEGIES.register("optuna_tpe")(_peer(optuna_tpe))
STRATEGIES.register("asha")(_peer(tune.asha))
STRATEGIES.register("pbt")(_peer(tune.pbt))


def run_search(strategy: str, objective: Objective, swarm: SwarmShape, backend, seed: int,
               on_iteration=None, null: bool = False) -> tuple[dict, SearchLog]:
    """One strategy, one seed -> (JSON-ready result, the log holding the best trial's state).
    null: the strategy's null control (every config replaced by objective.defaults)."""
    space = SearchSpace(swarm.space)
    if null:
        objective = NullObjective.of(objective, space.names)
    log = SearchLog(on_iteration)
    start = time.perf_counter()
    heatmap = STRATEGIES.get(strategy)(objective, space, swarm, backend, seed, log)
    wall = time.perf_counter() - start
    best = log.best
    return {"strategy": strategy, "seed": seed, "null": null, "budget_steps": planned_steps(swarm),
            "steps_used": log.steps, "evaluations": log.evaluations,
            "best": {"values": best.values, "validation_accuracy": best.score, "trial": best.trial_id,
                     "lineage_steps": best.state.steps, "found_at_steps": log.best_steps,
                     "found_at_evaluations": log.best_evaluations},
            "test": objective.test(best.state), "curve": log.curve, "eval_curve": log.eval_curve,
            "iterations": log.iterations, "events": log.events, "heatmap": heatmap.to_dict(),
            "failures": list(backend.failures), "wall_seconds": wall, "trials": log.trials}, log
