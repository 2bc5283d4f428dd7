"""The meaning-level word tasks as a search problem (issue 21, problem (c)): H-SOKV on frozen
all-MiniLM-L6-v2 sentence vectors (the protocol's `minilm/hsokv`: attention over a story's sentence
vectors, a cosine classifier and the key-value memory), trained on phase 1 for a step budget,
selected on cloze validation, tested once on the cloze test (hsokv.benchmarks.words.meaning_search_data
says which items). A trial is hsokv.benchmarks.words.objective's, so it continues where it
stopped (the swarm's warm starts, ASHA's and PBT's pauses) on every backend.
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from hsokv.benchmarks.words.meaning_search_data import MeaningTask, load_task
from hsokv.benchmarks.words.objective import TrialState, WordsObjective, accuracy, build_model
from hsokv.training import pick_device


@dataclass
class MeaningObjective(WordsObjective):
    """hsokv.search.trial.Objective for one seed's vectors."""
    task: MeaningTask

    def test(self, state: TrialState) -> dict:
        """Cloze test (the selected-on task) and recall test, overall and one-shot; the sizes the
        report needs for its standard errors."""
        device = pick_device(self.task.cfg.device)
        model = build_model(self.task, state.values, state, device)
        out = {"n": len(self.task.test[1]), "validation_n": len(self.task.validation[1])}
        for name, (ids, labels, exposures) in (("", self.task.test), ("recall_", self.task.recall)):
            out[f"{name}accuracy"] = accuracy(model, ids, labels, device)
            out[f"{name}one_shot_accuracy"] = accuracy(model, ids, labels, device, exposures == 1)
        return out


def seed_objective(path: str | Path, cfg, seed: int) -> MeaningObjective:
    """A seed's search problem (hsokv.search_runs): the word split `seed` of the cached vectors."""
    return MeaningObjective(load_task(path, seed, cfg))
