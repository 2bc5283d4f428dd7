"""The peers (optuna_tpe, asha, pbt), the null control and the budget accounting (issue 21), on a toy
objective whose score is a known function of the config plus seeded noise: seconds, no data."""
import importlib.util
import math
import os
from dataclasses import dataclass
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from hsokv.benchmarks.glue.search_config import Sst2SearchConfig
from hsokv.search.backends import SerialBackend
from hsokv.search.lineage import NullTrial, milestones, replay
from hsokv.search.strategies import run_search
from hsokv.search.swarm import planned_steps
from hsokv.search.trial import TrialSpec
from hsokv.search_report import summary, table
from hsokv.search.tune import pbt_shape

SHAPE = dict(num_managers=1, agents_per_manager=2, meta_iterations=2, agent_steps=4, eta=3, rungs=2,
             configs_per_region=3, strategies=["swarm"], seeds=[1])


@dataclass
class ToyResult:
    trial_id: int
    values: dict
    score: float
    steps: int
    state: SimpleNamespace
    seconds: float = 0.0


def toy_trial(task, spec: TrialSpec) -> ToyResult:
    """Peak at learning_rate 0.01; more steps help; seeded noise of `task` size."""
    steps = (spec.parent.steps if spec.parent else 0) + spec.steps
    quality = 1.0 - abs(math.log10(spec.values["learning_rate"]) + 2.0) / 4.0
    noise = np.random.default_rng(spec.seed).normal(0.0, task)
    return ToyResult(spec.trial_id, dict(spec.values), quality * min(1.0, steps / 40) + noise, spec.steps,
                     SimpleNamespace(steps=steps))


class Toy:
    trial = staticmethod(toy_trial)

    def __init__(self, noise=0.01):
        self.task = noise

    def defaults(self, names):
        return {"learning_rate": 1e-3, "weight_decay": 1e-2, "batch_size": 8, "memory_weight": 1.0,
                "memory_temperature": 0.2}

    def test(self, state):
        return {"accuracy": 0.5, "n": 100, "validation_n": 32}


CFG = Sst2SearchConfig(**SHAPE)


@pytest.mark.parametrize("strategy", ["swarm", "random", "grid", "default", "optuna_tpe"])
def test_every_strategy_counts_steps_and_evaluations(strategy):
    if strategy == "optuna_tpe" and importlib.util.find_spec("optuna") is None:
        pytest.skip("optuna is not installed (requirements.txt pins it)")
    result, log = run_search(strategy, Toy(), CFG, SerialBackend(), 0)
    assert result["steps_used"] <= result["budget_steps"] == planned_steps(CFG)
    if strategy != "default":
        assert result["steps_used"] == result["budget_steps"]
    assert result["evaluations"] == len(result["trials"]) == len(result["eval_curve"])
    assert [e for e, _ in result["eval_curve"]] == list(range(1, result["evaluations"] + 1))
    bests = [b for _, b in result["eval_curve"]]
    assert bests == sorted(bests) and bests[-1] == result["best"]["validation_accuracy"]


def test_optuna_prunes_at_the_swarm_rungs():
    pytest.importorskip("optuna")
    result, _ = run_search("optuna_tpe", Toy(), CFG, SerialBackend(), 0)
    trials = result["trials"]
    assert {t["steps"] for t in trials if t["rung"] == 0} == {4}
    pruned = len({t["trial"] for t in trials}) - len({t["trial"] for t in trials if t["rung"] == len(milestones(CFG)) - 1})
    assert pruned > 0   # successive halving stopped some configs early


def test_null_control_trains_only_the_default_config():
    result, _ = run_search("random", Toy(), CFG, SerialBackend(), 0, null=True)
    assert result["null"] is True
    assert all(t["values"]["learning_rate"] == 1e-3 for t in result["trials"])
    assert len({tuple(t["point"]) for t in result["trials"]}) > 1   # the strategy still proposed configs


def test_search_beats_its_null_when_configs_matter():
    real, _ = run_search("swarm", Toy(noise=0.001), CFG, SerialBackend(), 0)
    null, _ = run_search("swarm", Toy(noise=0.001), CFG, SerialBackend(), 0, null=True)
    assert real["best"]["validation_accuracy"] > null["best"]["validation_accuracy"] + 0.1


def test_milestones_and_pbt_match_the_swarm_budget():
    assert milestones(CFG) == [4, 12, 32]          # agent_steps x eta^r up to a team's lineage (2 x 16)
    population, length, interval = pbt_shape(CFG)
    assert population == 2 and population * length == planned_steps(CFG)
    assert math.ceil(length / interval) == (3 + 1) * 2   # as many evaluations per team as the swarm's


def test_replay_rebuilds_a_lineage_and_null_trial_overrides_values():
    lineage = [{"values": {"learning_rate": 0.01}, "steps": 4, "seed": 7}, {"values": {"learning_rate": 0.1}, "steps": 8, "seed": 9}]
    a, b = replay(toy_trial, 0.01, 1, lineage), replay(toy_trial, 0.01, 1, lineage, cache={})
    assert a.score == b.score and a.state.steps == 12
    out = NullTrial(toy_trial, {"learning_rate": 1e-3})(0.01, TrialSpec(1, {"learning_rate": 0.5}, 4, 3))
    assert out.values == {"learning_rate": 1e-3}


