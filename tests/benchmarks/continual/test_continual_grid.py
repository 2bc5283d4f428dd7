"""The GPU grid runner: specs from params, one result file per run (skipped when present)."""
import json
import re
import subprocess
import sys

import pytest

from conftest import REPO
from hsokv.benchmarks.continual import grid
from hsokv.benchmarks.continual.data import fetch_images


def test_spec_jobs_and_resume(tmp_path):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "quick_test", epochs=1)
    spec = json.loads(spec_path.read_text())
    assert spec["backbone"] == "small_cnn" and spec["epochs"] == 1
    spec.update(dataset="digits", val_per_class=5, train_per_class=10, test_per_class=5)
    spec_path.write_text(json.dumps(spec))
    fetch_images("digits", tmp_path / "data", [], allow_download=False)
    assert grid.parse_job("er:50:1") == [("er", 50, 1)] and grid.parse_job("joint:none:0") == [("joint", None, 0)]
    cmd = [sys.executable, "-m", "hsokv.benchmarks.continual.grid", "--spec", str(spec_path), "--data",
           str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--jobs", "er:50:0", "finetune:none:0",
           "--parallel", "2", "--commit", "abc"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    result = json.loads((tmp_path / "out" / "er-50-e1-s0.json").read_text())
    assert result["commit"] == "abc" and result["spec"]["dataset"] == "digits" and result["device_name"] == "cpu"
    assert result["compile"] == "none"
    assert (tmp_path / "out" / "finetune-e1-s0.json").is_file()
    assert (tmp_path / "out" / "logs" / "er-50-e1-s0.log").read_text().startswith("er-50-e1-s0: data built, training on cpu")
    before = [(tmp_path / "out" / f).stat().st_mtime_ns for f in ("er-50-e1-s0.json", "finetune-e1-s0.json")]
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0   # both files exist: nothing reruns, neither is rewritten
    assert [(tmp_path / "out" / f).stat().st_mtime_ns for f in ("er-50-e1-s0.json", "finetune-e1-s0.json")] == before



def test_time_limit_pauses_and_the_same_command_continues(tmp_path):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "quick_test", epochs=2)
    spec = json.loads(spec_path.read_text())
    spec.update(dataset="digits", classes_per_task=5, val_per_class=5, train_per_class=10, test_per_class=5)
    spec_path.write_text(json.dumps(spec))
    fetch_images("digits", tmp_path / "data", [], allow_download=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "hsokv.benchmarks.continual.grid", "--spec", str(spec_path), "--data",
           str(tmp_path / "data"), "--out", str(out), "--jobs", "er:50:0", "--commit", "abc"]
    p = subprocess.run(cmd + ["--time-limit", "0"], cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0 and "paused (rerun the same command to continue): ['er-50-e2-s0']" in p.stdout
    assert (out / "paused" / "er-50-e2-s0.safetensors").is_file() and not (out / "er-50-e2-s0.json").exists()
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    log = (out / "logs" / "er-50-e2-s0.log").read_text()
    assert "resumed from" in log and "task 1, 1 epochs done" in log
    assert len(json.loads((out / "er-50-e2-s0.json").read_text())["losses"]) == 2 * 2
    assert not list((out / "paused").iterdir())   # the file goes once the result is written


def test_a_spec_with_an_unknown_switch_value_is_refused_before_any_run(tmp_path):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "quick_test", epochs=1)
    spec = json.loads(spec_path.read_text())
    assert (spec["precision"], spec["crop_padding"]) == ("bf16", "mean")
    spec["precision"] = "fp16"
    spec_path.write_text(json.dumps(spec))
    cmd = [sys.executable, "-m", "hsokv.benchmarks.continual.grid", "--spec", str(spec_path), "--data",
           str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--jobs", "er:50:0"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and "continual.precision: Input should be 'bf16' or 'fp32' (got 'fp16')" in p.stderr
    assert str(spec_path) in p.stderr
    assert not (tmp_path / "out").exists()


def test_a_seed_range_names_every_seed_in_it():
    assert grid.parse_job("derpp:200:2-4") == [("derpp", 200, 2), ("derpp", 200, 3), ("derpp", 200, 4)]
    assert grid.parse_job("joint:none:3-3") == [("joint", None, 3)]
    for bad in ("derpp:200:4-2", "derpp:200:0-", "derpp:200:-1", "derpp:200:0-2-4"):
        with pytest.raises(ValueError, match="seed range first-last"):
            grid.parse_job(bad)


@pytest.mark.parametrize("jobs, parallel, message", [
    (["er:200"], "1", "--jobs 'er:200': expected run:buffer:seed"),
    (["er:200:3-1"], "1", "--jobs 'er:200:3-1': expected run:buffer:seed"),
    (["er:abc:0"], "1", "--jobs 'er:abc:0': expected run:buffer:seed"),
    (["finetune:none:0"], "0", "--parallel must be >= 1 (got 0)"),     # no slot would ever open: it hung
    (["er:none:0"], "1", "--jobs er:None: er needs a buffer size"),
    (["derpp:50:0"], "1", "derpp.alpha: no value for buffer size(s) [50]"),
])
def test_bad_jobs_are_refused_before_the_runs_folder_is_made(tmp_path, jobs, parallel, message):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "quick_test", epochs=1)
    cmd = [sys.executable, "-m", "hsokv.benchmarks.continual.grid", "--spec", str(spec_path), "--data",
           str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--parallel", parallel, "--jobs", *jobs]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode != 0 and message in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("text, message", [(None, "cannot read a spec from it"), ("{not json", "cannot read a spec"),
                                           ("[1]", "not a spec (a JSON object")])
