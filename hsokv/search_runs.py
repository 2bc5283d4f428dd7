"""The work of one search stage of any problem (issue 21): a strategy and its null control on every
seed of the problem's section, each run's chosen config scored once on test by run_search."""
from __future__ import annotations

from typing import Callable

from hsokv.config import ConfigError, SwarmShape
from hsokv.search.backends import BACKENDS
from hsokv.search.strategies import STRATEGIES, run_search
from hsokv.search.trial import Objective


def search_seeds(strategy: str, section: SwarmShape, objective_of: Callable[[int], Objective], key: str) -> list[dict]:
    """run_search results, seed by seed (the real search, then its null control if
    `section.null_control`); `objective_of(seed)` loads a seed's problem; `key` names the section
    (the backend's label)."""
    if strategy not in STRATEGIES:
        raise ConfigError(f"--strategy {strategy!r} is unknown; known: {sorted(STRATEGIES)}")
    runs = []
    with BACKENDS.get(section.backend)(section.workers, section.max_retries, section.ray_address, key=key) as backend:
        for seed in section.seeds:
            objective = objective_of(seed)
            for null in ([False, True] if section.null_control else [False]):
                result, _ = run_search(strategy, objective, section, backend, seed, null=null)
                best = result["best"]
                print(f"{strategy}{' (null)' if null else ''} seed {seed}: best validation "
                      f"{best['validation_accuracy']:.3f} after {best['found_at_steps']} steps / "
                      f"{best['found_at_evaluations']} evaluations (of {result['steps_used']} / "
                      f"{result['evaluations']}), test {result['test']['accuracy']:.3f}, "
                      f"{result['wall_seconds']:.1f}s", flush=True)
                runs.append(result)
    return runs
