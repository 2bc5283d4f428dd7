"""The GPU runner: a spec from params, one result file per (task, backbone, method, seed), resume,
and collection into the stage's per-task results that report_glue reads."""
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO
from hsokv.benchmarks.glue import grid
from hsokv.benchmarks.glue.report import summary

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "glue"


def _sst2(root: Path) -> None:
    rows = ["sentence\tlabel"] + [f"good film {i}\t1" for i in range(16)] + [f"bad film {i}\t0" for i in range(16)]
    folder = root / "SST-2" / "k_shot" / "16-13"
    folder.mkdir(parents=True)
    for name in ("train.tsv", "dev.tsv"):
        (folder / name).write_text("\n".join(rows) + "\n")
    shutil.copy(FIX / "sst2_dev.tsv", root / "SST-2" / "dev.tsv")


def test_spec_jobs_resume_and_collect(tmp_path):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "research")
    spec = json.loads(spec_path.read_text())
    assert ("MNLI", "mpnet", "setfit", 100) in grid.all_jobs(spec)
    assert grid.parse_job("SST-2:minilm:hsokv:13") == ("SST-2", "minilm", "hsokv", 13)
    _sst2(tmp_path / "data")
    cmd = [sys.executable, "-m", "hsokv.benchmarks.glue.grid", "--spec", str(spec_path), "--data",
           str(tmp_path / "data"), "--out", str(tmp_path / "out"), "--jobs", "SST-2:scratch:majority:13",
           "--commit", "abc"]
    p = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert p.returncode == 0, p.stdout + p.stderr
    run = json.loads((tmp_path / "out" / "SST-2-scratch-majority-s13.json").read_text())
    assert run["commit"] == "abc" and run["record"]["dev"] == pytest.approx(3 / 5) and run["eval_examples"] == {"dev": 5}
    assert run["cpu_seconds"] > 0 and run["machine"]["cpu_count"] >= 1 and run["torch"]
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0 and "done" not in again.stdout   # the file exists: nothing reruns
    (collected,) = grid.collect(tmp_path / "out", tmp_path / "results")
    metrics = summary({"SST-2": json.loads(collected.read_text())})
    assert metrics["SST-2"]["scratch"]["majority"]["dev"]["mean"] == pytest.approx(3 / 5)
