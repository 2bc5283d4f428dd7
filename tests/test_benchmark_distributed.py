"""The CartPole swarm on every backend: same numbers, modelled scaling, a killed worker retried."""
import os
import signal
from pathlib import Path

import pytest

from hsokv.benchmarks import distributed as dist
from hsokv.config import ConfigError, read_params, resolve
from hsokv.rl import run_policy_trial
from hsokv.search.backends import BACKENDS


@pytest.fixture(scope="module")
def cfg():
    params = read_params()
    params["preset"] = "quick_test"
    params["distributed"] = {"population": 4, "eval_episodes": 3,
                             "swarm": {"num_managers": 1, "agents_per_manager": 2, "configs_per_region": 2,
                                       "meta_iterations": 1, "agent_steps": 1, "rungs": 1}}
    return resolve(params)


def die_once(task, spec):
    """Kill this worker (SIGKILL, as the OOM killer would) the first time trial 2 runs."""
    marker = Path(os.environ["HSOKV_TEST_MARKERS"]) / f"died-{spec.trial_id}"
    if spec.trial_id == 2 and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return run_policy_trial(task, spec)


def test_same_swarm_result_on_simulate_and_multiprocessing(cfg):
    sim = dist.run_swarm(cfg, 0, "simulate", 2)
    mp = dist.run_swarm(cfg, 0, "multiprocessing", 2)
    assert sim["theta"] == mp["theta"] and sim["evaluation"] == mp["evaluation"]
    assert sim["simulated"] and not mp["simulated"] and sim["env_steps"] == mp["env_steps"]


def test_killed_worker_is_retried_and_reported(cfg, tmp_path, monkeypatch):
    monkeypatch.setenv("HSOKV_TEST_MARKERS", str(tmp_path))
    reference = dist.run_swarm(cfg, 0, "serial", 1)
    out = dist.run_swarm(cfg, 0, "multiprocessing", 2, run=die_once)
    assert (tmp_path / "died-2").exists() and out["retries"]
    assert out["theta"] == reference["theta"]   # nothing lost: the retried trial gave the same numbers


def test_simulated_clock_models_parallel_nodes():
    class Result:
        env_steps = 1000
    with BACKENDS.get("simulate")(workers=1, step_seconds=1e-3, latency_seconds=0.0) as one:
        one.map(lambda s, i: Result(), None, list(range(4)))
    with BACKENDS.get("simulate")(workers=2, step_seconds=1e-3, latency_seconds=0.0) as two:
        two.map(lambda s, i: Result(), None, list(range(4)))
    assert one.clock == pytest.approx(4.0) and two.clock == pytest.approx(2.0)


def test_sweep_summary_has_speedup_per_node_count(cfg):
    runs = dist.run_seed(cfg, 0, "simulate")
    out = dist.summary([runs], cfg, "simulate")
    assert set(out["timing"]["by_workers"]) == {"1", "2"}
    assert out["timing"]["by_workers"]["1"]["speedup"]["mean"] == 1.0
    assert out["timing"]["by_workers"]["2"]["speedup"]["mean"] > 1.0
    assert out["mean_return"]["n_seeds"] == 1 and out["retries"] == 0


def test_backend_choice(monkeypatch):
    assert dist.resolve_backend("auto") == "ray"
    assert dist.resolve_backend("simulate") == "simulate"
    monkeypatch.setattr(dist.importlib.util, "find_spec", lambda name: None)
    assert dist.resolve_backend("auto") == "multiprocessing"
    with pytest.raises(ConfigError, match="distributed.backend is 'ray' but ray is not importable"):
        dist.resolve_backend("ray")
