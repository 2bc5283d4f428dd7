"""SearchLog: what every strategy records, in the order trials finish training.

Steps are counted in one fixed order (the order trials were submitted), not wall-clock order,
so the best-so-far-versus-steps curve is the same on every backend. Every logged trial is one
scoring of the validation split, so the log counts validation evaluations as well as training
steps: strategies that score often after short runs (the swarm's rungs, ASHA, PBT) and those that
score once after a long run (random, grid) are compared on both budgets (`curve`, `eval_curve`).
"""
from __future__ import annotations

from typing import Callable

import numpy as np

from hsokv.search.trial import TrialOutcome


class SearchLog:
    def __init__(self, on_iteration: Callable[[dict], None] | None = None):
        self.trials: list[dict] = []
        self.events: list[dict] = []
        self.iterations: list[dict] = []
        self.curve: list[tuple[int, float]] = []    # (cumulative steps, best validation so far)
        self.eval_curve: list[tuple[int, float]] = []   # (validation evaluations, best so far)
        self.steps = 0
        self.evaluations = 0
        self.best: TrialOutcome | None = None
        self.best_steps = 0                          # cumulative steps when the best was found
        self.best_evaluations = 0                    # validation evaluations when the best was found
        self.on_iteration = on_iteration

    def trial(self, result: TrialOutcome, point: np.ndarray, **where) -> None:
        self.steps += result.steps
        self.evaluations += 1
        if self.best is None or result.score > self.best.score:
            self.best, self.best_steps, self.best_evaluations = result, self.steps, self.evaluations
        self.curve.append((self.steps, self.best.score))
        self.eval_curve.append((self.evaluations, self.best.score))
        self.trials.append({**where, "trial": result.trial_id, "values": result.values,
                            "point": [round(float(x), 4) for x in point], "score": result.score,
                            "steps": result.steps, "lineage_steps": result.state.steps,
                            "cumulative_steps": self.steps, "evaluation": self.evaluations, "seconds": round(result.seconds, 3),
                            # objectives that run an environment (hsokv.benchmarks.rl) also count its steps
                            **({"env_steps": result.env_steps} if hasattr(result, "env_steps") else {})})

    def event(self, iteration: int, kind: str, **details) -> None:
        self.events.append({"iteration": iteration, "event": kind, **details})

    def iteration(self, iteration: int, **stats) -> None:
        record = {"iteration": iteration, "best_score": self.best.score, "steps": self.steps,
                  "events": sum(e["iteration"] == iteration for e in self.events), **stats}
        self.iterations.append(record)
        if self.on_iteration is not None:
            self.on_iteration(record)
