import pytest

from hsokv.benchmarks.glue.report import markdown_table, summary


def _run(method, seed, dev, backbone="minilm", without=None):
    r = {"task": "MNLI", "backbone": backbone, "method": method, "seed": seed, "dev_accuracy": 0.5,
         "dev_matched": dev, "wall_seconds": 1.0}
    if without is not None:
        r["dev_matched_without_memory"] = without
    return r


def _results():
    runs = [_run("hsokv", s, a, without=w) for s, a, w in ((13, 0.60, 0.50), (21, 0.62, 0.51), (42, 0.61, 0.53))]
    runs += [_run("finetune", s, a) for s, a in ((13, 0.50, ), (21, 0.52), (42, 0.53))]
    runs += [_run("logreg", s, a) for s, a in ((13, 0.61), (21, 0.60), (42, 0.63))]
    runs += [_run("majority", s, 0.35) for s in (13, 21, 42)]
    runs += [_run("hsokv_proto", s, 0.55) for s in (13, 21, 42)]
    runs += [_run("setfit", s, None, backbone="scratch") for s in (13, 21, 42)]  # skipped: no row
    return {"MNLI": {"runs": runs, "eval_splits": ["dev_matched"], "eval_examples": {"dev_matched": 9815}}}


def test_every_hsokv_row_is_tested_against_each_peer_and_its_own_readout():
    metrics = summary(_results())["MNLI"]
    assert "scratch" not in metrics
    got = {c["versus"]: c for c in metrics["comparisons"] if c["method"] == "hsokv"}
    # majority is a reference line; H-SOKV variants are not each other's peers
    assert set(got) == {"hsokv without memory", "finetune", "logreg"}
    assert {c["method"] for c in metrics["comparisons"]} == {"hsokv", "hsokv_proto"}
    assert got["finetune"]["difference"]["mean"] * 100 == pytest.approx(9.33, abs=0.01)
    assert got["finetune"]["p_value"] < 0.05 and got["logreg"]["p_value"] > 0.5
    table = markdown_table(summary(_results()))
    assert "| minilm | hsokv | finetune | +9.3 ± 1.2 | **0.005** | 3 |" in table
    assert "| minilm | hsokv | logreg | -0.3 ± 2.1 | 0.808 | 3 |" in table
    assert "not clean few-shot results" in table and "minilm" in table.split("not clean")[0].splitlines()[-1]
