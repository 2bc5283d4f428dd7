"""The work of one search stage of any problem (issue 21): a strategy and its null control on every
seed of the problem's section, each run's chosen config scored once on test by run_search; with
`seed_workers` > 1 the seeds are searched side by side, one spawned process each."""
from __future__ import annotations

from typing import Callable

import torch

from hsokv.config import ConfigError
from hsokv.jobs import starmap_spawned
from hsokv.search.backends import BACKENDS
from hsokv.search.config import SearchProblemConfig
from hsokv.search.strategies import STRATEGIES, run_search
from hsokv.search.trial import Objective


def search_seeds(strategy: str, section: SearchProblemConfig, objective_of: Callable[[int], Objective],
                 key: str) -> list[dict]:
    """run_search results, seed by seed (the real search, then its null control if
    `section.null_control`); `objective_of(seed)` loads a seed's problem (picklable when
    `section.seed_workers` > 1: a functools.partial of a module-level function); `key` names the
    section (the backend's label). Side by side, each search (a seed's real run or its null control:
    5 seeds make 10 even units for 2 processes, not 3 seeds against 2) is a unit of its own, and each
    process keeps the parent's torch thread count (a trial sets its own), so the figures equal
    one-at-a-time runs'."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"--strategy {strategy!r} is unknown; known: {sorted(STRATEGIES)}")
    units = [(seed, null) for seed in section.seeds for null in ([False, True] if section.null_control else [False])]
    workers = min(section.seed_workers, len(units))
    if workers == 1:
        return _search(strategy, section, objective_of, key, units)
    per_unit = starmap_spawned(_search, [(strategy, section, objective_of, key, [unit]) for unit in units],
                               workers, torch.set_num_threads, (torch.get_num_threads(),))
    return [run for runs in per_unit for run in runs]


def _search(strategy: str, section: SearchProblemConfig, objective_of: Callable[[int], Objective], key: str,
            units: list[tuple[int, bool]]) -> list[dict]:
    runs, objective, loaded = [], None, None
    with BACKENDS.get(section.backend)(section.workers, section.max_retries, section.ray_address, key=key) as backend:
        for seed, null in units:
            if loaded != seed:   # a seed's problem is loaded once for its real run and null control
                objective, loaded = objective_of(seed), seed
            result, _ = run_search(strategy, objective, section, backend, seed, null=null)
            best = result["best"]
            print(f"{strategy}{' (null)' if null else ''} seed {seed}: best validation "
                  f"{best['validation_accuracy']:.3f} after {best['found_at_steps']} steps / "
                  f"{best['found_at_evaluations']} evaluations (of {result['steps_used']} / "
                  f"{result['evaluations']}), test {result['test']['accuracy']:.3f}, "
                  f"{result['wall_seconds']:.1f}s", flush=True)
            runs.append(result)
    return runs
