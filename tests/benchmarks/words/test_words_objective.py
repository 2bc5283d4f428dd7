import pytest
import torch

from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.objective import run_trial, score_on_test
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.search.trial import TrialSpec

VALUES = {"optimizer": "adamw", "learning_rate": 3e-3, "weight_decay": 0.01, "dropout": 0.1}


@pytest.fixture(scope="module")
def task(search_task):
    return search_task[1]


def test_same_spec_same_result(task):
    a, b = (run_trial(task, TrialSpec(1, VALUES, 6, 42)) for _ in range(2))
    assert a.score == b.score
    assert all(torch.equal(a.state.model[k], b.state.model[k]) for k in a.state.model)


def test_continuation_resumes_lineage_and_optimiser(task):
    first = run_trial(task, TrialSpec(1, VALUES, 6, 42))
    before = {k: v.clone() for k, v in first.state.model.items()}
    more = run_trial(task, TrialSpec(1, VALUES, 4, 43, first.state))
    assert more.state.steps == 10 and more.steps == 4
    assert int(more.state.optimizer["state"][0]["step"]) == 10  # AdamW moments carried over
    # The parent state is read, never written: a serial backend shares it between trials.
    assert all(torch.equal(before[k], first.state.model[k]) for k in before)
    entries = [int(s.model["memory.filled"].sum()) for s in (first.state, more.state)]
    assert entries[1] >= entries[0] > 0


def test_changed_config_warm_starts_with_a_fresh_optimiser(task):
    first = run_trial(task, TrialSpec(1, VALUES, 6, 42))
    child = run_trial(task, TrialSpec(2, {**VALUES, "optimizer": "sgd"}, 4, 44, first.state))
    assert child.state.steps == 10
    assert "momentum_buffer" in child.state.optimizer["state"][0]


def test_test_accuracy_scores_the_saved_state(task):
    res = run_trial(task, TrialSpec(1, VALUES, 8, 42))
    acc = score_on_test(task, res.state)
    assert 0.0 <= acc["one_shot_accuracy"] <= 1.0 and 0.0 <= acc["accuracy"] <= 1.0
    assert acc == score_on_test(task, res.state)


def test_validation_is_disjoint_from_test_and_training(task):
    from conftest import REPO
    from hsokv.config import DataConfig
    splits = build_splits(load_word_specs(REPO / "data/rare_words.yaml"), DataConfig(num_words=40), 0)
    val = {it.text for it in splits.validation}
    assert val and not val & {it.text for it in splits.test}
    assert not val & set(splits.training_text())
    # every validation word keeps at least one test item
    assert {it.label for it in splits.validation} <= {it.label for it in splits.test}
