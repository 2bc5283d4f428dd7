"""hsokv.search_runs: a search stage's seeds, one at a time or side by side in spawned processes
(the same runs either way), and the settings it refuses."""
from functools import partial

import pytest
from pydantic import ValidationError

from hsokv.benchmarks.glue.search_config import Sst2SearchConfig
from hsokv.config import ConfigError
from hsokv.search_runs import search_seeds
from test_search_peers import SHAPE, Toy


def toy_objective(noise: float, seed: int) -> Toy:
    """A seed's problem, picklable for the spawned processes: the noise grows with the seed."""
    return Toy(noise * (1 + seed))


def _without_timing(runs: list[dict]) -> list[dict]:
    def strip(o):
        if isinstance(o, dict):
            return {k: strip(v) for k, v in o.items() if k not in ("wall_seconds", "seconds")}
        return [strip(v) for v in o] if isinstance(o, list) else o
    return strip(runs)


def test_seeds_side_by_side_give_the_runs_of_one_at_a_time():
    serial = Sst2SearchConfig(**{**SHAPE, "seeds": [1, 2, 3]})
    side_by_side = serial.model_copy(update={"seed_workers": 2})
    objective_of = partial(toy_objective, 0.05)
    one_at_a_time = search_seeds("swarm", serial, objective_of, "search_sst2")
    spawned = search_seeds("swarm", side_by_side, objective_of, "search_sst2")
    assert [(r["seed"], r["null"]) for r in spawned] == [(s, n) for s in (1, 2, 3) for n in (False, True)]
    assert _without_timing(spawned) == _without_timing(one_at_a_time)
    # the seeds are different problems, so equal runs are not equal by accident
    assert len({r["best"]["validation_accuracy"] for r in spawned if not r["null"]}) == 3


def test_seed_workers_refuse_a_process_pool_backend():
    with pytest.raises(ValidationError, match="seed_workers.*multiprocessing"):
        Sst2SearchConfig(**{**SHAPE, "seed_workers": 2, "backend": "multiprocessing", "workers": 2})
    Sst2SearchConfig(**{**SHAPE, "seed_workers": 2, "backend": "serial"})


def test_an_unknown_strategy_names_the_known_ones():
    with pytest.raises(ConfigError, match="'hill_climb' is unknown; known: .*'swarm'"):
        search_seeds("hill_climb", Sst2SearchConfig(**SHAPE), partial(toy_objective, 0.01), "search_sst2")