def test_replay_cache_hands_out_copies_as_training_goes_on_in_place():
    """A Ray worker serves several PBT members: one trains its model further in place while another
    exploits the same lineage prefix from the cache, which must still be the prefix's model."""
    def run_in_place(task, spec):   # continues the given state in place, as the real objectives do
        state = spec.parent if spec.parent is not None else SimpleNamespace(steps=0)
        state.steps += spec.steps
        return SimpleNamespace(state=state, score=state.steps)

    cache, prefix = {}, [{"values": {"learning_rate": 0.1}, "steps": 4, "seed": 1}]
    owner = replay(run_in_place, None, 1, prefix, cache)
    run_in_place(None, TrialSpec(1, {"learning_rate": 0.1}, 8, 2, owner.state))   # the owner trains on
    assert replay(run_in_place, None, 2, prefix, cache).state.steps == 4


def _fake(strategy, vals, tests, null_vals):
    runs = []
    for seed, (v, t, n) in enumerate(zip(vals, tests, null_vals)):
        for null, score in ((False, v), (True, n)):
            runs.append({"seed": seed, "null": null, "best": {"validation_accuracy": score},
                         "test": {"accuracy": t, "n": 872, "validation_n": 32}, "steps_used": 100, "evaluations": 10,
                         "wall_seconds": 1.0, "curve": [(50, score - 0.1), (100, score)],
                         "eval_curve": [(5, score - 0.1), (10, score)]})
    return {"runs": runs}


def test_report_gain_over_null_and_targets():
    results = {"swarm": _fake("swarm", [0.9, 0.8, 0.85], [0.8, 0.7, 0.75], [0.8, 0.72, 0.73]),
               "random": _fake("random", [0.8, 0.7, 0.75], [0.81, 0.71, 0.76], [0.78, 0.69, 0.74])}
    m = summary(results)
    assert m["strategies"]["swarm"]["gain_over_null"]["difference"]["mean"] == pytest.approx(0.1)
    v = m["swarm_vs_best_peer"]
    assert v["best_peer"] == "random" and v["steps_share_to_reach"] == [0.5, 0.5, 0.5]
    # swarm's gain (0.10) beats random's (0.013) by more than one validation SE (0.071)
    assert v["targets"] == {"reach_within_half_budget": True, "gain_over_null_above_best_peer": True,
                            "test_at_least_best_peer": False}
    assert m["validation_binomial_se"] == pytest.approx(math.sqrt(0.8 * 0.2 / 32), abs=0.01)
    assert "NOT met" in table(m)
    results["random"] = _fake("random", [0.8, 0.7, 0.75], [0.81, 0.71, 0.76], [0.75, 0.66, 0.71])
    assert not summary(results)["swarm_vs_best_peer"]["targets"]["gain_over_null_above_best_peer"]   # 0.1 vs 0.05


def test_ray_tune_peers_keep_the_budget_and_return_the_chosen_model(monkeypatch):
    """asha and pbt on one local Ray: every result counted within the budget; the chosen trial's
    state comes back from the Tune worker, and replaying its lineage in the driver rebuilds it with
    the score the worker reported (what a PBT restore relies on)."""
    pytest.importorskip("ray.tune")
    import ray

    # Ray's workers import the toy objective from this file
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(Path(__file__).parent), os.environ.get("PYTHONPATH", "")]))
    ray.init(address="local", num_cpus=1, include_dashboard=False, log_to_driver=False)
    cfg = Sst2SearchConfig(**{**SHAPE, "meta_iterations": 1, "configs_per_region": 2, "rungs": 1})
    try:
        for strategy in ("asha", "pbt"):
            result, log = run_search(strategy, Toy(), cfg, SerialBackend(), 0)
            assert 0 < result["steps_used"] <= result["budget_steps"] == planned_steps(cfg)
            best = log.best
            assert best.state.steps == result["best"]["lineage_steps"] == sum(c["steps"] for c in best.lineage)
            rebuilt = replay(toy_trial, Toy().task, best.trial_id, best.lineage)
            assert rebuilt.score == best.score == result["best"]["validation_accuracy"]
            assert rebuilt.state == best.state
        assert pbt_shape(cfg) == (2, 8, 4)
        assert sorted(t["lineage_calls"] for t in result["trials"]) == [1, 1, 2, 2]   # 2 members x 2 intervals
        # a null control's chosen model was trained with the default config, whatever Tune asked for
        null, _ = run_search("pbt", Toy(), cfg, SerialBackend(), 0, null=True)
        asked = {t["trial"]: t["values"] for t in null["trials"]}[null["best"]["trial"]]
        assert null["best"]["values"] == {k: Toy().defaults([])[k] for k in asked} != asked
    finally:
        ray.shutdown()


def test_report_lists_the_objectives_other_test_figures():
    results = {"swarm": _fake("swarm", [0.9, 0.8], [0.8, 0.7], [0.8, 0.72])}
    for run in results["swarm"]["runs"]:
        run["test"]["recall_accuracy"] = 0.2 + 0.1 * (run["seed"] == 1)
    m = summary(results)
    assert m["strategies"]["swarm"]["test_other"]["recall_accuracy"]["mean"] == pytest.approx(0.25)
    assert "| recall_accuracy |" in table(m) and "0.250 ± " in table(m)
    assert "Other test figures" not in table(summary({"swarm": _fake("swarm", [0.9], [0.8], [0.8])}))
