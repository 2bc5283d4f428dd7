"""The comparison and the scaling sweep on CartPole: equal budgets, same numbers on every backend,
modelled scaling, a killed worker retried."""
import json
import math
import os
import signal
from dataclasses import replace
from pathlib import Path

import pytest

from hsokv.benchmarks.rl import config as _section  # noqa: F401  (registers the `distributed` section)
from hsokv.benchmarks.rl import scaling
from hsokv.benchmarks.rl.protocol import run_baseline, run_policy_trial, swarm_task
from hsokv.benchmarks.rl.report import comparison, curve_rows, table, timing
from hsokv.config import ConfigError, read_params, resolve
from hsokv.search.backends import BACKENDS
from hsokv.search.trial import TrialSpec
from rl_fixtures import d  # noqa: F401  (a fixture: pytest finds it by name)


def die_once(task, spec):
    """Kill this worker (SIGKILL, as the OOM killer would) the first time trial 2 runs."""
    marker = Path(os.environ["HSOKV_TEST_MARKERS"]) / f"died-{spec.trial_id}"
    if spec.trial_id == 2 and not marker.exists():
        marker.touch()
        os.kill(os.getpid(), signal.SIGKILL)
    return run_policy_trial(task, spec)


def test_a_budgeted_trial_runs_only_the_directions_it_can_afford(d):
    """Under max_env_steps (the lineage swarm's rungs) a generation runs only if its worst case
    (CartPole: both episodes of a pair at 500 steps) fits beside the scoring episodes'."""
    task = replace(swarm_task(d), max_env_steps=100)
    spec = TrialSpec(1, {"learning_rate": 0.05, "sigma": 0.1, "directions": 4}, 5, 0)
    res = run_policy_trial(task, spec)
    assert res.steps == 0 and res.env_steps == 0 and res.score == -math.inf and res.state.generations == 0
    fit = replace(task, max_env_steps=2 * 500 + d["score_episodes"] * 500)   # one worst-case pair and the scoring
    res = run_policy_trial(fit, replace(spec, steps=1))
    assert res.steps == 1 and 0 < res.env_steps <= fit.max_env_steps and res.state.generations == 1
    unbudgeted = run_policy_trial(swarm_task(d), replace(spec, steps=0))   # no budget: scored even with no generation
    assert unbudgeted.steps == 0 and unbudgeted.env_steps > 0 and math.isfinite(unbudgeted.score)


def test_quick_test_is_cartpole_and_the_default_is_hopper(d):
    assert d["env_id"] == "CartPole-v1" and d["ars"]["reward_shift"] == 0.0
    params = read_params()
    params["preset"] = "demo"
    assert resolve(params).distributed.env_id == "Hopper-v5"


def test_same_swarm_result_on_simulate_and_multiprocessing(d):
    sim = scaling.timed_swarm(d, 0, "simulate", 2)
    mp = scaling.timed_swarm(d, 0, "multiprocessing", 2)
    assert sim["theta"] == mp["theta"] and sim["evaluation"] == mp["evaluation"]
    assert sim["simulated"] and not mp["simulated"] and sim["env_steps"] == mp["env_steps"]


def test_killed_worker_is_retried_and_reported(d, tmp_path, monkeypatch):
    monkeypatch.setenv("HSOKV_TEST_MARKERS", str(tmp_path))
    reference = scaling.timed_swarm(d, 0, "serial", 1)
    out = scaling.timed_swarm(d, 0, "multiprocessing", 2, run=die_once)
    assert (tmp_path / "died-2").exists() and out["retries"]
    assert out["theta"] == reference["theta"]   # nothing lost: the retried trial gave the same numbers


