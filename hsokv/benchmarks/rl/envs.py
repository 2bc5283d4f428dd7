"""Environments and episodes.

`make_env` builds a gymnasium environment by id; a MuJoCo one needs the `mujoco` wheel (pinned in
requirements.txt), and its absence is a ConfigError naming the install. `episode` runs one seeded
episode of a policy on observations normalised by fixed statistics, and returns what ES and ARS
need: the return used for training (reward minus `reward_shift` per step: ARS removes Hopper's
survival bonus this way), the true return, the step count, and the observations' sum and sum of
squares (ARS V2 updates its statistics from every state it visited).
"""
from __future__ import annotations

from dataclasses import dataclass

import gymnasium as gym
import numpy as np

from hsokv.errors import ConfigError


def make_env(env_id: str) -> gym.Env:
    try:
        # The passive checker only re-validates gymnasium's own environments on their first step.
        return gym.make(env_id, disable_env_checker=True)
    except gym.error.DependencyNotInstalled as err:
        raise ConfigError(f"distributed.env_id: {env_id} needs MuJoCo: pip install mujoco==3.17.0 imageio "
                          f"(pinned in requirements.txt) ({err})") from None
    except gym.error.Error as err:
        raise ConfigError(f"distributed.env_id: cannot make {env_id!r}: {err}") from None


@dataclass
class Episode:
    train_return: float    # sum of (reward - reward_shift): what the update sees
    true_return: float     # the environment's return: what is reported
    steps: int
    obs_sum: np.ndarray
    obs_sq: np.ndarray


def episode(env: gym.Env, policy, theta: np.ndarray, seed: int, mean: np.ndarray | None = None,
            std: np.ndarray | None = None, reward_shift: float = 0.0) -> Episode:
    obs, _ = env.reset(seed=seed)
    total, steps, done = 0.0, 0, False
    seen = []
    while not done:
        seen.append(obs)
        x = obs if mean is None else (obs - mean) / std
        obs, reward, terminated, truncated, _ = env.step(policy.act(theta, x))
        total += float(reward)
        steps += 1
        done = terminated or truncated
    seen = np.asarray(seen, dtype=np.float64)
    return Episode(total - reward_shift * steps, total, steps, seen.sum(0), (seen ** 2).sum(0))
