"""The class-incremental stream: classes in fixed order, `classes_per_task` per task.

Each task has a training split, a validation split carved from the training images
(`val_per_class`, fixed, independent of the run's seeds, used for every choice of hyperparameter)
and the official test split, which is scored but never used to choose anything.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from hsokv.benchmarks.continual.data import ImageSet
from hsokv.data.fetch import DataSourceError


@dataclass
class Split:
    x: torch.Tensor   # uint8 (N, C, H, W)
    y: torch.Tensor   # int64 (N,)


@dataclass
class Task:
    classes: list[int]
    train: Split
    val: Split
    test: Split


@dataclass
class Stream:
    tasks: list[Task]
    mean: torch.Tensor   # (1, C, 1, 1) per-channel mean of the training images, in [0, 1] units
    std: torch.Tensor

    def normalise(self, x: torch.Tensor) -> torch.Tensor:
        return (x.float() / 255.0 - self.mean) / self.std

    @property
    def num_classes(self) -> int:
        return sum(len(t.classes) for t in self.tasks)


def _per_class(y: np.ndarray, n: int | None, rng: np.random.Generator, pool: np.ndarray) -> np.ndarray:
    """The first n of a fixed permutation of each class's indices within `pool` (all if n is None)."""
    out = []
    for c in np.unique(y[pool]):
        idx = rng.permutation(pool[y[pool] == c])
        out.append(idx if n is None else idx[:n])
    return np.sort(np.concatenate(out))


def make_stream(images: ImageSet, classes_per_task: int, val_per_class: int, train_per_class: int | None,
                test_per_class: int | None, device: torch.device, split_seed: int = 0) -> Stream:
    """Tasks of consecutive classes. Validation images are drawn from the training set first, so
    they are never trained on; subsets are fixed by `split_seed` (the run's seeds vary training only)."""
    num_classes = int(images.train_y.max()) + 1
    if num_classes % classes_per_task:
        raise DataSourceError(f"continual.classes_per_task={classes_per_task} does not divide the dataset's "
                              f"{num_classes} classes; valid: {[d for d in range(1, num_classes + 1) if num_classes % d == 0]}")
    smallest = int(np.bincount(images.train_y).min())
    if val_per_class >= smallest:
        raise DataSourceError(f"continual.val_per_class={val_per_class} leaves no training image in a class "
                              f"of {smallest}; valid: 0 to {smallest - 1}")
    # more than a class holds would be clamped silently, and the metrics would record the size asked for
    if train_per_class is not None and train_per_class > smallest - val_per_class:
        raise DataSourceError(f"continual.train_per_class={train_per_class}: the smallest class holds "
                              f"{smallest - val_per_class} training images after validation; valid: 1 to "
                              f"{smallest - val_per_class}, or null for all")
    smallest_test = int(np.bincount(images.test_y).min())
    if test_per_class is not None and test_per_class > smallest_test:
        raise DataSourceError(f"continual.test_per_class={test_per_class}: the smallest class holds {smallest_test} "
                              f"test images; valid: 1 to {smallest_test}, or null for all")
    rng = np.random.default_rng(split_seed)
    everything = np.arange(len(images.train_y))
    val_idx = _per_class(images.train_y, val_per_class, rng, everything) if val_per_class else np.array([], int)
    rest = np.setdiff1d(everything, val_idx)
    train_idx = _per_class(images.train_y, train_per_class, rng, rest)
    test_idx = _per_class(images.test_y, test_per_class, rng, np.arange(len(images.test_y)))
    train_x = images.train_x[train_idx]
    mean = torch.tensor(train_x.mean(axis=(0, 2, 3)) / 255.0, dtype=torch.float32, device=device).view(1, -1, 1, 1)
    std = torch.tensor(train_x.std(axis=(0, 2, 3)) / 255.0 + 1e-6, dtype=torch.float32, device=device).view(1, -1, 1, 1)

    def split(x: np.ndarray, y: np.ndarray, idx: np.ndarray, classes: list[int]) -> Split:
        keep = idx[np.isin(y[idx], classes)]
        return Split(torch.as_tensor(x[keep], device=device), torch.as_tensor(y[keep], device=device))

    tasks = []
    for first in range(0, num_classes, classes_per_task):
        classes = list(range(first, first + classes_per_task))
        tasks.append(Task(classes, split(images.train_x, images.train_y, train_idx, classes),
                          split(images.train_x, images.train_y, val_idx, classes),
                          split(images.test_x, images.test_y, test_idx, classes)))
    return Stream(tasks, mean, std)
