from hsokv.benchmarks.continual.stability import THRESHOLD, diagonal, last_iterate_stability, stability_table


def _run(method, head_task_il, ncm_task_il=None):
    readouts = {"head": {"task_il": head_task_il}}
    if ncm_task_il is not None:
        readouts["ncm"] = {"task_il": ncm_task_il}
    return {"method": method, "readouts": readouts}


HEALTHY = [[98.0, None, None], [95.0, 92.0, None], [94.0, 90.0, 97.0]]
FAILED_LAST = [[98.0, None, None], [95.0, 92.0, None], [94.0, 90.0, 51.0]]   # task 3 read right after it: 51


def test_diagonal_is_each_task_right_after_its_training():
    assert diagonal(FAILED_LAST) == [98.0, 92.0, 51.0]
    assert diagonal([[98.0, None], [None, None]]) == [98.0]   # a task without validation images


def test_a_run_counts_once_per_readout_and_head_per_method():
    results = [_run("er", FAILED_LAST, HEALTHY), _run("er", HEALTHY, HEALTHY), _run("finetune", HEALTHY),
               _run("hsokv", [[70.0, None], [90.0, 79.9]], [[99.0, None], [95.0, 96.0]])]
    s = last_iterate_stability(results)
    assert s["threshold"] == THRESHOLD
    assert s["readouts"]["head"] == {"runs": 4, "runs_below": 2, "lowest": 51.0}
    assert s["readouts"]["ncm"] == {"runs": 3, "runs_below": 0, "lowest": 92.0}
    assert s["head_by_method"]["er"] == {"runs": 2, "runs_below": 1, "lowest": 51.0}
    assert s["head_by_method"]["hsokv"] == {"runs": 1, "runs_below": 1, "lowest": 70.0}
    assert s["head_by_method"]["finetune"]["runs_below"] == 0
    table = stability_table(s)
    assert "| head | 4 | 2 | 50% | 51.0 |" in table
    assert "| ncm | 3 | 0 | 0% | 92.0 |" in table
    assert "| head, er runs | 2 | 1 | 50% | 51.0 |" in table


def test_an_entry_at_the_threshold_is_not_below_it():
    s = last_iterate_stability([_run("er", [[THRESHOLD, None], [90.0, THRESHOLD]])])
    assert s["readouts"]["head"]["runs_below"] == 0