def test_baselines_get_at_least_the_swarms_steps_and_a_curve(d):
    out = scaling.run_seeds(d, [0], "simulate")[0]
    budget = out["methods"]["swarm"]["env_steps"]
    for m in ("es", "ars"):
        run = out["methods"][m]
        assert run["budget"] == budget <= run["env_steps"] and run["curve"][-1]["env_steps"] == run["env_steps"]
        assert [p["env_steps"] for p in run["curve"]] == sorted(p["env_steps"] for p in run["curve"])
    assert out["methods"]["swarm"]["curve"][-1]["env_steps"] == budget
    lin = out["methods"]["lineage"]
    assert lin["budget"] == budget >= lin["env_steps"] and lin["curve"][-1]["env_steps"] == lin["env_steps"]
    c = comparison([out], d)
    assert set(c["methods"]) == {"swarm", "lineage", "es", "ars"} and c["swarm_minus_ars"]["n_seeds"] == 1
    assert c["lineage_minus_ars"]["n_seeds"] == c["lineage_minus_swarm"]["n_seeds"] == 1
    assert "| swarm, one lineage" in table(c, "t") and "| ARS V2-t" in table(c, "t")
    assert {r["method"] for r in curve_rows([out])} == {"swarm", "lineage", "es", "ars"}
    t = timing([out], d, "simulate", 2)
    assert t["by_workers"]["1"]["speedup"]["mean"] == 1.0 < t["by_workers"]["2"]["speedup"]["mean"]


def test_each_seed_gets_its_own_comparison_runs_from_one_batch(d):
    two = scaling.run_seeds(d, [0, 1], "simulate")
    one = scaling.run_seeds(d, [1], "simulate")[0]
    assert [r["seed"] for r in two] == [0, 1]
    for r in two:
        assert {m["seed"] for m in r["methods"].values()} == {r["seed"]}
        assert r["methods"]["es"]["budget"] == r["sweep"][0]["env_steps"]
    assert two[1]["methods"]["ars"]["theta"] == one["methods"]["ars"]["theta"]   # batching changes nothing
    assert two[1]["sweep"][1]["evaluation"] == two[1]["sweep"][0]["evaluation"] is not None


def test_a_worker_count_with_another_best_policy_is_an_error(d, monkeypatch):
    real = scaling.timed_swarm

    def drifting(d, seed, backend_name, workers, **kwargs):
        out = real(d, seed, backend_name, workers, **kwargs)
        return {**out, "theta": [t + (workers > 1) for t in out["theta"]]}
    monkeypatch.setattr(scaling, "timed_swarm", drifting)
    with pytest.raises(scaling.ResultsDiffer, match="seed 0: 2 workers gave a different best policy"):
        scaling.sweep(d, 0, "simulate", curve=False)


def test_baseline_is_deterministic(d):
    a, b = run_baseline(d, "ars", 1, 3000), run_baseline(d, "ars", 1, 3000)
    assert a["theta"] == b["theta"] and a["evaluation"] == b["evaluation"] and a["env_steps"] >= 3000


def test_simulated_clock_models_parallel_nodes():
    class Result:
        env_steps = 1000
    with BACKENDS.get("simulate")(workers=1, step_seconds=1e-3, latency_seconds=0.0) as one:
        one.map(lambda s, i: Result(), None, list(range(4)))
    with BACKENDS.get("simulate")(workers=2, step_seconds=1e-3, latency_seconds=0.0) as two:
        two.map(lambda s, i: Result(), None, list(range(4)))
    assert one.clock == pytest.approx(4.0) and two.clock == pytest.approx(2.0)


def test_backend_choice(monkeypatch):
    assert scaling.resolve_backend("auto") == "ray"
    assert scaling.resolve_backend("simulate") == "simulate"
    monkeypatch.setattr(scaling.importlib.util, "find_spec", lambda name: None)
    assert scaling.resolve_backend("auto") == "multiprocessing"
    with pytest.raises(ConfigError, match="distributed.backend is 'ray' but ray is not importable"):
        scaling.resolve_backend("ray")


