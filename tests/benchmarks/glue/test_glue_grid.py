"""The GPU runner: a spec from params, one result file per (task, backbone, method, seed), resume,
and collection into the stage's per-task results that report_glue reads."""
import json
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO, write_sst2_k_shot
from hsokv.benchmarks.glue import grid
from hsokv.benchmarks.glue.report import summary



def _sst2(root: Path) -> None:
    write_sst2_k_shot(root, [13])


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
    before = (tmp_path / "out" / "SST-2-scratch-majority-s13.json").stat().st_mtime_ns
    again = subprocess.run(cmd, cwd=REPO, capture_output=True, text=True, timeout=300)
    assert again.returncode == 0   # the file exists: nothing reruns, it is not rewritten
    assert (tmp_path / "out" / "SST-2-scratch-majority-s13.json").stat().st_mtime_ns == before
    (collected,) = grid.collect(tmp_path / "out", tmp_path / "results")
    metrics = summary({"SST-2": json.loads(collected.read_text())})
    assert metrics["SST-2"]["scratch"]["majority"]["dev"]["mean"] == pytest.approx(3 / 5)


def test_split_points_combine_to_the_whole_grid(tmp_path):
    """A trained method's grid run point by point and combined gives the record of the whole grid
    (same chosen point, scores and per-point selection), and the job then counts as done."""
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "research")
    spec = json.loads(spec_path.read_text())
    spec["params"]["glue"].update(steps=2, grid_batch_sizes=[8, 16])
    spec["params"]["model"].update(num_layers=1, d_model=32, num_heads=2, ff_dim=64)
    _sst2(tmp_path / "data")
    job = ("SST-2", "scratch", "hsokv", 13)
    assert grid.grid_points(spec, ("SST-2", "scratch", "majority", 13)) == []
    points = grid.split(spec, tmp_path / "split", [job, ("SST-2", "scratch", "majority", 13)])
    assert points[-1] == ("SST-2", "scratch", "majority", 13) and [p[5] for p in points[:-1]] == [8, 16]
    assert grid.parse_job(":".join(map(str, points[0]))) == points[0]
    assert grid.job_label(points[0]).endswith("-bs8")

    grid.run_worker(spec, tmp_path / "data", tmp_path / "whole", job, "abc")
    for point in points[:-1]:
        assert not grid.combine(spec, tmp_path / "split", job)   # not all points there yet
        grid.run_worker(spec, tmp_path / "data", tmp_path / "split", point, "abc")
    assert grid.combine(spec, tmp_path / "split", job)
    whole, combined = (json.loads((tmp_path / d / "SST-2-scratch-hsokv-s13.json").read_text()) for d in ("whole", "split"))
    for run in (whole, combined):
        run["record"].pop("wall_seconds")
    assert combined["record"] == whole["record"] and combined["spec"] == spec and len(combined["points"]) == 2
    assert [p["batch_size"] for p in whole["record"]["grid"]] == [8, 16]
    assert grid.split(spec, tmp_path / "split", [job]) == [job]   # done: nothing to split or rerun
    with pytest.raises(ValueError, match="task:backbone:method:seed"):
        grid.parse_job("SST-2:scratch:hsokv")


@pytest.mark.parametrize("job, says", [("SST-2:scratch:majority:13:0.001:8", "none (no grid)"),
                                       ("SST-2:scratch:hsokv:13:0.001:16", "not a grid point of hsokv"),
                                       ("SST-2:scratch", "task:backbone:method:seed")])
def test_bad_job_is_refused_before_anything_is_written(tmp_path, monkeypatch, capsys, job, says):
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "research")
    monkeypatch.setattr(sys, "argv", ["grid", "--spec", str(spec_path), "--data", str(tmp_path / "data"),
                                      "--out", str(tmp_path / "out"), "--jobs", job])
    with pytest.raises(SystemExit) as exit_:
        grid.main()
    assert exit_.value.code == 2 and says in capsys.readouterr().err and not (tmp_path / "out").exists()


def test_compile_reaches_the_trained_methods_only(tmp_path, monkeypatch):
    """--compile compiles the encoders of trained methods (recorded in their records) and leaves
    frozen methods eager; torch.compile itself is stubbed here (its CPU build takes minutes)."""
    import torch
    compiled = []
    monkeypatch.setattr(torch.nn.Module, "compile", lambda self, **kw: compiled.append((type(self).__name__, kw)))
    spec_path = tmp_path / "spec.json"
    grid.write_spec(spec_path, REPO / "params.yaml", "research")
    spec = json.loads(spec_path.read_text())
    spec["params"]["glue"].update(steps=2, grid_batch_sizes=[16])
    spec["params"]["model"].update(num_layers=1, d_model=32, num_heads=2, ff_dim=64)
    _sst2(tmp_path / "data")
    for method in ("logreg", "hsokv"):
        grid.run_worker(spec, tmp_path / "data", tmp_path / "out", ("SST-2", "scratch", method, 13), "abc",
                        compile_mode="reduce-overhead")
        if method == "logreg":
            assert compiled == []   # a frozen method's encoder stays eager
    trained, frozen = (json.loads((tmp_path / "out" / f"SST-2-scratch-{m}-s13.json").read_text())["record"]
                       for m in ("hsokv", "logreg"))
    assert trained["compile"] == "reduce-overhead" and "compile" not in frozen
    assert compiled and all(kw == {"mode": "reduce-overhead", "dynamic": False} for _, kw in compiled)


def test_unknown_compile_mode_is_refused(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(sys, "argv", ["grid", "--spec", "s.json", "--data", str(tmp_path), "--out", str(tmp_path / "out"),
                                      "--compile", "fast"])
    with pytest.raises(SystemExit) as exit_:
        grid.main()
    assert exit_.value.code == 2 and "--compile: invalid choice: 'fast'" in capsys.readouterr().err
    assert not (tmp_path / "out").exists()