def test_an_absent_or_corrupt_spec_is_a_usage_error_naming_it(tmp_path, text, message):
    spec_path = tmp_path / "spec.json"
    if text is not None:
        spec_path.write_text(text)
    cmd = [sys.executable, "-m", "hsokv.benchmarks.continual.grid", "--spec", str(spec_path), "--data",
           str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--jobs", "er:200:0"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and f"--spec {spec_path}: {message}" in p.stderr, p.stderr
    assert not (tmp_path / "out").exists()


def test_a_spec_missing_a_key_or_with_an_unknown_one_is_refused(tmp_path):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "quick_test", epochs=1)
    spec = json.loads(spec_path.read_text())
    for edit, message in ((lambda s: s.pop("epochs"), "missing key(s) ['epochs']"),
                          (lambda s: s.update(epochz=50), "continual.epochz: unknown key")):
        bad = dict(spec)
        edit(bad)
        with pytest.raises(SystemExit, match=re.escape(message)):
            grid.check_spec(bad, str(spec_path))


def test_write_spec_refuses_an_epochs_override_the_section_would_refuse(tmp_path):
    with pytest.raises(SystemExit, match=r"continual.epochs: Input should be greater than or equal to 1 \(got 0\)"):
        grid.write_spec(tmp_path / "spec.json", REPO / "params.yaml", "quick_test", epochs=0)
    assert not (tmp_path / "spec.json").exists()


@pytest.mark.parametrize("epochs", [5, 50])
def test_the_committed_research_specs_are_what_params_writes(tmp_path, epochs):
    # the GPU grid runs from research/continual_default_init/e*/spec.json, the README and the research tables
    # from params.yaml: a run or setting in one and not the other (the replay batch's variants were renamed in
    # the specs only, 2026-12-06) would table runs that `dvc exp run` cannot reproduce
    grid.write_spec(tmp_path / "spec.json", REPO / "params.yaml", "research", epochs=epochs)
    committed = REPO / "research" / "continual_default_init" / f"e{epochs}" / "spec.json"
    assert json.loads((tmp_path / "spec.json").read_text()) == json.loads(committed.read_text())