def test_section_errors_name_the_key():
    params = read_params()
    params["distributed"]["ars"]["top_fraction"] = 2.0
    with pytest.raises(ConfigError, match=r"distributed\.ars\.top_fraction"):
        resolve(params)
    params = read_params()
    params["distributed"]["swarm_tunes"] = "cma"
    with pytest.raises(ConfigError, match=r"distributed\.swarm_tunes: unknown 'cma'; valid: ars, es"):
        resolve(params)
    params = read_params()
    params["distributed"]["es"]["momentum"] = 0.9
    with pytest.raises(ConfigError, match=r"distributed\.es\.momentum: unknown key; valid keys here: directions"):
        resolve(params)


def test_rounds_alternate_the_worker_counts_and_each_count_is_averaged(d):
    runs = scaling.sweep(d, 0, "simulate", curve=False, rounds=3)
    counts = d["node_counts"]
    assert [r["workers"] for r in runs] == counts + counts[::-1] + counts
    assert all(r["theta"] == runs[0]["theta"] for r in runs) and runs[0]["evaluation"] is not None

    def run(workers, wall):
        return {"workers": workers, "wall_seconds": wall, "startup_seconds": 1.0, "env_steps_per_second": 100 / wall,
                "retries": [], "nodes_lost": []}
    # one worker slowed down during the seed (10 s, then 14 s): the mean of its runs is the baseline
    drifted = [{"seed": 0, "sweep": [run(1, 10.0), run(2, 6.0), run(2, 6.0), run(1, 14.0)]}]
    t = timing(drifted, {**d, "node_counts": [1, 2]}, "ray", 2)["by_workers"]
    assert t["1"]["wall_seconds"]["mean"] == 12.0 and t["2"]["speedup"]["mean"] == 2.0


def test_merging_one_seed_outputs_gives_the_two_seed_summary(d, tmp_path):
    spec = {k: v for k, v in d.items() if k != "node_counts"}
    (tmp_path / "spec.json").write_text(json.dumps(spec))
    for seed in (0, 1):
        scaling.main(["--spec", str(tmp_path / "spec.json"), "--workers", "1", "2", "--seeds", str(seed),
                      "--backend", "simulate", "--out", str(tmp_path / f"s{seed}.json"), "--commit", "abc"])
    scaling.main(["--merge", str(tmp_path / "s0.json"), str(tmp_path / "s1.json"), "--out", str(tmp_path / "all.json")])
    merged = json.loads((tmp_path / "all.json").read_text())
    both = scaling.scaling(spec, [1, 2], [0, 1], "simulate")
    assert [r["seed"] for r in merged["runs"]] == [0, 1] and merged["commit"] == ["abc"]
    assert merged["summary"]["by_workers"]["2"]["speedup"] == both["summary"]["by_workers"]["2"]["speedup"]
    other = json.loads((tmp_path / "s1.json").read_text())
    other["spec"]["eta"] = 99
    (tmp_path / "odd.json").write_text(json.dumps(other))
    with pytest.raises(ConfigError, match="odd.json: its spec differs from .*s0.json's"):
        scaling.merge([json.loads((tmp_path / "s0.json").read_text()), other], [str(tmp_path / "s0.json"), str(tmp_path / "odd.json")])
    with pytest.raises(ConfigError, match="a seed appears in more than one"):
        scaling.merge([merged, merged], ["a", "b"])
    # a merged file merges again with a later seed: commits and sources flat, not nested
    scaling.main(["--spec", str(tmp_path / "spec.json"), "--workers", "1", "2", "--seeds", "2",
                  "--backend", "simulate", "--out", str(tmp_path / "s2.json"), "--commit", "def"])
    again = scaling.merge([merged, json.loads((tmp_path / "s2.json").read_text())], ["all.json", "s2.json"])
    assert [r["seed"] for r in again["runs"]] == [0, 1, 2] and again["commit"] == ["abc", "def"]
    assert again["merged_from"] == ["s0.json", "s1.json", "s2.json"]   # file names, not this machine's paths
    with pytest.raises(SystemExit):
        scaling.main(["--out", str(tmp_path / "x.json")])   # neither --spec nor --merge
