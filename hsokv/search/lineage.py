"""What the peer strategies (Optuna, Ray Tune) share: the rung schedule every strategy is held to,
the null control, and a trial's history as specs that can be replayed.

A peer scores a trial at rungs and may stop it; in Ray Tune the trial trains in a worker process,
which reports its score, its state and its lineage: the (values, steps, seed) of every call that
built its model. The objective is deterministic given a spec, so replaying a lineage rebuilds the
model: a PBT checkpoint is a lineage, restored that way (tests check that a replay scores what the
worker reported).
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from typing import Any, Callable

from hsokv.search.swarm import lineage_steps
from hsokv.search.trial import TrialSpec


def milestones(swarm) -> list[int]:
    """Cumulative steps at which a rung-based peer scores a trial: the swarm's rung lengths
    (agent_steps * eta**r), repeated up to a swarm team's longest lineage."""
    out, total = [], 0
    longest = swarm.trial_steps or lineage_steps(swarm)
    rung = 0
    while total < longest:
        total = min(longest, max(total + 1, swarm.agent_steps * swarm.eta ** rung))
        out.append(total)
        rung += 1
    return out


def chunk_seed(seed: int, trial_index: int, call: int) -> int:
    """The seed of a trial's `call`-th training call: distinct per (search seed, trial, call)."""
    return seed * 1_000_003 + trial_index + 7919 * call


def spec_record(spec: TrialSpec) -> dict:
    return {"values": spec.values, "steps": spec.steps, "seed": spec.seed}


def call_key(call: dict) -> tuple:
    """One lineage call as a hashable key (a lineage prefix is a tuple of these)."""
    return repr(sorted(call["values"].items())), call["steps"], call["seed"]


def remember(cache: dict, key: tuple, outcome) -> None:
    """Cache a copy: training goes on from an outcome's state in place, and in a Ray worker that
    serves several PBT members another member may exploit this prefix later."""
    cache[key] = copy.deepcopy(outcome)


def replay(run: Callable, task: Any, trial_id: int, lineage: list[dict], cache: dict | None = None):
    """Re-run a lineage's calls in order -> the last call's outcome (None for an empty lineage).
    `cache` (lineage prefix -> outcome, filled by `remember`) skips prefixes already built in this
    process; what it hands out is a copy, for the same reason."""
    outcome, key = None, ()
    for call in lineage:
        key = key + (call_key(call),)
        if cache is not None and key in cache:
            outcome = copy.deepcopy(cache[key])
            continue
        outcome = run(task, TrialSpec(trial_id, call["values"], call["steps"], call["seed"],
                                      None if outcome is None else outcome.state))
        if cache is not None:
            remember(cache, key, outcome)
    return outcome


@dataclass
class Reported:
    """A trial scored in another process (Ray Tune): its figures, lineage and state. `values` are
    the config asked for; `trained_values` what the model trained with (a null control's defaults)."""
    trial_id: int
    values: dict
    score: float
    steps: int
    seconds: float
    lineage: list[dict]
    state: Any
    trained_values: dict


@dataclass
class NullTrial:
    """The null control: trains `values` whatever config the strategy asks for. Every trial is the
    same config with its own seed, so the best score a strategy finds is pure selection (the
    max over noisy evaluations, and longer lineages), never a better config."""
    run: Callable
    values: dict

    def __call__(self, task, spec: TrialSpec):
        return self.run(task, dataclasses.replace(spec, values=dict(self.values)))


@dataclass
class NullObjective:
    objective: Any
    trial: NullTrial

    @classmethod
    def of(cls, objective, names: list[str]) -> "NullObjective":
        return cls(objective, NullTrial(objective.trial, objective.defaults(names)))

    @property
    def task(self):
        return self.objective.task

    def defaults(self, names: list[str]) -> dict:
        return self.objective.defaults(names)

    def test(self, state) -> dict:
        return self.objective.test(state)
