"""Execution backends: same results in order, and a worker killed mid-run does not lose work."""
import os
import signal
import time
from pathlib import Path

import pytest

from hsokv.benchmarks.words.objective import WordsObjective
from hsokv.config import ConfigError
from hsokv.search.config import SwarmConfig
from hsokv.search.backends import BACKENDS, RayBackend, SerialBackend, TaskFailed, make_backend, ray_session
from hsokv.search.strategies import run_search


def square_plus(shared, item):
    return item * item + shared


def die_once(marker_dir, item):
    """Kill this worker process (SIGKILL, as the OOM killer would) the first time item 2 runs."""
    marker = Path(marker_dir) / f"died-{item}"
    if item == 2 and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return item * 10


def span(seconds, item):
    """(start, end) of this task on the machine's monotonic clock (one clock for every process)."""
    start = time.monotonic()
    time.sleep(seconds)
    return start, time.monotonic()


def always_die(marker_dir, item):
    os.kill(os.getpid(), signal.SIGKILL)


@pytest.fixture(scope="module")
def ray_backend():
    pytest.importorskip("ray")
    import sys

    from ray import cloudpickle
    cloudpickle.register_pickle_by_value(sys.modules[__name__])  # Ray workers cannot import tests/
    backend = make_backend(SwarmConfig(backend="ray", workers=2, max_retries=2))
    yield backend
    backend.close()


@pytest.mark.parametrize("name", ["serial", "multiprocessing"])
def test_results_in_item_order(name):
    with BACKENDS.get(name)(workers=2) as backend:
        assert backend.map(square_plus, 1, list(range(6))) == [1, 2, 5, 10, 17, 26]
        assert backend.failures == []


def test_killed_process_worker_is_retried(tmp_path):
    with BACKENDS.get("multiprocessing")(workers=2, max_retries=2) as backend:
        assert backend.map(die_once, str(tmp_path), list(range(5))) == [0, 10, 20, 30, 40]
        assert backend.failures and all("BrokenProcessPool" in f["error"] for f in backend.failures)


def test_worker_that_keeps_dying_is_reported(tmp_path):
    with BACKENDS.get("multiprocessing")(workers=1, max_retries=1) as backend:
        with pytest.raises(TaskFailed, match="failed 2 times on the multiprocessing backend"):
            backend.map(always_die, str(tmp_path), [0])


def test_unreachable_ray_address_is_a_clear_error():
    pytest.importorskip("ray")
    import ray
    if ray.is_initialized():
        pytest.skip("a Ray session is already running in this process")
    with pytest.raises(ConfigError, match="swarm.ray_address='127.0.0.1:1'"):
        make_backend(SwarmConfig(backend="ray", ray_address="127.0.0.1:1"))


def test_ray_results_in_order_and_killed_worker_retried(ray_backend, tmp_path):
    assert ray_backend.map(square_plus, 1, list(range(6))) == [1, 2, 5, 10, 17, 26]
    assert ray_backend.map(die_once, str(tmp_path), list(range(5))) == [0, 10, 20, 30, 40]
    assert [f["task"] for f in ray_backend.failures] == [2]
    assert ray_backend.failures[0]["error"] == "WorkerCrashedError"


def test_swarm_gives_the_same_numbers_on_ray(ray_backend, search_task):
    cfg, task = search_task
    cfg = cfg.model_copy(update={"swarm": cfg.swarm.model_copy(update={"meta_iterations": 1})})
    serial, _ = run_search("swarm", WordsObjective(task), cfg.swarm, SerialBackend(), 0)
    on_ray, _ = run_search("swarm", WordsObjective(task), cfg.swarm, ray_backend, 0)
    assert [t["score"] for t in on_ray["trials"]] == [t["score"] for t in serial["trials"]]
    assert on_ray["best"] == serial["best"]


def test_a_backend_on_a_shared_ray_runs_its_workers_tasks_at_a_time(ray_backend):
    import ray
    with ray_session(2, None):   # a Ray is running (the fixture's): joined, and left running
        with RayBackend(workers=2) as two:
            two.map(span, 2.0, list(range(2)))   # both worker processes up (Ray starts them on demand)
            pairs = sorted(two.map(span, 1.0, list(range(2))))
        with RayBackend(workers=1) as one:
            spans = sorted(one.map(span, 0.5, list(range(3))))
    assert ray.is_initialized()
    assert pairs[1][0] < pairs[0][1]                             # two at a time
    assert all(a[1] <= b[0] for a, b in zip(spans, spans[1:]))   # one at a time, with two workers up
