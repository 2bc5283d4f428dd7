"""Reservoir sampling in batches equals adding one at a time; herding tracks the class mean."""
import numpy as np
import torch

from hsokv.benchmarks.continual.buffer import herding, reservoir_slots


def sequential(seen, n, capacity, rng):
    buf = {}
    for i in range(n):
        k = seen + i
        slot = k if k < capacity else int(rng.integers(0, k + 1))
        if slot < capacity:
            buf[slot] = i
    return buf


def test_batch_reservoir_equals_the_sequential_algorithm():
    for seen in (0, 3, 10, 50):
        a = reservoir_slots(seen, 32, 10, np.random.default_rng(seen))
        final = {int(s): i for i, s in enumerate(a) if s >= 0}
        want = sequential(seen, 32, 10, np.random.default_rng(seen))
        assert final == want


def test_reservoir_keeps_a_uniform_sample():
    counts = np.zeros(100)
    for trial in range(400):
        rng = np.random.default_rng(trial)
        held = np.full(10, -1)
        for start in range(0, 100, 20):
            slots = reservoir_slots(start, 20, 10, rng)
            for i, s in enumerate(slots):
                if s >= 0:
                    held[s] = start + i
        counts[held] += 1
    assert abs(counts[:50].sum() - counts[50:].sum()) < 0.15 * counts.sum()   # early and late equally likely


def test_herding_picks_distinct_examples_whose_mean_approaches_the_class_mean():
    f = torch.randn(40, 8, generator=torch.Generator().manual_seed(0))
    order = herding(f, 10)
    assert len(set(order.tolist())) == 10
    unit = torch.nn.functional.normalize(f, dim=1)
    gap_herd = (unit[order].mean(0) - unit.mean(0)).norm()
    gap_first = (unit[:10].mean(0) - unit.mean(0)).norm()
    assert gap_herd < gap_first
