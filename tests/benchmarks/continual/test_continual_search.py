"""Split-CIFAR-10 as a search problem (issue 21 (a)): a trial continues along the stream bit for bit,
the score counts classes not yet trained as wrong, unfinished trials rank below finished ones, and
bad params are refused by name. A tiny separable stream stands in for CIFAR-10 (the digits for
load_task), so nothing here needs ../shared."""
import dataclasses

import pytest
import torch

from hsokv.benchmarks.continual.config import ContinualConfig
from hsokv.benchmarks.continual.data import fetch_images
from hsokv.benchmarks.continual.search import ContinualObjective, StreamTask, evaluate, load_task, run_stream_trial
from hsokv.benchmarks.continual.search_config import ContinualSearchConfig
from hsokv.config import ConfigError, resolve
from hsokv.search.backends import SerialBackend
from hsokv.search.strategies import run_search
from hsokv.search.trial import TrialSpec
from continual_fixtures import stream  # noqa: F401  (a fixture: pytest finds it by name)

GRID = {"k": [3], "tau": [0.1], "w": [0.25, 0.5]}
VALUES = {"learning_rate": 0.05, "alpha": 0.2, "beta": 0.5}


def _task(stream, method="derpp", length=8, finished_first=True):
    args = {"derpp": {"lr": 0.03, "alpha": 0.1, "beta": 0.5},
            "hsokv": {"lr": 0.03, "alpha": 0.2, "beta": 0.5, "selection": "herding"}}[method]
    return StreamTask(stream, method, args, 8, "small_cnn", 8, 4, True, GRID, length, finished_first)


def _same_state(a, b):
    assert a.tensors.keys() == b.tensors.keys()
    assert all(torch.equal(a.tensors[k], b.tensors[k]) for k in a.tensors), "tensors differ"
    assert a.meta == b.meta and torch.equal(a.order, b.order) and a.steps == b.steps


@pytest.mark.parametrize("method", ["derpp", "hsokv"])
@pytest.mark.parametrize("split", [3, 4])   # a call ending inside a task, and one ending at its boundary
def test_trial_continued_in_two_calls_equals_one_call(stream, method, split):
    task = _task(stream, method)
    whole = run_stream_trial(task, TrialSpec(1, VALUES, 8, 11))
    first = run_stream_trial(task, TrialSpec(1, VALUES, split, 11))
    rest = run_stream_trial(task, TrialSpec(1, VALUES, 8 - split, 99, first.state))   # a continuation keeps its generators
    assert rest.score == whole.score and rest.state.steps == 8
    _same_state(rest.state, whole.state)
    again = run_stream_trial(task, TrialSpec(1, VALUES, 8 - split, 99, first.state))   # the parent is not changed
    assert again.score == rest.score


def test_unseen_classes_count_as_wrong(stream):
    task = _task(stream, finished_first=False)
    early = run_stream_trial(task, TrialSpec(1, VALUES, 3, 0))   # inside task 0: classes 0 and 1 only
    method = _method_of(task, early.state)
    assert method.seen_classes == [0, 1]
    out = evaluate(task, method, "val")
    val_y = torch.cat([t.val.y for t in stream.tasks])
    assert early.score == out["accuracy"] <= float((val_y < 2).float().mean()) == 0.5
    # a trial short of the stream's end ranks below every finished one, at accuracy - 1
    ranked = run_stream_trial(_task(stream), TrialSpec(1, VALUES, 3, 0))
    assert ranked.score == pytest.approx(early.score - 1.0)
    assert run_stream_trial(_task(stream), TrialSpec(1, VALUES, 8, 0)).score >= 0.0


def _method_of(task, state):
    from hsokv.benchmarks.continual.search import _method
    return _method(task, state.values, 0, state)


def test_hsokv_memory_is_herded_once_per_task_even_past_the_stream(stream):
    task = _task(stream, "hsokv", length=4)
    done = run_stream_trial(task, TrialSpec(1, VALUES, 4, 0))
    longer = run_stream_trial(task, TrialSpec(1, VALUES, 3, 0, done.state))   # PBT's members run past the end
    for state in (done.state, longer.state):
        method = _method_of(task, state)
        labels = method.memory.value("label")[method.memory.slots()]
        assert sorted(labels.tolist()) == [0, 0, 1, 1, 2, 2, 3, 3]   # buffer 8 over 4 classes, written once
    assert longer.state.steps == 7 and evaluate(task, _method_of(task, longer.state), "val")["readout"] == "retrieval"


def test_search_null_control_and_test(stream):
    section = ContinualSearchConfig(num_managers=1, agents_per_manager=1, configs_per_region=2, eta=2, rungs=2,
                                    meta_iterations=1, agent_steps=2, seeds=[0])
    objective = ContinualObjective(dataclasses.replace(_task(stream), length=6))
    real, _ = run_search("swarm", objective, section, SerialBackend(), 0)
    null, _ = run_search("swarm", objective, section, SerialBackend(), 0, null=True)
    assert real["steps_used"] == null["steps_used"] == 8 and real["evaluations"] == null["evaluations"] == 3
    defaults = objective.defaults(list(section.space))
    assert defaults == {"learning_rate": 0.03, "alpha": 0.1, "beta": 0.5}
    assert all(t["values"] == defaults for t in null["trials"])
    test = real["test"]
    assert real["best"]["lineage_steps"] == 6 and test["stream_position"] == 1.0   # the best is a finished trial
    assert test["n"] == sum(len(t.test.y) for t in stream.tasks) and test["validation_n"] == 16
    assert all(0.0 <= test[k] <= 1.0 for k in ("accuracy", "average_accuracy", "task_il_accuracy"))


@pytest.fixture(scope="module")
def digits(tmp_path_factory):
    folder = tmp_path_factory.mktemp("continual") / "digits"
    fetch_images("digits", folder, [], False)
    return folder


def _cfg(**search):
    return resolve({"preset": "t", "presets": {"t": {"seeds": [0]}},
                    "continual": {"dataset": "digits", "backbone": "small_cnn", "val_per_class": 5,
                                  "train_per_class": 10, "test_per_class": 5},
                    "search_continual": {"agent_steps": 1, "meta_iterations": 1, "eta": 2, "rungs": 1, **search}})


def test_load_task_builds_the_continual_stream(digits):
    cfg = _cfg(trial_steps=10, method="hsokv_batch_replay", val_per_class=3)
    task = load_task(cfg, digits)
    want = {k: v for k, v in ContinualConfig().method_args["hsokv_batch_replay"].items() if k != "method"}
    assert task.method == "hsokv" and task.args == want   # the run's name stands for its method
    assert task.length == 10 and task.bounds() == [0, 2, 4, 6, 8, 10] and task.backbone == "small_cnn"
    assert [len(t.val.y) for t in task.stream.tasks] == [6] * 5 and [len(t.train.y) for t in task.stream.tasks] == [20] * 5


def test_bad_params_are_refused_by_name(digits):
    with pytest.raises(ConfigError, match=r"search_continual.method: Input should be 'derpp' or 'hsokv_batch_replay'"):
        _cfg(method="er")
    with pytest.raises(ConfigError, match=r"search_continual.space: unknown hyperparameter\(s\) \['batch_size'\]"):
        _cfg(space={"batch_size": {"choices": [8, 16]}})
    with pytest.raises(ConfigError, match=r"search_continual.buffer"):
        _cfg(buffer=0)
    with pytest.raises(ConfigError, match=r"search_continual: a lineage of 1 steps .* valid: >= 5"):
        load_task(_cfg(), digits)
