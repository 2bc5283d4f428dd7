"""Split-CIFAR-10's params section (`continual`), registered with hsokv.config."""
from __future__ import annotations

import math
from typing import Any, Literal

from pydantic import Field, model_validator

from hsokv.config import Section, name_field, section


def _default_method_args() -> dict[str, dict[str, Any]]:
    # Each peer at its published best for seq-cifar10 (Mammoth's utils/best_args.py, the DER
    # paper's grid): SGD lr; DER++ alpha/beta per buffer size; iCaRL's weight decay. ER-ACE and
    # hsokv were not in that grid; ER-ACE's lr is not tuned on validation yet. hsokv replays its memory
    # merged into the task's images, each entry ~20 times a task (merged_exposures), which beat its
    # replay batch (hsokv_batch_replay) on validation at 1, 5 and 50 epochs a task (README); the replay
    # batch's lr/alpha/beta were checked on a 3x3 validation grid, alpha 0 then beat 0.2.
    return {"finetune": {"lr": 0.1}, "joint": {"lr": 0.1}, "er": {"lr": 0.1},
            "derpp": {"lr": 0.03, "alpha": {200: 0.1, 500: 0.2}, "beta": 0.5},
            "icarl": {"lr": 0.1, "weight_decay": 1.0e-5}, "er_ace": {"lr": 0.03},
            "hsokv": {"lr": 0.03, "alpha": 0.0, "beta": 1.0, "selection": "herding", "replay_forward": "joint",
                      "replay": "merged", "merged_exposures": 20},
            "hsokv_batch_replay": {"method": "hsokv", "lr": 0.03, "alpha": 0.0, "beta": 0.5, "selection": "herding",
                                   "replay_forward": "joint"}}


@section("continual")
class ContinualConfig(Section):
    """Class-incremental learning as Mammoth's seq-cifar10 (Buzzega et al. 2020): the dataset's
    classes in fixed order, `classes_per_task` per task; every method on the same backbone, stream,
    epochs and seeds, each with its own hyperparameters (`method_args`)."""
    dataset: Literal["cifar10", "digits"] = Field(
        "cifar10", description="cifar10 = CIFAR-10 (mirror or download); digits = scikit-learn's 8x8 digits, offline")
    classes_per_task: int = Field(2, ge=1, le=10)
    backbone: str = name_field("hsokv.benchmarks.continual.backbones:BACKBONES", "resnet18")
    methods: list[str] = Field(["finetune", "joint", "er", "derpp", "icarl", "er_ace", "hsokv"], min_length=1,
                               description="runs: a registered method, or a key of method_args naming one "
                                           "(checked by hsokv.benchmarks.continual.protocol.check_runs)")
    buffer_sizes: list[int] = Field([200, 500], min_length=1, description="memory entries, one run per size")
    epochs: int = Field(50, ge=1, le=10_000, description="epochs per task (joint: over all tasks at once)")
    batch_size: int = Field(32, ge=1, le=65_536)
    replay_batch_size: int = Field(32, ge=1, le=65_536, description="memory examples drawn for each replay batch")
    method_args: dict[str, dict[str, Any]] = Field(default_factory=_default_method_args)
    augment: bool = Field(True, description="random crop (padding 4) and horizontal flip; digits: shifts of 1 pixel only")
    crop_padding: Literal["mean", "black"] = Field(
        "mean", description="what the random crop's 4-pixel border holds: mean = zeros of the normalised image "
                            "(the dataset's mean colour; every run committed before 2026-12-05's evening); "
                            "black = black pixels padded before normalising (torchvision's RandomCrop, as Mammoth)")
    precision: Literal["bf16", "fp32"] = Field(
        "bf16", description="arithmetic on a GPU: bf16 autocast, or fp32 with TF32 off (the DER paper's); a CPU "
                            "always runs fp32")
    val_per_class: int = Field(500, ge=0, description="training images per class held out for validation")
    train_per_class: int | None = Field(None, ge=1, description="training images kept per class; null = all")
    test_per_class: int | None = Field(None, ge=1, description="test images per class; null = all")
    test_fraction: float = Field(0.25, gt=0.0, lt=1.0, description="digits only: the held-out share of each class")
    readout_grid: dict[str, list[float]] = Field(
        default_factory=lambda: {"k": [10, 50], "tau": [0.05, 0.2], "w": [0.25, 0.5, 0.75, 1.0]},
        description="knn/retrieval readout settings tried; the best on validation is used")

    @model_validator(mode="after")
    def _budget(self):
        bad = [b for b in self.buffer_sizes if b < 1]
        if bad:
            raise ValueError(f"continual.buffer_sizes must be >= 1 (got {bad})")
        if len(set(self.buffer_sizes)) < len(self.buffer_sizes):
            raise ValueError(f"continual.buffer_sizes: a size listed more than once (got {self.buffer_sizes})")
        missing = {"k", "tau", "w"} - set(self.readout_grid)
        if missing:
            raise ValueError(f"continual.readout_grid lacks {sorted(missing)}")
        unknown = sorted(set(self.readout_grid) - {"k", "tau", "w"})
        if unknown:
            raise ValueError(f"continual.readout_grid.{unknown[0]}: unknown key; valid: k, tau, w")
        empty = sorted(k for k, values in self.readout_grid.items() if not values)
        if empty:
            raise ValueError(f"continual.readout_grid.{empty[0]}: an empty list leaves no setting to try")
        # k neighbours (a whole number >= 1), softmax temperature tau > 0, fusion weight w in [0, 1]
        for key, ok, rule in (("k", lambda v: v >= 1 and float(v).is_integer(), "whole numbers >= 1"),
                              ("tau", lambda v: v > 0, "> 0"), ("w", lambda v: 0 <= v <= 1, "in [0, 1]")):
            bad = [v for v in self.readout_grid[key] if not ok(v)]
            if bad:
                raise ValueError(f"continual.readout_grid.{key}: must be {rule} (got {bad})")
        for run, args in self.method_args.items():
            if not isinstance(args, dict):
                raise ValueError(f"continual.method_args.{run}: a mapping of hyperparameters, got {args!r}")
            for key, value in args.items():
                _check_method_arg(f"continual.method_args.{run}.{key}", key, value)
        return self


METHOD_ARG_NAMES = ("method", "selection", "replay_forward", "replay")   # method_args entries holding a name; every other one is a number


def _check_method_arg(where: str, key: str, value: Any) -> None:
    """A run's hyperparameter as the protocol reads it, checked before any training: a name, or a
    finite number >= 0 (lr > 0), or a {buffer size: number} mapping of those. The names themselves
    are checked against the registry by the protocol (check_runs, SELECTIONS)."""
    if key in METHOD_ARG_NAMES:
        if not isinstance(value, str):
            raise ValueError(f"{where}: a name, got {value!r}")
        return
    per_buffer = value if isinstance(value, dict) else {None: value}
    for buffer, number in per_buffer.items():
        at = where if buffer is None else f"{where}.{buffer}"
        if buffer is not None and not (isinstance(buffer, int) or str(buffer).isdigit()):
            raise ValueError(f"{at}: per-buffer values are keyed by buffer size (an integer)")
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ValueError(f"{at}: a finite number, got {number!r}")
        if number < 0 or (key == "lr" and number == 0):
            raise ValueError(f"{at}: must be {'> 0' if key == 'lr' else '>= 0'} (got {number!r})")
