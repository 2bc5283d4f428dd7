"""The throughput probe runs the real method code and reports a consistent rate."""
import torch

from hsokv.benchmarks.continual.speed import random_stream, steps_per_second


def test_random_stream_has_cifar_shape_and_two_classes_a_task():
    s = random_stream(torch.device("cpu"), per_task=10)
    assert len(s.tasks) == 5 and s.num_classes == 10
    assert s.tasks[3].train.x.shape == (10, 3, 32, 32) and s.tasks[3].train.x.dtype == torch.uint8
    assert sorted(s.tasks[3].train.y.unique().tolist()) == [6, 7]


def test_steps_per_second_times_the_replay_task_eagerly():
    r = steps_per_second("er", "eager", torch.device("cpu"), steps=3, warm_steps=2, backbone="small_cnn")
    assert r["steps"] == 3 and r["seconds"] > 0
    assert abs(r["steps_per_second"] - 3 / r["seconds"]) < 1e-9
    # 5 tasks x 50 epochs x 9000/32 steps at the measured rate
    assert abs(r["hours_per_50_epoch_run"] * 3600 * r["steps_per_second"] - 5 * 50 * 9000 / 32) < 1e-6
