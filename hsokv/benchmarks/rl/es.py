"""Evolution strategies for policies: ES (Salimans et al. 2017) and ARS (Mania et al. 2018).

One *generation* draws `directions` Gaussian perturbations eps_i of the policy's parameters theta
and runs one episode each of theta + sigma eps_i and theta - sigma eps_i (antithetic pairs; both
meet the same start state). Observations are normalised by running statistics of every state seen
so far (`normalize`), frozen within a generation.

- `es`: the returns' centred ranks (over all 2N episodes) weight the perturbations,
  g = sum_i (rank+_i - rank-_i) eps_i / 2N, and Adam (`learning_rate`) steps along g minus
  `weight_decay` * theta: the settings of Salimans et al.'s MuJoCo runs (openai/evolution-strategies-starter).
- `ars`: V2-t when `normalize` is on, V1-t when off. Only the best `top_fraction` of the directions
  (by max(r+, r-)) count, and the step is learning_rate / (b * sigma_R) * sum_top (r+ - r-) eps, with
  sigma_R the std of those 2b returns. Returns in training subtract `reward_shift` per step (ARS
  removes Hopper's survival bonus of 1).

Every random draw comes from a generator seeded by the caller, so a run gives the same numbers in
any process on any backend.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from hsokv.benchmarks.rl.envs import episode
from hsokv.registry import Registry

ALGORITHMS = Registry("RL algorithm")


@dataclass
class ObsStats:
    """Running mean and variance of observations (Chan et al.'s parallel update)."""
    n: int
    mean: np.ndarray
    m2: np.ndarray

    @classmethod
    def empty(cls, dim: int) -> "ObsStats":
        return cls(0, np.zeros(dim), np.zeros(dim))

    def add(self, count: int, total: np.ndarray, squares: np.ndarray) -> "ObsStats":
        if count == 0:
            return self
        batch_mean = total / count
        batch_m2 = np.maximum(squares - count * batch_mean ** 2, 0.0)
        n = self.n + count
        delta = batch_mean - self.mean
        return ObsStats(n, self.mean + delta * count / n, self.m2 + batch_m2 + delta ** 2 * self.n * count / n)

    def normaliser(self) -> tuple[np.ndarray, np.ndarray]:
        """(mean, std); before any state is seen, the identity (ARS's first iteration)."""
        if self.n < 2:
            return np.zeros_like(self.mean), np.ones_like(self.mean)
        std = np.sqrt(self.m2 / self.n)
        return self.mean, np.where(std < 1e-8, 1.0, std)


@dataclass
class PolicyState:
    theta: np.ndarray
    obs: ObsStats
    generations: int = 0          # generations this lineage has run in all
    env_steps: int = 0            # environment steps this lineage has used in all
    adam: dict = field(default_factory=dict)   # es: first/second moments and step count

    @property
    def steps(self) -> int:      # what hsokv.search.tracking logs as a lineage's length
        return self.generations

    @classmethod
    def fresh(cls, size: int, obs_dim: int) -> "PolicyState":
        return cls(np.zeros(size), ObsStats.empty(obs_dim))


def centred_ranks(x: np.ndarray) -> np.ndarray:
    ranks = np.empty(len(x))
    ranks[np.argsort(x, kind="stable")] = np.arange(len(x))
    return ranks / (len(x) - 1) - 0.5


def _rollouts(env, policy, state: PolicyState, settings: dict, rng: np.random.Generator):
    """The generation's perturbations and the train returns of theta +- sigma eps (pairs, shape (N, 2))."""
    n = int(settings["directions"])
    eps = rng.standard_normal((n, policy.size))
    seeds = rng.integers(0, 2**31 - 1, n)
    mean, std = state.obs.normaliser() if settings["normalize"] else (None, None)
    returns = np.empty((n, 2))
    steps, total, squares = 0, 0.0, 0.0
    for i in range(n):
        for j, sign in enumerate((1.0, -1.0)):
            ep = episode(env, policy, state.theta + sign * settings["sigma"] * eps[i], int(seeds[i]), mean, std,
                         settings.get("reward_shift", 0.0))
            returns[i, j] = ep.train_return
            steps += ep.steps
            total, squares = total + ep.obs_sum, squares + ep.obs_sq
    obs = state.obs.add(steps, total, squares) if settings["normalize"] else state.obs
    return eps, returns, steps, obs


@ALGORITHMS.register("es")
def es_generation(env, policy, state: PolicyState, settings: dict, rng: np.random.Generator) -> PolicyState:
    eps, returns, steps, obs = _rollouts(env, policy, state, settings, rng)
    ranks = centred_ranks(returns.ravel()).reshape(returns.shape)
    grad = (ranks[:, 0] - ranks[:, 1]) @ eps / returns.size
    step = -grad + settings["weight_decay"] * state.theta     # Adam minimises; ES ascends the return
    b1, b2, t = 0.9, 0.999, state.adam.get("t", 0) + 1
    m = b1 * state.adam.get("m", 0.0) + (1 - b1) * step
    v = b2 * state.adam.get("v", 0.0) + (1 - b2) * step ** 2
    rate = settings["learning_rate"] * np.sqrt(1 - b2 ** t) / (1 - b1 ** t)
    theta = state.theta - rate * m / (np.sqrt(v) + 1e-8)
    return PolicyState(theta, obs, state.generations + 1, state.env_steps + steps, {"m": m, "v": v, "t": t})


@ALGORITHMS.register("ars")
def ars_generation(env, policy, state: PolicyState, settings: dict, rng: np.random.Generator) -> PolicyState:
    eps, returns, steps, obs = _rollouts(env, policy, state, settings, rng)
    top = max(1, int(round(settings["top_fraction"] * len(eps))))
    order = np.argsort(-returns.max(1), kind="stable")[:top]
    sigma_r = returns[order].std()
    step = (returns[order, 0] - returns[order, 1]) @ eps[order] / (top * (sigma_r if sigma_r > 0 else 1.0))
    return PolicyState(state.theta + settings["learning_rate"] * step, obs, state.generations + 1,
                       state.env_steps + steps)


def generation(env, policy, state: PolicyState, settings: dict, rng: np.random.Generator) -> PolicyState:
    return ALGORITHMS.get(settings["algorithm"])(env, policy, state, settings, rng)


def evaluate(env, policy, state: PolicyState, settings: dict, seeds) -> tuple[list[float], int]:
    """True returns of the centre policy (no perturbation) with the state's current normalisation,
    and the environment steps they took."""
    mean, std = state.obs.normaliser() if settings["normalize"] else (None, None)
    episodes = [episode(env, policy, state.theta, int(s), mean, std) for s in seeds]
    return [e.true_return for e in episodes], sum(e.steps for e in episodes)
