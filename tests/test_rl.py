"""CartPole policies and ES trials: deterministic, warm-startable, scored on real episodes."""
import numpy as np
import pytest

from hsokv.rl import (POLICIES, PolicyState, PolicyTask, centred_ranks, evaluate_policy, run_policy_trial)
from hsokv.search.trial import TrialSpec

TASK = PolicyTask("CartPole-v1", "linear", 16, population=8, score_episodes=3)


def test_policies_map_observations_to_actions():
    for name in POLICIES:
        policy = POLICIES.get(name)(4, 2, 8)
        theta = np.random.default_rng(0).normal(size=policy.size)
        assert policy.act(theta, np.ones(4)) in (0, 1)
    assert POLICIES.get("linear")(4, 2).size == 10 and POLICIES.get("mlp")(4, 2, 8).size == 4 * 8 + 8 + 8 * 2 + 2


def test_centred_ranks_span_minus_half_to_half():
    r = centred_ranks(np.array([3.0, -1.0, 10.0, 0.0]))
    assert r.tolist() == pytest.approx([1 / 6, -0.5, 0.5, -1 / 6])


def test_trial_is_deterministic_and_continues_from_its_parent():
    spec = TrialSpec(1, {"learning_rate": 0.2, "sigma": 0.1}, steps=3, seed=7)
    a, b = run_policy_trial(TASK, spec), run_policy_trial(TASK, spec)
    assert a.score == b.score and np.array_equal(a.state.theta, b.state.theta) and a.env_steps == b.env_steps
    assert a.state.steps == 3 and a.env_steps >= 3 * 8 * 8
    child = run_policy_trial(TASK, TrialSpec(2, spec.values, steps=2, seed=8, parent=a.state))
    assert child.state.steps == 5


def test_es_improves_a_zero_policy():
    start = evaluate_policy(TASK, np.zeros(10), episodes=5, seed=0)["mean_return"]
    trained = run_policy_trial(TASK, TrialSpec(1, {"learning_rate": 0.3, "sigma": 0.1}, steps=20, seed=0))
    assert evaluate_policy(TASK, trained.state.theta, episodes=5, seed=0)["mean_return"] > start + 100


def test_evaluation_reports_mean_std_and_min():
    out = evaluate_policy(TASK, np.zeros(10), episodes=4, seed=1)
    assert out["episodes"] == 4 and out["min_return"] <= out["mean_return"] and out["std_return"] >= 0
