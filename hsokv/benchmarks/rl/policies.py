"""Policies: a flat parameter vector read by a registered architecture (POLICIES).

`linear` is ARS's policy, action = W x + b on the (normalised) observation x; `mlp` has one tanh
hidden layer. A discrete action space takes the arg-max of the outputs; a continuous one (MuJoCo)
takes the outputs, clipped to the action box. Zero parameters give the zero action, where ARS
starts.
"""
from __future__ import annotations

import numpy as np

from hsokv.registry import Registry

POLICIES = Registry("policy")


class _Policy:
    def __init__(self, obs_dim: int, action_space, hidden_size: int = 16):
        self.obs_dim, self.hidden = obs_dim, hidden_size
        self.discrete = hasattr(action_space, "n")
        self.out_dim = int(action_space.n) if self.discrete else int(np.prod(action_space.shape))
        if not self.discrete:
            self.low, self.high = action_space.low, action_space.high

    def _action(self, out: np.ndarray):
        return int(np.argmax(out)) if self.discrete else np.clip(out, self.low, self.high)


@POLICIES.register("linear")
class LinearPolicy(_Policy):
    def __init__(self, obs_dim: int, action_space, hidden_size: int = 16):
        super().__init__(obs_dim, action_space, hidden_size)
        self.size = obs_dim * self.out_dim + self.out_dim

    def act(self, theta: np.ndarray, obs: np.ndarray):
        n = self.obs_dim * self.out_dim
        return self._action(theta[:n].reshape(self.out_dim, self.obs_dim) @ obs + theta[n:])


@POLICIES.register("mlp")
class MLPPolicy(_Policy):
    def __init__(self, obs_dim: int, action_space, hidden_size: int = 16):
        super().__init__(obs_dim, action_space, hidden_size)
        d, h, a = obs_dim, hidden_size, self.out_dim
        self.size = d * h + h + h * a + a

    def act(self, theta: np.ndarray, obs: np.ndarray):
        d, h, a = self.obs_dim, self.hidden, self.out_dim
        w1, b1 = theta[:d * h].reshape(h, d), theta[d * h:d * h + h]
        i = d * h + h
        w2 = theta[i:i + h * a].reshape(a, h)
        return self._action(w2 @ np.tanh(w1 @ obs + b1) + theta[i + h * a:])
