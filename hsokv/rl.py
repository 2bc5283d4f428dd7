"""Policies for gymnasium's CartPole-v1, improved by evolution strategies, as swarm trials.

A policy is a flat parameter vector read by a registered architecture (POLICIES): `linear`
(action = arg-max of W obs + b) or `mlp` (one tanh hidden layer). ES (Salimans et al. 2017):
each generation evaluates `population` perturbed copies theta +- sigma * eps (antithetic pairs,
one episode each), turns their returns into centred ranks and moves theta by
learning_rate / (population * sigma) * sum(rank_i * eps_i).

`run_policy_trial(task, spec)` is the swarm's unit of work (hsokv.search.swarm calls it through
a backend): `spec.steps` ES generations from `spec.parent` (or a fresh policy), then a score =
mean return of the centre policy over `score_episodes` episodes. Every episode's seed comes from
`spec.seed`, so a trial gives the same numbers in any process on any backend. Only numpy and
gymnasium run here: a trial is CPU-bound Python, which is why it is spread over processes.
"""
from __future__ import annotations

import time
from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from hsokv.registry import Registry
from hsokv.search.trial import TrialSpec

POLICIES = Registry("policy")


@POLICIES.register("linear")
class LinearPolicy:
    def __init__(self, obs_dim: int, num_actions: int, hidden_size: int = 0):
        self.obs_dim, self.num_actions = obs_dim, num_actions
        self.size = obs_dim * num_actions + num_actions

    def act(self, theta: np.ndarray, obs: np.ndarray) -> int:
        w = theta[:self.obs_dim * self.num_actions].reshape(self.num_actions, self.obs_dim)
        return int(np.argmax(w @ obs + theta[self.obs_dim * self.num_actions:]))


@POLICIES.register("mlp")
class MLPPolicy:
    def __init__(self, obs_dim: int, num_actions: int, hidden_size: int = 16):
        self.obs_dim, self.num_actions, self.hidden = obs_dim, num_actions, hidden_size
        self.size = obs_dim * hidden_size + hidden_size + hidden_size * num_actions + num_actions

    def act(self, theta: np.ndarray, obs: np.ndarray) -> int:
        d, h, a = self.obs_dim, self.hidden, self.num_actions
        i = 0
        w1 = theta[i:i + d * h].reshape(h, d); i += d * h  # noqa: E702
        b1 = theta[i:i + h]; i += h  # noqa: E702
        w2 = theta[i:i + h * a].reshape(a, h); i += h * a  # noqa: E702
        return int(np.argmax(w2 @ np.tanh(w1 @ obs + b1) + theta[i:]))


@dataclass
class PolicyTask:
    """What every trial of one search shares."""
    env_id: str
    policy: str
    hidden_size: int
    population: int
    score_episodes: int = 5


@dataclass
class PolicyState:
    theta: np.ndarray
    steps: int            # ES generations this lineage has run in all


@dataclass
class PolicyTrialResult:
    trial_id: int
    values: dict
    score: float          # mean return of the centre policy over the task's score episodes
    steps: int            # ES generations run in this call
    state: PolicyState
    seconds: float
    env_steps: int        # environment steps taken in this call (throughput is counted from these)


def make_policy(task: PolicyTask, env: gym.Env):
    return POLICIES.get(task.policy)(env.observation_space.shape[0], env.action_space.n, task.hidden_size)


def episode(env: gym.Env, policy, theta: np.ndarray, seed: int) -> tuple[float, int]:
    obs, _ = env.reset(seed=seed)
    total, steps, done = 0.0, 0, False
    while not done:
        obs, reward, terminated, truncated, _ = env.step(policy.act(theta, obs))
        total += reward
        steps += 1
        done = terminated or truncated
    return total, steps


def centred_ranks(x: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(x))
    ranks[np.argsort(x, kind="stable")] = np.arange(len(x))
    return ranks / (len(x) - 1) - 0.5


def run_policy_trial(task: PolicyTask, spec: TrialSpec) -> PolicyTrialResult:
    start = time.perf_counter()
    env = gym.make(task.env_id)
    policy = make_policy(task, env)
    rng = np.random.default_rng(spec.seed)
    theta = (spec.parent.theta.copy() if spec.parent is not None else np.zeros(policy.size))
    lr, sigma = spec.values["learning_rate"], spec.values["sigma"]
    population = int(spec.values.get("population", task.population)) // 2 * 2
    env_steps = 0
    for _ in range(spec.steps):
        eps = rng.standard_normal((population // 2, policy.size))
        returns = np.empty(population)
        seeds = rng.integers(0, 2**31 - 1, population // 2)
        for i in range(population // 2):  # both members of a pair meet the same start state
            for sign, j in ((1.0, 2 * i), (-1.0, 2 * i + 1)):
                returns[j], n = episode(env, policy, theta + sign * sigma * eps[i], int(seeds[i]))
                env_steps += n
        weights = centred_ranks(returns)
        theta = theta + lr / (population * sigma) * (weights[0::2] - weights[1::2]) @ eps
    scores = []
    for s in rng.integers(0, 2**31 - 1, task.score_episodes):
        r, n = episode(env, policy, theta, int(s))
        scores.append(r)
        env_steps += n
    env.close()
    parent_steps = spec.parent.steps if spec.parent is not None else 0
    return PolicyTrialResult(spec.trial_id, spec.values, float(np.mean(scores)), spec.steps,
                             PolicyState(theta, parent_steps + spec.steps), time.perf_counter() - start, env_steps)


def evaluate_policy(task: PolicyTask, theta: np.ndarray, episodes: int, seed: int) -> dict:
    """Mean, std and minimum return of the deterministic policy over `episodes` seeded episodes
    (seeds disjoint from training's, which are drawn below 2**31)."""
    env = gym.make(task.env_id)
    policy = make_policy(task, env)
    returns = [episode(env, policy, theta, 2**31 + seed * 100_003 + i)[0] for i in range(episodes)]
    env.close()
    return {"mean_return": float(np.mean(returns)), "std_return": float(np.std(returns)),
            "min_return": float(np.min(returns)), "episodes": episodes}
