import numpy as np
import pytest

from conftest import SMALL_SWARM
from hsokv.benchmarks.words.objective import WordsObjective
from hsokv.config import search_config
from hsokv.search.config import DimensionSpec, SwarmConfig
from hsokv.search.backends import SerialBackend
from hsokv.search.space import SearchSpace, distance
from hsokv.search.strategies import run_search
from hsokv.search.swarm import Heatmap, Region, lineage_steps, planned_steps, strategy_entropy

@pytest.fixture(scope="module")
def swarm_run(search_task):
    cfg, task = search_task
    return run_search("swarm", WordsObjective(task), cfg.swarm, SerialBackend(), 0)


def test_budget_is_exactly_the_planned_steps(swarm_run):
    result, log = swarm_run
    # per agent and iteration: 3 configs x 2 steps + 1 survivor x 6 steps = 12; 4 agents x 3 iterations
    assert result["budget_steps"] == result["steps_used"] == 144 == log.steps
    assert result["curve"][-1][0] == 144
    assert [s for s, _ in result["curve"]] == sorted(s for s, _ in result["curve"])


def test_successive_halving_promotes_the_best_of_each_agent(swarm_run):
    trials = swarm_run[0]["trials"]
    for it in range(3):
        for agent in range(4):
            rung0 = [t for t in trials if (t["iteration"], t["agent"], t["rung"]) == (it, agent, 0)]
            rung1 = [t for t in trials if (t["iteration"], t["agent"], t["rung"]) == (it, agent, 1)]
            assert len(rung0) == 3 and len(rung1) == 1
            best = max(rung0, key=lambda t: (t["score"], -t["trial"]))
            assert rung1[0]["trial"] == best["trial"] and rung1[0]["steps"] == 6
            assert rung1[0]["lineage_steps"] == best["lineage_steps"] + 6


def test_teams_continue_their_model_across_iterations(swarm_run):
    trials = swarm_run[0]["trials"]
    later = [t for t in trials if t["iteration"] > 0 and t["rung"] == 0]
    assert any(t["warm"] and t["lineage_steps"] > 2 for t in later)
    assert max(t["lineage_steps"] for t in trials) <= lineage_steps(SwarmConfig(**SMALL_SWARM))


def test_managers_do_not_revisit_explored_configs(swarm_run):
    trials = [t for t in swarm_run[0]["trials"] if t["rung"] == 0 and not t["warm"]]
    for manager in (0, 1):
        points = [np.array(t["point"]) for t in trials if t["manager"] == manager]
        close = [distance(a, b) for i, a in enumerate(points) for b in points[i + 1:]]
        assert min(close) >= 0.05 - 1e-3


def test_supervisor_events_and_stats(swarm_run):
    result = swarm_run[0]
    kinds = {e["event"] for e in result["events"]}
    assert "clone" in kinds  # 4 teams never all tie
    assert len(result["iterations"]) == 3
    for it in result["iterations"]:
        assert 0.0 <= it["diversity"] <= 1.0 and 0.0 <= it["strategy_entropy"] <= 1.0
    assert sum(map(sum, result["heatmap"]["counts"])) == len(result["trials"])


def test_same_seed_same_search(search_task, swarm_run):
    cfg, task = search_task
    again, _ = run_search("swarm", WordsObjective(task), cfg.swarm, SerialBackend(), 0)
    assert [t["score"] for t in again["trials"]] == [t["score"] for t in swarm_run[0]["trials"]]
    assert again["best"] == swarm_run[0]["best"]


@pytest.mark.parametrize("strategy", ["random", "grid", "default"])
def test_baselines_stay_within_the_budget(search_task, strategy):
    cfg, task = search_task
    result, _ = run_search(strategy, WordsObjective(task), cfg.swarm, SerialBackend(), 0)
    assert 0 < result["steps_used"] <= planned_steps(cfg.swarm)
    assert all(t["steps"] == lineage_steps(cfg.swarm) for t in result["trials"])
    if strategy == "grid":
        assert {t["values"]["optimizer"] for t in result["trials"]} == {"sgd", "adam", "adamw", "rmsprop"}


def test_region_overlap_and_clipping():
    a = Region.around(np.array([0.5, 0.5]), 0.5)
    assert a.overlap(a) == pytest.approx(1.0)
    assert a.overlap(Region.around(np.array([0.75, 0.5]), 0.5)) == pytest.approx(0.5)
    assert a.overlap(Region.around(np.array([0.0, 0.0]), 0.2)) == 0.0
    edge = Region.around(np.array([0.95, 0.0]), 0.5)
    assert edge.low.min() >= 0.0 and edge.high.max() <= 1.0 and np.allclose(edge.high - edge.low, 0.5)


def test_heatmap_sends_agents_to_unexplored_cells():
    space = SearchSpace({"learning_rate": DimensionSpec(low=1e-4, high=1e-2, log=True),
                         "dropout": DimensionSpec(low=0.0, high=0.3)})
    heat = Heatmap(space, ["learning_rate", "dropout"], 2)
    for p in ([0.1, 0.1], [0.1, 0.9], [0.9, 0.1]):
        heat.add(np.array(p), 0.5)
    target = heat.least_explored(np.random.default_rng(0), 2)
    assert heat.cell(target) == (1, 1)


def test_strategy_entropy():
    space = SearchSpace({"optimizer": DimensionSpec(choices=["sgd", "adam"])})
    assert strategy_entropy(space, [{"optimizer": "sgd"}] * 3) == 0.0
    assert strategy_entropy(space, [{"optimizer": "sgd"}, {"optimizer": "adam"}]) == pytest.approx(1.0)


def test_search_preset_supplies_model_and_train_only(params):
    params = {**params, "preset": "demo"}
    cfg = search_config(params)
    assert cfg.seeds == [0, 1, 2] and cfg.swarm.preset == "quick_test"
    assert cfg.model.d_model == params["presets"]["quick_test"]["model"]["d_model"]
    assert cfg.data.num_words is None  # the demo's data
