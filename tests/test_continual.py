"""Continual learning: the stream, the scores (R, BWT, forgetting), the methods' memories."""
from contextlib import nullcontext as _null

import numpy as np
import pytest
import torch

from hsokv.config import ConfigError, ContinualConfig
from hsokv.continual import (CONTINUAL_METHODS, HsokvMemory, accuracy_matrix_summary, augment,
                             flops_per_example, make_stream, run_stream)
from hsokv.data.images import ImageSet
from hsokv.vision import make_image_model


def blobs(per_class=12, classes=4, seed=0):
    """Separable 1x8x8 images: class c lights up row c."""
    rng = np.random.default_rng(seed)
    def make(n):
        x = rng.normal(0, 0.1, (n * classes, 1, 8, 8)).astype(np.float32)
        y = np.repeat(np.arange(classes), n)
        x[np.arange(len(y)), 0, y * 2] += 1.0
        return x, y
    (tx, ty), (vx, vy) = make(per_class), make(per_class // 2)
    return ImageSet(tx, ty, vx, vy, [str(c) for c in range(classes)])


def test_scores_from_an_accuracy_matrix():
    r = [[90.0, None, None], [60.0, 80.0, None], [50.0, 70.0, 100.0]]
    s = accuracy_matrix_summary(r)
    assert s["average_accuracy"] == pytest.approx((50 + 70 + 100) / 3)
    assert s["bwt"] == pytest.approx(((50 - 90) + (70 - 80)) / 2)
    assert s["forgetting"] == pytest.approx(((90 - 50) + (80 - 70)) / 2)
    assert accuracy_matrix_summary([[88.0]]) == {"average_accuracy": 88.0, "bwt": None, "forgetting": None}


def test_stream_has_disjoint_tasks_in_class_order():
    tasks = make_stream(blobs(), 2, None, torch.device("cpu"))
    assert [t.classes for t in tasks] == [[0, 1], [2, 3]]
    for t in tasks:
        assert set(t.train_y.tolist()) == set(t.classes) == set(t.test_y.tolist())
    assert len(make_stream(blobs(), 2, 5, torch.device("cpu"))[0].train_y) == 10
    with pytest.raises(ConfigError, match="classes_per_task=3 does not divide"):
        make_stream(blobs(), 3, None, torch.device("cpu"))


def test_augment_keeps_shape_and_follows_its_generator():
    x = torch.randn(5, 3, 32, 32)
    a = augment(x, torch.Generator().manual_seed(0))
    assert a.shape == x.shape and torch.equal(a, augment(x, torch.Generator().manual_seed(0)))
    assert not torch.equal(a, x)


def test_herding_picks_distinct_examples_nearest_the_mean_first():
    f = torch.tensor([[1.0, 0.0], [0.0, 1.0], [0.7, 0.7], [1.0, 0.1]])
    order = HsokvMemory.herding(f, 3)
    assert order[0] == 2 and len(set(order.tolist())) == 3


def _learner(name, buffer, cfg):
    model = make_image_model("small_cnn", 1, 4)
    return CONTINUAL_METHODS[name](model, cfg, buffer, 0, torch.Generator().manual_seed(0))


def test_hsokv_memory_is_class_balanced_within_budget():
    torch.manual_seed(0)
    cfg = ContinualConfig(epochs=1, augment=False, batch_size=8, learning_rate=0.05)
    tasks = make_stream(blobs(), 2, None, torch.device("cpu"))
    learner = _learner("hsokv", 10, cfg)
    learner.end_task(tasks[0], [0, 1])
    assert sorted(learner.memory.labels[learner.memory.valid].tolist()) == [0] * 5 + [1] * 5
    learner.end_task(tasks[1], [0, 1, 2, 3])
    held = learner.memory.labels[learner.memory.valid].tolist()
    assert sorted(held) == [0, 0, 1, 1, 2, 2, 3, 3]   # 10 // 4 per class
    assert learner.class_means.shape == (4, learner.model.feature_dim)


def test_er_reservoir_never_exceeds_its_budget():
    cfg = ContinualConfig(epochs=1, augment=False, batch_size=8)
    tasks = make_stream(blobs(), 2, None, torch.device("cpu"))
    learner = _learner("er", 6, cfg)
    run_stream(learner, tasks, cfg, _null)
    assert learner.seen == sum(len(t.train_y) for t in tasks) and learner.x.shape[0] == 6
    assert set(learner.y.tolist()) & {2, 3}


def test_memory_retains_what_finetuning_forgets():
    """On a separable stream, fine-tuning's class-IL accuracy on the first task collapses after the
    second; H-SOKV's memory keeps it."""
    cfg = ContinualConfig(epochs=3, augment=False, batch_size=8, learning_rate=0.05, replay_batch_size=8)
    tasks = make_stream(blobs(per_class=16), 2, None, torch.device("cpu"))
    results = {}
    for name in ("finetune", "hsokv"):
        torch.manual_seed(0)
        results[name] = run_stream(_learner(name, 16, cfg), tasks, cfg, _null)
    assert results["finetune"]["class_il"][-1][0] < 20.0
    assert results["hsokv"]["class_il"][-1][0] > 80.0
    assert results["hsokv"]["task_il"][-1][0] > 80.0


def test_joint_is_one_row_and_flops_are_counted():
    cfg = ContinualConfig(epochs=1, augment=False, batch_size=8)
    tasks = make_stream(blobs(), 2, None, torch.device("cpu"))
    learner = _learner("joint", None, cfg)
    out = run_stream(learner, tasks, cfg, _null)
    assert len(out["class_il"]) == 1 and len(out["class_il"][0]) == 2
    fwd, train = flops_per_example(learner.model, tasks[0].train_x)
    assert fwd > 0 and 2.0 <= train / fwd <= 4.0   # backward costs about twice the forward
