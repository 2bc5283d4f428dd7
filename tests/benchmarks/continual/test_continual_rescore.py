"""research/continual_default_init/rescore_readout_grid.py: a run's retrieval readout rescored for the grid
with w = 1 takes, after each task, whichever recorded choice (fused or kNN) scored higher on validation,
a tie going to the setting earlier in the grid's order, as protocol.evaluate's argmax would."""
import pytest

from continual_fixtures import research_script


@pytest.fixture(scope="module")
def rescore():
    return research_script("continual_default_init/rescore_readout_grid.py").rescore


def _readout(rows, val_rows, settings):
    return {"class_il": rows, "task_il": [[r + 10 if r is not None else None for r in row] for row in rows],
            "val_class_il": val_rows, "setting": settings}


def _run(knn_setting_2):
    fused = _readout([[90.0, None], [60.0, 70.0]], [[88.0, None], [50.0, 60.0]],
                     [{"k": 10, "tau": 0.05, "w": 0.75}, {"k": 10, "tau": 0.2, "w": 0.25}])
    knn = _readout([[80.0, None], [64.0, 72.0]], [[87.0, None], [55.0, 55.0]],   # task 2: a tie on validation (55)
                   [{"k": 50, "tau": 0.05}, knn_setting_2])
    return {"readouts": {"head": {}, "knn": knn, "retrieval": fused},
            "spec": {"readout_grid": {"k": [10, 50], "tau": [0.05, 0.2], "w": [0.25, 0.5, 0.75]}}}


def test_each_task_takes_the_better_choice_on_validation_and_a_tie_the_earlier_setting(rescore):
    out = rescore(_run({"k": 10, "tau": 0.05}))   # (10, 0.05, w 1) comes before the fused (10, 0.2, 0.25)
    r = out["readouts"]["retrieval"]
    assert r["setting"] == [{"k": 10, "tau": 0.05, "w": 0.75}, {"k": 10, "tau": 0.05, "w": 1.0}]
    assert r["class_il"] == [[90.0, None], [64.0, 72.0]] and r["task_il"][1] == [74.0, 82.0]
    assert r["class_il_summary"]["average_accuracy"] == 68.0 and r["class_il_summary"]["bwt"] == 64.0 - 90.0
    assert out["spec"]["readout_grid"]["w"] == [0.25, 0.5, 0.75, 1.0] and "w = 1 chosen after 1 of 2" in out["rescored"]
    later = rescore(_run({"k": 50, "tau": 0.2}))["readouts"]["retrieval"]   # (50, 0.2, w 1) comes after it: fused
    assert later["setting"][1] == {"k": 10, "tau": 0.2, "w": 0.25} and later["class_il"][1] == [60.0, 70.0]


def test_a_run_whose_grid_holds_w_1_is_left_alone(rescore):
    run = _run({"k": 10, "tau": 0.05})
    assert rescore(rescore(run)) is None
    assert rescore({"readouts": {"head": {}}, "spec": run["spec"]}) is None   # no memory, no retrieval readout
