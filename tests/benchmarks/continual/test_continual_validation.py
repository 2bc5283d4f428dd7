from hsokv.benchmarks.continual.validation import (final_validation, preferred_table, preferred_variants,
                                                   validation_comparisons, validation_table)


def _run(run, buffer, seed, last_row, method="hsokv", readout="retrieval"):
    val = [[90.0, None], last_row]
    readouts = {readout: {"val_class_il": val}, "head": {"val_class_il": [[0.0, None], [0.0, 0.0]]}}
    return {"run": run, "method": method, "buffer": buffer, "seed": seed, "readout": readout, "readouts": readouts}


def test_final_validation_is_the_last_rows_mean():
    assert final_validation({"val_class_il": [[98.0, None, None], [60.0, 80.0, None]]}) == 70.0


def test_hsokv_is_paired_with_each_variant_at_its_buffer_on_its_own_readout():
    results = [_run("hsokv", 200, 0, [50.0, 60.0]), _run("hsokv", 200, 1, [52.0, 60.0]),
               _run("hsokv_reservoir", 200, 0, [40.0, 60.0]), _run("hsokv_reservoir", 200, 1, [46.0, 60.0]),
               _run("hsokv_feature_distill", 200, 1, [50.0, 58.0]),       # one seed in common
               _run("hsokv_reservoir", 500, 0, [10.0, 10.0]),             # another buffer: not compared
               _run("icarl", 200, 0, [99.0, 99.0], method="icarl", readout="ncm"),   # a peer: not a variant
               _run("hsokv", 500, 0, [70.0, 70.0])]
    c = validation_comparisons(results)
    assert set(c) == {"hsokv-200", "hsokv-500"}
    assert set(c["hsokv-200"]) == {"hsokv_reservoir-200", "hsokv_feature_distill-200"}
    reservoir = c["hsokv-200"]["hsokv_reservoir-200"]   # differences 5 and 3: last rows 55 vs 50, 56 vs 53
    assert reservoir["seeds"] == [0, 1] and reservoir["difference"]["mean"] == 4.0
    assert c["hsokv-200"]["hsokv_feature_distill-200"]["seeds"] == [1]
    assert c["hsokv-500"] == {"hsokv_reservoir-500": c["hsokv-500"]["hsokv_reservoir-500"]}
    assert c["hsokv-500"]["hsokv_reservoir-500"]["difference"]["mean"] == 60.0
    lines = validation_table(c).splitlines()
    assert "| hsokv-200 | hsokv_reservoir-200 | 2 | 55.5 | 51.5 | 4.0 ± 1.4 |" in "\n".join(lines)
    assert any(line.startswith("| hsokv-200 | hsokv_feature_distill-200 | 1 | 56.0 | 54.0 | 2.0 | n/a |")
               for line in lines)


def _row(run, method, buffer, per_seed: dict):
    return {"run": run, "method": method, "buffer": buffer, "seeds": sorted(per_seed), "own_readout": True,
            "class_il": {"per_seed": [per_seed[s] for s in sorted(per_seed)]}}


def test_only_variants_validation_prefers_meet_the_peers_at_their_buffer():
    results = [_run("hsokv", 500, 0, [60.0, 60.0]), _run("hsokv", 500, 1, [62.0, 60.0]),
               _run("hsokv_merged", 500, 0, [70.0, 60.0]), _run("hsokv_merged", 500, 1, [66.0, 60.0]),   # preferred
               _run("hsokv_reservoir", 500, 0, [50.0, 60.0])]                                              # not
    rows = {"hsokv-500": _row("hsokv", "hsokv", 500, {0: 70.0, 1: 71.0}),
            "hsokv_merged-500": _row("hsokv_merged", "hsokv", 500, {0: 74.0, 1: 73.0}),
            "hsokv_reservoir-500": _row("hsokv_reservoir", "hsokv", 500, {0: 60.0}),
            "derpp-500": _row("derpp", "derpp", 500, {0: 72.0, 1: 72.5}),
            "derpp-200": _row("derpp", "derpp", 200, {0: 60.0, 1: 61.0}),    # another buffer
            "icarl-500": _row("icarl", "icarl", 500, {3: 75.0}),             # no seed in common
            "finetune": _row("finetune", "finetune", None, {0: 18.0, 1: 19.0}),
            "joint": _row("joint", "joint", None, {0: 92.0, 1: 91.0})}       # the upper bound
    preferred = preferred_variants(validation_comparisons(results), rows)
    assert set(preferred) == {"hsokv_merged-500"}
    assert set(preferred["hsokv_merged-500"]) == {"derpp-500", "finetune"}
    derpp = preferred["hsokv_merged-500"]["derpp-500"]
    assert derpp["seeds"] == [0, 1] and derpp["difference"]["mean"] == 1.25
    assert "| hsokv_merged-500 | derpp-500 | 2 | 1.2 ± 1.1 |" in preferred_table(preferred)
