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


def test_task_tables_mark_ties_with_the_best():
    def run(acc, follow):
        r = _result(acc)
        r["tasks"] = {"recall": {"test": r["test"], "retention": r["test"], "test_phase2": r["test"]}}
        r["probes"] = {"masked": r["test"], "swapped": {**r["test"], "follows_swap": follow}}
        return r
    methods = {"a": summary([run(0.9, 0.1), run(0.7, 0.1)]), "b": summary([run(0.75, 0.9), run(0.75, 0.9)]),
               "c": summary([run(0.1, 0.0), run(0.1, 0.0)])}
    table = markdown_table({"preset": "x", "seeds": [0, 1], "methods": methods})
    assert "| a | **0.800 ± 0.141** |" in table and "| b | **0.750 ± 0.000** |" in table   # b inside a's CI
    assert "| c | 0.100 ± 0.000 |" in table and "follows_swap" in table
