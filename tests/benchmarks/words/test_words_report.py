from hsokv.benchmarks.words.report import markdown_table, summary


def _result(acc):
    ev = {"accuracy": acc, "one_shot_accuracy": acc, "few_shot_accuracy": acc, "kv_hit_rate": None,
          "kv_utility": None, "n": 10, "n_one_shot": 6, "n_few_shot": 4}
    return {"test": ev, "retention": ev, "test_phase2": ev, "flops": 100, "wall_seconds": 1.0}


def test_summary_and_table():
    agg = summary([_result(0.5), _result(1.0)])
    assert agg["one_shot_accuracy"]["mean"] == 0.75 and agg["kv_hit_rate"] is None
    assert agg["counts_total"]["n_test"] == 20
    table = markdown_table({"preset": "x", "seeds": [0, 1], "methods": {"m": agg}})
    assert "| m | 0.750 ± 0.354" in table and "n/a" in table
