import pytest

from hsokv.benchmarks.continual.report import check_one_design_per_row, compare, table
from hsokv.config import ConfigError


def _stat(values):
    mean = sum(values) / len(values)
    std = (sum((v - mean) ** 2 for v in values) / (len(values) - 1)) ** 0.5 if len(values) > 1 else 0.0
    return {"mean": mean, "std": std, "ci95": None if len(values) == 1 else 1.0, "n_seeds": len(values)}


def _row(seeds, accs):
    return {"seeds": seeds, "class_il": {"average_accuracy": _stat(accs), "forgetting": _stat(accs)},
            "task_il": {"average_accuracy": _stat(accs)}, "memory": {"bytes": 616000, "extra_state_bytes": 0},
            "train_flops": {"mean": 2e15}}


def test_table_gives_each_rows_seed_count_and_no_spread_for_one_seed():
    metrics = {"dataset": "cifar10", "tasks": 5, "backbone": "resnet18", "epochs_per_task": 50, "seeds": [0, 1],
               "rows": {"er-200": _row([0, 1], [50.0, 54.0]), "derpp-200": _row([0], [61.1])}, "comparisons": {}}
    lines = {line.split(" | ")[0].lstrip("| "): line for line in table(metrics).splitlines() if line.startswith("| ")}
    assert lines["er-200"].startswith("| er-200 | 2 | 52.0 ± 2.8 | ± 1.0 |")
    assert lines["derpp-200"].startswith("| derpp-200 | 1 | 61.1 | n/a |")   # not "61.1 ± 0.0"


def _run_row(run, method, buffer, per_seed, seeds=(0, 1, 2), own=True):
    return {"run": run, "method": method, "buffer": buffer, "own_readout": own, "seeds": list(seeds),
            "class_il": {"average_accuracy": _stat(per_seed), "per_seed": list(per_seed)}}


def test_hsokv_is_compared_with_the_best_row_every_peer_readout_and_its_variants_own_at_its_buffer():
    rows = {"hsokv-200": _run_row("hsokv", "hsokv", 200, [55.0, 56.0, 54.0]),
            "icarl-200": _run_row("icarl", "icarl", 200, [58.0, 59.0, 57.0]),
            "er-200 [knn]": _run_row("er", "er", 200, [60.0, 61.0, 62.0], own=False),   # best; a peer's readout
            "hsokv_logit_replay-200 [knn]": _run_row("hsokv_logit_replay", "hsokv", 200, [40.0, 41.0], seeds=(0, 1),
                                                     own=False),   # a variant's other readout: not in `against`
            "er-200": _run_row("er", "er", 200, [44.0, 45.0, 46.0]),
            "hsokv_logit_replay-200": _run_row("hsokv_logit_replay", "hsokv", 200, [46.0, 47.0], seeds=(0, 1)),
            "finetune": _run_row("finetune", "finetune", None, [18.0, 19.0, 18.5]),
            "joint": _run_row("joint", "joint", None, [74.0, 70.0, 78.0]),            # the bound: never a rival
            "er-500": _run_row("er", "er", 500, [52.0, 53.0, 50.0])}
    c = compare(rows)["hsokv-200"]
    assert c["best_other"] == "er-200 [knn]" and c["difference"]["mean"] == -6.0
    assert set(c["against"]) == {"icarl-200", "er-200", "er-200 [knn]", "hsokv_logit_replay-200", "finetune"}
    assert c["against"]["icarl-200"]["difference"]["mean"] == -3.0 and c["against"]["icarl-200"]["p_value"] is None
    ablation = c["against"]["hsokv_logit_replay-200"]
    assert ablation["seeds"] == [0, 1] and ablation["difference"]["mean"] == 9.0   # paired over the seeds both have
    er = c["against"]["er-200"]   # differences 11, 11, 8: t = 10 with 2 degrees of freedom
    assert er["difference"]["mean"] == 10.0 and abs(er["p_value"] - 0.00985) < 1e-4


GRID = {"k": [10, 50], "tau": [0.05, 0.2], "w": [0.25, 0.5, 0.75, 1.0]}


def _result(run, seed, grid=GRID, readouts=("head", "knn", "retrieval"), **args):
    return {"run": run, "method": "hsokv", "buffer": 200, "seed": seed, "spec": {"epochs": 5, "readout_grid": grid},
            "args": {"lr": 0.03, "beta": 0.5, **args}, "readouts": {name: {} for name in readouts}}


def test_runs_of_one_row_with_other_settings_are_refused_naming_both_files():
    same = [_result("hsokv", 0, alpha=0.0), _result("hsokv", 1, alpha=0.0, method="hsokv"),   # 'method' is the run's
            _result("hsokv_logit_replay", 0, alpha=0.2)]                                       # another row: fine
    check_one_design_per_row(same, ["a.json", "b.json", "c.json"])
    mixed = [_result("hsokv", 0, alpha=0.0), _result("hsokv", 1, alpha=0.2)]
    with pytest.raises(ConfigError, match=r"b\.json: run 'hsokv' \(buffer 200\) has other settings than a\.json "
                                          r"\(alpha: 0\.2 vs 0\.0\); one row is one design"):
        check_one_design_per_row(mixed, ["a.json", "b.json"])


def test_runs_of_one_row_scored_from_other_readout_grids_are_refused_unless_they_have_no_memory():
    old_grid = {**GRID, "w": [0.25, 0.5, 0.75]}
    with pytest.raises(ConfigError, match=r"b\.json: run 'hsokv' .* \(readout_grid: .*0\.75\]\} vs .*1\.0\]\}\); "
                                          r"one row is one design: .* rescore it"):
        check_one_design_per_row([_result("hsokv", 0), _result("hsokv", 1, grid=old_grid)], ["a.json", "b.json"])
    head_only = [_result("finetune", 0, readouts=("head",)), _result("finetune", 1, grid=old_grid, readouts=("head",))]
    check_one_design_per_row(head_only, ["a.json", "b.json"])
