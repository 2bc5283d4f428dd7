"""A stage's outputs are replaced all together or not at all (issue 17, Deliver 4): a failure
after the models and DVCLive logs of a run are written, before its results are, leaves the last
good run's models, logs and results exactly as they were. Also what a stage reads (continual_research's
run folders)."""
import argparse
import hashlib
import json
import shutil
from pathlib import Path

import pytest
import yaml

from hsokv.config import ConfigError
from stages import continual_research, prepare_synthetic, synthetic


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


def test_continual_research_reads_several_run_folders_one_table_per_epochs_setting(tmp_path):
    """The default-init grid keeps its 5- and 50-epoch runs in two folders (research/continual_default_init/e5
    and e50, one per committed spec); the stage reads both and groups them by epochs, as in one folder."""
    committed = Path(__file__).resolve().parents[1] / "research" / "continual"
    folders = {5: tmp_path / "e5", 50: tmp_path / "e50"}
    for epochs, folder in folders.items():
        folder.mkdir()
        for name in (f"hsokv-500-e{epochs}-s0.json", f"derpp-500-e{epochs}-s0.json"):
            shutil.copy(committed / name, folder / name)
    metrics = tmp_path / "metrics.json"
    continual_research.main(argparse.Namespace(runs=[str(f) for f in folders.values()], metrics=str(metrics),
                                               plots=str(tmp_path / "plots")))
    written = json.loads(metrics.read_text())
    assert sorted(written) == ["epochs_5", "epochs_50"]
    assert {"hsokv-500", "derpp-500"} <= set(written["epochs_50"]["rows"])
    # a mistyped folder among several is refused, not skipped (the table would silently lose its runs)
    with pytest.raises(ConfigError, match="e500: no run results"):
        continual_research.main(argparse.Namespace(runs=[str(folders[5]), str(tmp_path / "e500")],
                                                   metrics=str(tmp_path / "m2.json"), plots=str(tmp_path / "p2")))
    assert not (tmp_path / "m2.json").exists()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.json").write_text('{"foo": 1}')
    with pytest.raises(ConfigError, match=r"x.json: not a continual grid result \(missing \['run', "):
        continual_research.main(argparse.Namespace(runs=[str(tmp_path / "other")], metrics=str(tmp_path / "m3.json"),
                                                   plots=str(tmp_path / "p3")))
