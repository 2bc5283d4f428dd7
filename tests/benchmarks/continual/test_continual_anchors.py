from hsokv.benchmarks.continual.anchors import PAPER_CLASS_IL, anchor_check, anchor_table


def _row(per_seed):
    n = len(per_seed)
    mean = sum(per_seed) / n
    std = (sum((v - mean) ** 2 for v in per_seed) / (n - 1)) ** 0.5 if n > 1 else 0.0
    return {"seeds": list(range(n)),
            "class_il": {"average_accuracy": {"mean": mean, "std": std, "ci95": None if n == 1 else 1.5, "n_seeds": n}}}


def _metrics(rows, epochs=50, dataset="cifar10", tasks=5):
    return {"dataset": dataset, "tasks": tasks, "epochs_per_task": epochs, "rows": rows}


def test_er_and_derpp_are_held_within_three_points_of_the_paper():
    check = anchor_check(_metrics({"er-200": _row([47.0, 48.5]), "er-500": _row([62.0, 63.2]),
                                   "derpp-200": _row([65.0, 66.0]), "derpp-500": _row([72.0, 72.4]),
                                   "er-500 [knn]": _row([68.0, 69.0])}))
    rows = check["rows"]
    assert set(rows) == {"er-200", "er-500", "derpp-200", "derpp-500"}   # another readout is not the paper's row
    assert rows["er-200"]["within_tolerance"] is True                  # 47.75 - 44.79 = +2.96
    assert rows["er-500"]["within_tolerance"] is False                 # 62.6 - 57.74 = +4.86
    assert abs(rows["er-500"]["difference"] - (62.6 - 57.74)) < 1e-9
    assert check["missing"] == [] and check["all_within"] is False


def test_reference_rows_are_listed_but_not_checked_and_missing_checked_rows_are_named():
    check = anchor_check(_metrics({"icarl-500": _row([74.0, 74.5]), "joint": _row([91.4]), "derpp-500": _row([72.2])}))
    assert check["rows"]["icarl-500"]["checked"] is False and check["rows"]["icarl-500"]["within_tolerance"] is None
    assert check["missing"] == ["er-200", "er-500", "derpp-200"]
    assert check["all_within"] is None   # not decided while a checked row is missing
    lines = {line.split(" | ")[0].lstrip("| "): line for line in anchor_table(check).splitlines() if line.startswith("| ")}
    assert lines["icarl-500"].endswith("| +26.70 | not checked |")
    assert lines["joint"].startswith("| joint | 1 | 91.4 | n/a | 92.20 ± 0.15 | -0.80 |")   # one seed: no spread
    assert lines["derpp-500"].endswith("| -0.50 | yes |")
    assert "Not run at this protocol yet: er-200, er-500, derpp-200." in anchor_table(check)


def test_the_figures_apply_only_at_the_papers_protocol():
    rows = {"er-500": _row([62.0, 63.0])}
    assert anchor_check(_metrics(rows, epochs=5)) is None
    assert anchor_check(_metrics(rows, dataset="digits")) is None
    assert anchor_check(_metrics(rows, tasks=10)) is None
    assert anchor_check(_metrics(rows)) is not None
    assert PAPER_CLASS_IL["er-500"] == (57.74, 0.27) and PAPER_CLASS_IL["derpp-500"] == (72.70, 1.36)
