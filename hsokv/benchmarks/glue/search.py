"""Few-shot SST-2 as a search problem (issue 21): a head on frozen MiniLM vectors with H-SOKV's
memory evidence, searched on LM-BFF's 16-shot dev set, tested once on GLUE's SST-2 dev set.

The sentence vectors are computed once per stage run (`encode_splits`); a trial trains only the
head, so a search of thousands of steps takes seconds on a CPU and the budget goes to the search,
not to the encoder. Unlike the word benchmark's validation split, the 32-example dev set is small
(binomial SE ~0.07 at 80%): what a search gains there can be selection noise, which the null control
and the 872-example test set measure.

The model: logits = W h + b + memory_weight * m(h), h the unit-length frozen vector; W starts at the
vectors of "It was terrible." / "It was great." x 10 (glue.label_init's zero-shot start); m(h)_c =
logsumexp over class c's training entries of cos(h, key) / memory_temperature (the training
example itself left out while training). AdamW on (W, b); its state is carried across calls.
"""
from __future__ import annotations

import copy
import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F

from hsokv.benchmarks.glue.search_config import DEFAULTS
from hsokv.search.trial import TrialSpec


@dataclass
class VectorTask:
    """One seed's frozen vectors (unit length) and labels; `label` holds the label sentences' vectors."""
    train_x: torch.Tensor
    train_y: torch.Tensor
    dev_x: torch.Tensor
    dev_y: torch.Tensor
    test_x: torch.Tensor
    test_y: torch.Tensor
    label: torch.Tensor


@dataclass
class HeadState:
    values: dict
    weight: torch.Tensor
    bias: torch.Tensor
    optimizer: dict
    steps: int


@dataclass
class HeadResult:
    trial_id: int
    values: dict
    score: float
    steps: int
    state: HeadState
    seconds: float


def _memory_logits(task: VectorTask, h: torch.Tensor, temperature: float, exclude: torch.Tensor | None) -> torch.Tensor:
    sims = h @ task.train_x.T / temperature
    if exclude is not None:
        sims[torch.arange(len(h)), exclude] = -torch.inf
    classes = int(task.label.shape[0])
    return torch.stack([torch.logsumexp(sims[:, task.train_y == c], dim=1) for c in range(classes)], dim=1)


def _logits(task, weight, bias, values, h, exclude=None) -> torch.Tensor:
    return h @ weight.T + bias + values["memory_weight"] * _memory_logits(task, h, values["memory_temperature"], exclude)


@torch.no_grad()
def _accuracy(task, state: HeadState, x: torch.Tensor, y: torch.Tensor) -> float:
    return float((_logits(task, state.weight, state.bias, state.values, x).argmax(1) == y).float().mean())


def run_head_trial(task: VectorTask, spec: TrialSpec) -> HeadResult:
    """Train the head `spec.steps` AdamW steps (from spec.parent's weights and optimiser if given)
    with spec.values; score the dev set. One thread and spec.seed's generator: the same numbers
    in any process."""
    start, threads = time.perf_counter(), torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        values, parent = {**DEFAULTS, **spec.values}, spec.parent   # unsearched names at their defaults
        weight = (parent.weight if parent else task.label * 10.0).clone().requires_grad_(True)
        bias = (parent.bias if parent else torch.zeros(task.label.shape[0])).clone().requires_grad_(True)
        opt = torch.optim.AdamW([weight, bias], lr=values["learning_rate"], weight_decay=values["weight_decay"])
        if parent is not None:
            # a copy: load_state_dict shares the moments' tensors, and step() would change the parent's
            # state, which other trials warm-start from too
            opt.load_state_dict(copy.deepcopy(parent.optimizer))
            for group in opt.param_groups:   # a warm start with a new config keeps the moments, not the rates
                group["lr"], group["weight_decay"] = values["learning_rate"], values["weight_decay"]
        gen = torch.Generator().manual_seed(spec.seed)
        for _ in range(spec.steps):
            idx = torch.randint(len(task.train_y), (int(values["batch_size"]),), generator=gen)
            loss = F.cross_entropy(_logits(task, weight, bias, values, task.train_x[idx], idx), task.train_y[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
        state = HeadState(dict(values), weight.detach(), bias.detach(), opt.state_dict(),
                          (parent.steps if parent else 0) + spec.steps)
        score = _accuracy(task, state, task.dev_x, task.dev_y)
    finally:
        torch.set_num_threads(threads)
    return HeadResult(spec.trial_id, dict(spec.values), score, spec.steps, state, time.perf_counter() - start)


class Sst2Objective:
    """hsokv.search.trial.Objective for one seed's vectors."""
    trial = staticmethod(run_head_trial)

    def __init__(self, task: VectorTask):
        self.task = task

    def defaults(self, names: list[str]) -> dict:
        return {n: DEFAULTS[n] for n in names}

    def test(self, state: HeadState) -> dict:
        return {"accuracy": _accuracy(self.task, state, self.task.test_x, self.task.test_y),
                "n": len(self.task.test_y), "validation_n": len(self.task.dev_y)}
