"""Policies, ES and ARS on CartPole: deterministic, warm-startable, improving, scored on real episodes."""
import gymnasium as gym
import numpy as np
import pytest

from hsokv.benchmarks.rl.envs import make_env
from hsokv.benchmarks.rl.es import ObsStats, PolicyState, centred_ranks, evaluate, generation
from hsokv.benchmarks.rl.policies import POLICIES
from hsokv.benchmarks.rl.protocol import PolicyTask, run_policy_trial
from hsokv.errors import ConfigError
from hsokv.search.trial import TrialSpec

ES = {"algorithm": "es", "learning_rate": 0.05, "sigma": 0.1, "directions": 4, "weight_decay": 0.005,
      "normalize": True, "reward_shift": 0.0}
ARS = {"algorithm": "ars", "learning_rate": 0.05, "sigma": 0.1, "directions": 4, "top_fraction": 0.5,
       "normalize": True, "reward_shift": 0.0}
TASK = PolicyTask("CartPole-v1", "linear", 16, ARS, score_episodes=3)


def test_policies_map_observations_to_actions():
    discrete, box = gym.spaces.Discrete(2), gym.spaces.Box(-1.0, 1.0, (3,))
    for name in POLICIES:
        policy = POLICIES.get(name)(4, discrete, 8)
        theta = np.random.default_rng(0).normal(size=policy.size)
        assert policy.act(theta, np.ones(4)) in (0, 1)
        action = POLICIES.get(name)(4, box, 8).act(np.full(POLICIES.get(name)(4, box, 8).size, 10.0), np.ones(4))
        assert action.shape == (3,) and np.all(action == 1.0)     # clipped to the action box
    assert POLICIES.get("linear")(4, discrete).size == 10 and POLICIES.get("mlp")(4, discrete, 8).size == 4 * 8 + 8 + 8 * 2 + 2


def test_centred_ranks_span_minus_half_to_half():
    assert centred_ranks(np.array([3.0, -1.0, 10.0, 0.0])).tolist() == pytest.approx([1 / 6, -0.5, 0.5, -1 / 6])


def test_running_statistics_match_numpy():
    x = np.random.default_rng(0).normal(3.0, 2.0, size=(50, 4))
    stats = ObsStats.empty(4).add(20, x[:20].sum(0), (x[:20] ** 2).sum(0)).add(30, x[20:].sum(0), (x[20:] ** 2).sum(0))
    mean, std = stats.normaliser()
    assert mean == pytest.approx(x.mean(0)) and std == pytest.approx(x.std(0))
    assert ObsStats.empty(4).normaliser()[1].tolist() == [1.0] * 4   # identity before any state is seen


@pytest.mark.parametrize("settings", [ES, ARS], ids=["es", "ars"])
def test_a_generation_is_deterministic_and_counts_its_steps(settings):
    env = make_env("CartPole-v1")
    policy = POLICIES.get("linear")(4, env.action_space)
    start = PolicyState.fresh(policy.size, 4)
    a = generation(env, policy, start, settings, np.random.default_rng(3))
    b = generation(env, policy, start, settings, np.random.default_rng(3))
    assert np.array_equal(a.theta, b.theta) and a.env_steps == b.env_steps >= 2 * 4 * 8
    assert a.generations == 1 and a.obs.n == a.env_steps and not np.array_equal(a.theta, start.theta)


def test_trial_is_deterministic_and_continues_from_its_parent():
    spec = TrialSpec(1, {"learning_rate": 0.05, "sigma": 0.1}, steps=3, seed=7)
    a, b = run_policy_trial(TASK, spec), run_policy_trial(TASK, spec)
    assert a.score == b.score and np.array_equal(a.state.theta, b.state.theta) and a.env_steps == b.env_steps
    assert a.state.steps == 3 and a.env_steps == a.state.env_steps   # training and scoring episodes both counted
    child = run_policy_trial(TASK, TrialSpec(2, spec.values, steps=2, seed=8, parent=a.state))
    assert child.state.steps == 5 and a.state.env_steps == b.state.env_steps   # the parent is left as it was


@pytest.mark.parametrize("settings", [ES, ARS], ids=["es", "ars"])
def test_training_improves_a_zero_policy(settings):
    env = make_env("CartPole-v1")
    policy = POLICIES.get("linear")(4, env.action_space)
    state, rng = PolicyState.fresh(policy.size, 4), np.random.default_rng(0)
    before = np.mean(evaluate(env, policy, state, settings, range(5))[0])
    for _ in range(15):
        state = generation(env, policy, state, settings, rng)
    assert np.mean(evaluate(env, policy, state, settings, range(5))[0]) > before + 100


def test_unknown_environment_is_refused():
    with pytest.raises(ConfigError, match="distributed.env_id: cannot make 'NoSuchEnv-v0'"):
        make_env("NoSuchEnv-v0")
