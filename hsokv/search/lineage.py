"""What the peer strategies (Optuna, Ray Tune) share: the rung schedule every strategy is held to,
the null control, and a trial's history as specs that can be replayed.

A peer scores a trial at rungs and may stop it; in Ray Tune the trial trains in a worker process
whose model never comes back. What comes back is its lineage: the (values, steps, seed) of every
call that built its model. The objective is deterministic given a spec, so replaying the lineage
in the driver rebuilds the chosen trial's model for the one test scoring (and PBT restores a
checkpoint the same way).
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from types import SimpleNamespace
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


def replay(run: Callable, task: Any, trial_id: int, lineage: list[dict], cache: dict | None = None):
    """Re-run a lineage's calls in order -> the last call's outcome (None for an empty lineage).
    `cache` (lineage prefix -> outcome) skips prefixes already built in this process."""
    outcome, key = None, ()
    for call in lineage:
        key = key + ((repr(sorted(call["values"].items())), call["steps"], call["seed"]),)
        if cache is not None and key in cache:
            outcome = cache[key]
            continue
        outcome = run(task, TrialSpec(trial_id, call["values"], call["steps"], call["seed"],
                                      None if outcome is None else outcome.state))
        if cache is not None:
            cache[key] = outcome
    return outcome


@dataclass
class Reported:
    """A trial scored in another process (Ray Tune): its figures and lineage, no model."""
    trial_id: int
    values: dict
    score: float
    steps: int
    seconds: float
    lineage: list[dict]

    @property
    def state(self):
        return SimpleNamespace(steps=sum(c["steps"] for c in self.lineage))


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
