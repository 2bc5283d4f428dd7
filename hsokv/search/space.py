"""The search space: hyperparameters <-> points of the unit cube.

Every searched hyperparameter is one coordinate in [0, 1]: a numeric range maps linearly (or
log-linearly), a list of choices maps to equal-width bins. Distances, regions, heatmaps and
diversity are all computed in these coordinates, so a learning rate and a dropout weigh alike.
"""
from __future__ import annotations

import math
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:   # dims are read by attribute: the research runners pass plain namespaces
    from hsokv.config import PipelineConfig
    from hsokv.search.config import DimensionSpec


class SearchSpace:
    def __init__(self, dims: dict[str, DimensionSpec]):
        self.names = list(dims)
        self.dims = dims

    def __len__(self) -> int:
        return len(self.names)

    def decode(self, point: np.ndarray) -> dict:
        """Unit-cube point -> hyperparameter values (plain Python types, JSON-ready)."""
        values = {}
        for u, name in zip(np.clip(point, 0.0, 1.0), self.names):
            d = self.dims[name]
            if d.choices is not None:
                values[name] = d.choices[min(int(u * len(d.choices)), len(d.choices) - 1)]
                continue
            if d.log:
                v = math.exp(math.log(d.low) + float(u) * (math.log(d.high) - math.log(d.low)))
            else:
                v = d.low + float(u) * (d.high - d.low)
            values[name] = int(round(v)) if d.integer else v
        return values

    def encode(self, values: dict) -> np.ndarray:
        """Hyperparameter values -> unit-cube point (a choice maps to the centre of its bin)."""
        point = np.empty(len(self.names))
        for i, name in enumerate(self.names):
            d, v = self.dims[name], values[name]
            if d.choices is not None:
                point[i] = (d.choices.index(v) + 0.5) / len(d.choices)
            elif d.log:
                point[i] = (math.log(v) - math.log(d.low)) / (math.log(d.high) - math.log(d.low))
            else:
                point[i] = (v - d.low) / (d.high - d.low)
        return np.clip(point, 0.0, 1.0)

    def levels(self, name: str, n: int) -> list[float]:
        """n evenly spread coordinates of one dimension (every choice once, for a choice list)."""
        d = self.dims[name]
        if d.choices is not None:
            return [(i + 0.5) / len(d.choices) for i in range(len(d.choices))]
        return [0.5] if n == 1 else list(np.linspace(0.0, 1.0, n))


def distance(a: np.ndarray, b: np.ndarray) -> float:
    """Euclidean distance in the unit cube, divided by the cube's diagonal: 0 (same) .. 1 (corners)."""
    return float(np.linalg.norm(a - b) / math.sqrt(len(a)))


def mean_pairwise_distance(points: list[np.ndarray]) -> float:
    if len(points) < 2:
        return 0.0
    d = [distance(points[i], points[j]) for i in range(len(points)) for j in range(i + 1, len(points))]
    return float(np.mean(d))


def apply(cfg: PipelineConfig, values: dict) -> PipelineConfig:
    """The config with the searched hyperparameters set (validated like params.yaml)."""
    from hsokv.search.config import SEARCHABLE
    updates: dict[str, dict] = {}
    for name, value in values.items():
        section, key = SEARCHABLE[name]
        updates.setdefault(section, {})[key] = value
    sections = {s: getattr(cfg, s).model_validate({**getattr(cfg, s).model_dump(), **kv}) for s, kv in updates.items()}
    return cfg.model_copy(update=sections)
