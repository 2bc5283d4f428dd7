"""hsokv/benchmarks/lm/grid.py and stages/language_model_research.py: GPU-side runs, one JSON each,
aggregated into the same table as the CPU stage; a resumed grid skips finished files."""
import argparse
import json
from pathlib import Path

import pytest

from hsokv.benchmarks.lm import grid
from hsokv.errors import HsokvError
from stages import language_model_research

TINY = {"n_layer": 1, "n_head": 2, "n_embd": 16, "block_size": 16, "batch_size": 4, "max_iters": 6, "warmup_iters": 2,
        "eval_interval": 3, "eval_iters": 1, "ngram_orders": [2, 3], "knn_datastore": 200, "knn_k": [4],
        "knn_temperature": [1.0], "knn_lambda": [0.1, 0.5], "seeds": [0, 1], "threads": 1}


@pytest.fixture
def spec(tmp_path):
    path = tmp_path / "spec.json"
    grid.write_spec(path, Path("params.yaml"), "quick_test")
    written = json.loads(path.read_text())
    assert written["preset"] == "quick_test" and written["language_model"]["seeds"] == [0, 1]
    written["language_model"].update(TINY)
    path.write_text(json.dumps(written))
    return written


def test_runs_aggregate_into_the_table(tmp_path, spec):
    corpus = tmp_path / "c.txt"
    corpus.write_text("the cat sat on the mat. the dog sat on the log.\n" * 40)
    out = tmp_path / "runs"
    out.mkdir()
    for job in ("ngram", "0", "1"):
        grid.run_worker(spec, corpus, out, job, "abc123")
    seed = json.loads((out / "seed_1.json").read_text())
    assert seed["seed"] == 1 and seed["commit"] == "abc123" and seed["device"] == "cpu"
    assert seed["corpus"]["level"] == "char" and seed["spec"] == spec
    args = argparse.Namespace(runs=str(out), metrics=str(tmp_path / "m.json"), plots=str(tmp_path / "plots"))
    language_model_research.main(args)
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["seeds"] == [0, 1] and metrics["preset"] == "quick_test"
    assert metrics["methods"]["transformer"]["val"]["loss"]["n_seeds"] == 2
    assert metrics["runs"]["commits"] == ["abc123"]
    assert "| kNN-LM (same transformer) |" in (tmp_path / "m.md").read_text()

    changed = json.loads((out / "seed_0.json").read_text())
    changed["spec"]["language_model"]["max_iters"] = 7
    (out / "seed_0.json").write_text(json.dumps(changed))
    with pytest.raises(HsokvError, match="different settings"):
        language_model_research.main(args)


def test_empty_folder_is_a_clear_error(tmp_path):
    args = argparse.Namespace(runs=str(tmp_path), metrics=str(tmp_path / "m.json"), plots=str(tmp_path / "p"))
    with pytest.raises(HsokvError, match="seed_.*json"):
        language_model_research.main(args)
    assert not (tmp_path / "m.json").exists()
