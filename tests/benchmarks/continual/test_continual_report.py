from hsokv.benchmarks.continual.report import table


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
