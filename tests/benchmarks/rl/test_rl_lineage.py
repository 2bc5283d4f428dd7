"""The swarm's lineage mode: trials continue the head, every env step counts and the budget holds,
and the halving swarm (the old switch) gives the numbers it gave before the mode existed."""
import math
from dataclasses import replace

import numpy as np
import pytest

from hsokv.benchmarks.rl import config as _section  # noqa: F401  (registers the `distributed` section)
from hsokv.benchmarks.rl import es, lineage, scaling
from hsokv.benchmarks.rl.es import PolicyState
from hsokv.benchmarks.rl.protocol import PolicyTrialResult, swarm_task
from hsokv.config import ConfigError
from hsokv.search.space import SearchSpace
from hsokv.search.tracking import SearchLog
from rl_fixtures import d  # noqa: F401  (a fixture: pytest finds it by name)


def _swarm(d, budget, run, anchor=False):
    task = swarm_task(d)
    shape = lineage.lineage_shape({**d, "lineage": {**d["lineage"], "anchor": anchor}})
    return lineage.LineageSwarm(task, SearchSpace(shape.space.__dict__), shape, lineage.SerialMap(), 0, SearchLog(),
                                budget, start_values=task.settings, run=run)


def test_every_trial_continues_the_head_and_halving_picks_the_config(d):
    """A fake trial (no environment): 100 env steps a generation, as many as its cap allows; a larger
    learning rate scores higher."""
    calls, last = [], {}

    def fake(task, spec):
        ran = min(spec.steps, task.max_env_steps // 100)
        parent = spec.parent or PolicyState.fresh(2, 1)
        state = PolicyState(parent.theta + 1, parent.obs, parent.generations + ran, parent.env_steps + 100 * ran)
        if ran:
            calls.append(spec)
            if spec.trial_id in last:       # a later rung: the trial continues from its own last state
                assert spec.parent is last[spec.trial_id]
            last[spec.trial_id] = state
        score = spec.values["learning_rate"] if ran else -math.inf
        return PolicyTrialResult(spec.trial_id, spec.values, score, ran, state, 0.0, 100 * ran)

    swarm = _swarm(d, 4000, fake)
    heads = []
    swarm.log.on_iteration = lambda record: heads.append(swarm.head)
    swarm.run()
    shape, n = swarm.cfg, len(swarm.agents)
    assert calls[0].values == {k: d["ars"][k] for k in ("learning_rate", "sigma", "directions")}   # ARS's settings first
    firsts = [s for s in calls if s.steps == shape.agent_steps]
    assert [s.parent for s in firsts[:n]] == [None] * n and len(heads) == 5 and len(firsts) == 5 * n
    for i, spec in enumerate(firsts[n:]):
        assert spec.parent is heads[i // n].state     # every agent starts each meta-iteration from the last winner
    for k, head in enumerate(heads):                 # halving kept the best-scoring config of each round
        assert head.values["learning_rate"] == max(s.values["learning_rate"] for s in firsts[k * n:(k + 1) * n])
    # successive halving: 2 agents, eta 2, 3 rungs -> the winner runs 1 + 2 + 4 of every 8 generations
    assert heads[0].state.generations == 7 and heads[1].state.generations == 14
    assert swarm.used == sum(t["env_steps"] for t in swarm.log.trials) <= 4000


def test_anchor_keeps_agent_zero_at_the_algorithms_settings(d):
    """With `anchor` agent 0 proposes ARS's settings at every meta-iteration, whatever wins; without
    it agent 0 follows its own best config (here the other agent's larger learning rates win)."""
    ars = {k: d["ars"][k] for k in ("learning_rate", "sigma", "directions")}

    def firsts_of_agent_zero(anchor):
        calls = []

        def fake(task, spec):
            ran = min(spec.steps, task.max_env_steps // 100)
            parent = spec.parent or PolicyState.fresh(2, 1)
            if ran:
                calls.append(spec)
            return PolicyTrialResult(spec.trial_id, spec.values, spec.values["learning_rate"] if ran else -math.inf,
                                     ran, PolicyState(parent.theta, parent.obs, parent.generations + ran,
                                                      parent.env_steps + 100 * ran), 0.0, 100 * ran)

        swarm = _swarm(d, 4000, fake, anchor=anchor)
        swarm.run()
        n = len(swarm.agents)
        return [s.values for s in calls if s.steps == swarm.cfg.agent_steps][::n]

    assert firsts_of_agent_zero(True) == [ars] * 5
    free = firsts_of_agent_zero(False)
    assert free[0] == ars and any(v != ars for v in free[1:])


def test_every_step_is_counted_and_the_budget_never_exceeded(d, monkeypatch):
    """Counts every training and scoring episode's steps at the source (held-out seeds >= 2**31 excluded)."""
    counted = [0]
    real = es.episode

    def counting(env, policy, theta, seed, *args, **kwargs):
        ep = real(env, policy, theta, seed, *args, **kwargs)
        if seed < 2**31:
            counted[0] += ep.steps
        return ep

    monkeypatch.setattr(es, "episode", counting)
    for budget in (11_000, 25_000):
        counted[0] = 0
        out = lineage.run_lineage(d, 0, lineage.SerialMap(), budget, curve=False)
        assert out["env_steps"] == counted[0] <= budget and out["budget"] == budget
        # at most one worst-case pair (CartPole: 2 x 500 steps) and the scoring episodes' worst case go unspent
        assert budget - out["env_steps"] < 2 * 500 + d["score_episodes"] * 500
        assert out["head_generations"] >= out["best_lineage_generations"] > 0


def test_a_budget_too_small_for_one_pair_is_refused(d):
    with pytest.raises(ConfigError, match="cannot pay for one worst-case pair"):
        lineage.run_lineage(d, 0, lineage.SerialMap(), 100, curve=False)


def test_old_switch_gives_the_numbers_from_before_the_lineage_mode(d):
    """Disabled, the comparison is the halving swarm, ES and ARS with the figures main gave before
    this mode existed (quick_test, seed 0: measured at commit 3dedf70)."""
    off = {**d, "lineage": {**d["lineage"], "enabled": False}}
    out = scaling.run_seeds(off, [0], "simulate")[0]
    assert set(out["methods"]) == {"swarm", "es", "ars"}
    before = {"swarm": (10417, 0.10129678486898937), "es": (12587, 0.2920085090508613),
              "ars": (12777, -0.025033637966687616)}
    for m, (steps, theta_sum) in before.items():
        assert out["methods"][m]["env_steps"] == steps and np.isclose(sum(out["methods"][m]["theta"]), theta_sum, rtol=0, atol=1e-12)
