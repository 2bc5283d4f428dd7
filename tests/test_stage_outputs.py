"""A stage's outputs are replaced all together or not at all (issue 17, Deliver 4): a failure
after the models and DVCLive logs of a run are written, before its results are, leaves the last
good run's models, logs and results exactly as they were."""
import argparse
import hashlib

import pytest
import yaml

from stages import prepare_synthetic, synthetic


def _tree(root):
    return {str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else None
            for p in sorted(root.rglob("*"))}


def test_failed_synthetic_run_keeps_the_last_models_logs_and_results(tmp_path, params, monkeypatch):
    params["preset"] = "quick_test"
    params["seeds"] = [0]
    params["device"] = "cpu"
    params["data"]["num_words"] = 10
    params["train"]["epochs"] = 1
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    paths = {"params": str(tmp_path / "params.yaml"), "data": str(tmp_path / "data/synthetic")}
    prepare_synthetic.main(argparse.Namespace(params=paths["params"], out=paths["data"]))
    run = argparse.Namespace(**paths, method="hsokv", backbone="scratch", out=str(tmp_path / "results/synthetic"),
                             live=str(tmp_path / "results/synthetic/live"), models=str(tmp_path / "models/hsokv"))
    synthetic.main(run)
    last_good = {d: _tree(tmp_path / d) for d in ("results", "models")}
    assert "synthetic/hsokv.json" in last_good["results"] and "hsokv/seed_0/model.safetensors" in last_good["models"]
    assert any(k.startswith("synthetic/live/hsokv/seed_0/") for k in last_good["results"])

    def results_cannot_be_written(path, obj):   # e.g. a read-only results folder, a full disk
        raise PermissionError(f"{path}: read-only")
    monkeypatch.setattr(synthetic, "write_json", results_cannot_be_written)
    params["train"]["epochs"] = 2   # another model and other logs than the last run's
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    with pytest.raises(PermissionError):
        synthetic.main(run)   # trains, saves the model and the logs to temporaries, then fails
    assert {d: _tree(tmp_path / d) for d in ("results", "models")} == last_good
