"""hsokv.benchmarks.rl.report's scaling summary (the rl_scaling_research stage): speedups per seed from
rounds, and issue 22's targets applied only on the machine each is set for."""
import pytest

from hsokv.benchmarks.rl.report import scaling_research, scaling_table


def _sweep(walls_by_seed: dict[int, dict[int, list[float]]], cpu_count: int) -> dict:
    counts = sorted({n for walls in walls_by_seed.values() for n in walls})
    runs = [{"seed": seed, "sweep": [{"workers": n, "wall_seconds": w} for n, ws in walls.items() for w in ws]}
            for seed, walls in walls_by_seed.items()]
    return {"summary": {"by_workers": {str(n): {} for n in counts}, "backend": "ray", "cpu_count": cpu_count},
            "runs": runs, "spec": {"preset": "many-core (4 managers x 4 agents)", "env_id": "Hopper-v5"}}


def test_a_seeds_rounds_are_averaged_before_its_speedup_and_the_target_is_tested_from_above():
    m = scaling_research({"two-core": _sweep({0: {1: [40.0, 44.0], 2: [21.0, 21.0]},
                                              1: {1: [30.0, 30.0], 2: [16.0, 14.0]}}, cpu_count=2)})["two-core"]
    row = m["by_workers"]["2"]
    assert row["per_seed"] == pytest.approx([2.0, 2.0])   # 42 / 21 and 30 / 15: means of the rounds
    assert m["rounds"] == 2 and m["spec"] == "many-core" and m["seeds"] == [0, 1]
    assert row["target"] == 1.8
    assert row["p_above_target"] is None          # every seed the same: no spread to test with


def test_targets_apply_on_their_machine_only_and_a_slow_sweep_is_not_above_them():
    m = scaling_research({"host": _sweep({s: {1: [80.0 + s], 2: [45.0], 8: [15.0 + s]} for s in range(4)}, cpu_count=16)})
    by = m["host"]["by_workers"]
    assert by["2"]["target"] is None                # 1.8x at 2 workers is the 2-core machine's target
    assert by["8"]["target"] == 6.0
    assert by["8"]["p_above_target"] > 0.5          # speedups 5.3-5.33: below 6
    assert "| host | 16 | many-core | 4 x 1 | 8 |" in scaling_table(m)


@pytest.mark.parametrize("cores, target", [(10, 6.0), (8, None)])
def test_the_8_worker_target_needs_a_core_each_and_two_for_the_driver_and_ray(cores, target):
    m = scaling_research({"pinned": _sweep({0: {1: [80.0], 8: [14.0]}}, cpu_count=cores)})
    assert m["pinned"]["by_workers"]["8"]["target"] == target
