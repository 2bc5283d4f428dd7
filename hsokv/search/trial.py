"""What a search needs from an objective, in plain Python (no torch): the unit of work it hands
out (TrialSpec) and the shape of what comes back (TrialOutcome). H-SOKV's model search
(hsokv.benchmarks.words.objective) and the policies of hsokv.benchmarks.rl both speak it, so the swarm, the
strategies and the backends run either without loading the other's libraries.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Protocol


@dataclass
class TrialSpec:
    trial_id: int
    values: dict
    steps: int
    seed: int
    parent: Any = None   # a previous outcome's state to continue from (warm start); None = a fresh start


class TrialOutcome(Protocol):
    trial_id: int
    values: dict
    score: float          # higher is better: validation accuracy, mean return
    steps: int            # training steps (or ES generations) run in this call
    state: Any            # what a later TrialSpec's parent continues from
    seconds: float


class Objective(Protocol):
    """What a strategy searches (hsokv.search.strategies.run_search): `trial(task, spec)` trains one
    config (a module-level function, so a process pool or Ray can ship it) on the shared `task`;
    `defaults(names)` are the values the benchmark uses unsearched (the `default` strategy);
    `test(state)` scores the chosen trial once on held-out data."""
    task: Any
    trial: Callable[[Any, TrialSpec], TrialOutcome]

    def defaults(self, names: list[str]) -> dict: ...

    def test(self, state: Any) -> dict: ...
