"""Atomic outputs: replaced whole or not at all; a killed run's temporaries go on the next run."""
import os
import signal
import stat
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from hsokv import io as hsokv_io
from hsokv.io import (JsonFileError, atomic_dir, atomic_write_text, load_yaml, outputs, read_json,
                      remove_stale_temporaries, write_json)


def test_atomic_dir_replaces_only_when_the_block_finishes(tmp_path):
    out = tmp_path / "models" / "hsokv"
    out.mkdir(parents=True)
    (out / "old.txt").write_text("old")
    with pytest.raises(RuntimeError):
        with atomic_dir(out) as tmp:
            (tmp / "new.txt").write_text("half")
            raise RuntimeError("killed mid-way")
    assert [p.name for p in out.iterdir()] == ["old.txt"] and [p.name for p in out.parent.iterdir()] == ["hsokv"]
    with atomic_dir(out) as tmp:
        (tmp / "new.txt").write_text("whole")
    assert [p.name for p in out.iterdir()] == ["new.txt"]


def test_failed_atomic_dir_removes_the_parents_it_created(tmp_path):
    with pytest.raises(ValueError):
        with atomic_dir(tmp_path / "a" / "b" / "out"):
            raise ValueError
    assert list(tmp_path.iterdir()) == []


def test_temporaries_of_a_killed_run_are_removed_by_the_next(tmp_path):
    (tmp_path / ".out.tmpdir-x1y2").mkdir()                      # what SIGKILL leaves of atomic_dir
    (tmp_path / ".metrics.json.ab12.tmp").write_text("{\"half\":")  # ... and of atomic_write_text
    (tmp_path / ".other.tmpdir-keep").mkdir()                    # another output's: not touched
    with atomic_dir(tmp_path / "out") as tmp:
        (tmp / "f").write_text("x")
    atomic_write_text(tmp_path / "metrics.json", "{}")
    assert sorted(p.name for p in tmp_path.iterdir()) == [".other.tmpdir-keep", "metrics.json", "out"]


def _dead_pid() -> int:
    p = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(p.stdout)


def test_outputs_get_the_modes_of_any_new_file(tmp_path):
    umask = os.umask(0o022)
    os.umask(umask)
    atomic_write_text(tmp_path / "metrics.json", "{}")
    with atomic_dir(tmp_path / "models") as tmp:
        (tmp / "f").write_text("x")
    assert stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode) == 0o666 & ~umask
    assert stat.S_IMODE((tmp_path / "models").stat().st_mode) == 0o777 & ~umask
    if umask == 0o022:
        assert oct(stat.S_IMODE((tmp_path / "metrics.json").stat().st_mode)) == oct(0o644)


@pytest.mark.parametrize("value, where", [({"a": {"b": [1.0, float("nan")]}}, "a.b.1"),
                                          ({"loss": float("inf")}, "loss"), ([1, -float("inf")], "1")])
def test_json_writer_refuses_nan_and_infinity(tmp_path, value, where):
    with pytest.raises(JsonFileError, match=rf"m\.json: {where} is (nan|inf|-inf); JSON holds only finite"):
        write_json(tmp_path / "m.json", value)
    assert list(tmp_path.iterdir()) == []


def test_truncated_json_names_the_file(tmp_path):
    write_json(tmp_path / "r.json", {"seeds": [1, 2, 3]})
    (tmp_path / "r.json").write_text((tmp_path / "r.json").read_text()[:12])
    with pytest.raises(JsonFileError, match=r"r\.json: not valid JSON \(truncated or corrupt\?\)"):
        read_json(tmp_path / "r.json")


def test_temporaries_of_any_dead_writer_are_swept_and_a_live_writers_kept(tmp_path):
    dead, live = _dead_pid(), os.getppid()
    (tmp_path / "sub").mkdir()
    stale = [tmp_path / f".out.tmpdir-{dead}-abc", tmp_path / "sub" / f".m.json.{dead}-q1w2.tmp"]
    stale[0].mkdir()
    stale[1].write_text("{")
    kept = [tmp_path / f".out.tmpdir-{live}-abc", tmp_path / ".notes.txt"]
    kept[0].mkdir()
    kept[1].write_text("mine")
    assert remove_stale_temporaries([tmp_path]) == [stale[0]]
    assert remove_stale_temporaries([tmp_path], recursive=True) == [stale[1]]
    assert all(p.exists() for p in kept)


KILLED_WRITER = """
import os, signal, sys
from hsokv.io import atomic_dir, atomic_write_text
import hsokv.io
out = sys.argv[1]
hsokv.io.os.replace = lambda *a: os.kill(os.getpid(), signal.SIGKILL)   # killed at the last moment
with atomic_dir(out + "/models") as tmp:
    (tmp / "weights").write_bytes(b"0" * 1000)
    atomic_write_text(out + "/metrics.json", "{}")
"""


def test_a_sigkilled_writers_temporaries_go_on_the_next_stage_run_even_a_failing_one(tmp_path):
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(tmp_path)], cwd=REPO, check=False)
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert len(leftovers) == 2 and all(n.startswith((".models.tmpdir-", ".metrics.json.")) for n in leftovers)
    (tmp_path / "params.yaml").write_text("preset: nowhere\n")
    p = subprocess.run([sys.executable, "-m", "stages.memory_scale", "--params", tmp_path / "params.yaml",
                        "--metrics", tmp_path, "--plots", tmp_path / "plots"], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 2 and "unknown preset" in p.stderr  # failed at config load, before any output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["params.yaml"]


SLOW_STAGE = """
import argparse, time
from hsokv.cli import run_stage
from hsokv.io import atomic_dir
def main(args):
    with atomic_dir(args.out) as tmp:
        (tmp / "part").write_text("x")
        print("writing", flush=True)
        time.sleep(60)
parser = argparse.ArgumentParser()
parser.add_argument("--out")
run_stage(main, parser)
"""


def test_sigterm_removes_the_temporaries_on_the_way_out(tmp_path):
    p = subprocess.Popen([sys.executable, "-c", SLOW_STAGE, "--out", str(tmp_path / "out")], cwd=REPO,
                         stdout=subprocess.PIPE, text=True)
    assert p.stdout.readline().strip() == "writing"
    assert any(n.name.startswith(".out.tmpdir-") for n in tmp_path.iterdir())
    p.send_signal(signal.SIGTERM)
    assert p.wait(timeout=30) == 128 + signal.SIGTERM
    assert list(tmp_path.iterdir()) == []


def test_duplicate_yaml_keys_are_refused_with_the_key_and_lines():
    with pytest.raises(yaml.YAMLError, match=r"duplicate key 'epochs' at line 4 \(first at line 2\)"):
        load_yaml("train:\n  epochs: 3\n  batch_size: 8\n  epochs: 5\n")
    assert load_yaml("a: {b: 1}\nc: [{b: 2}, {b: 3}]\n") == {"a": {"b": 1}, "c": [{"b": 2}, {"b": 3}]}


# -- a stage's outputs, replaced together (issue 17, Deliver 4) -----------------------------------------
@pytest.fixture
def last_run(tmp_path):
    """The outputs of a last good run: a result file, a log folder and a model folder."""
    (tmp_path / "results/live/seed_0").mkdir(parents=True)
    (tmp_path / "results/live/seed_0/metrics.json").write_text("old log")
    (tmp_path / "results/hsokv.json").write_text("old result")
    (tmp_path / "models/hsokv").mkdir(parents=True)
    (tmp_path / "models/hsokv/model.safetensors").write_text("old model")
    return tmp_path


def _tree(root):
    return {str(p.relative_to(root)): p.read_text() if p.is_file() else None for p in sorted(root.rglob("*"))}


def _write_all(new, root):
    (new[root / "results/live"] / "seed_0").mkdir()
    (new[root / "results/live"] / "seed_0/metrics.json").write_text("new log")
    (new[root / "models/hsokv"] / "model.safetensors").write_text("new model")
    write_json(new[root / "results/hsokv.json"], {"new": 1})


def _targets(root):
    return {"files": [root / "results/hsokv.json"], "dirs": [root / "results/live", root / "models/hsokv"]}


def test_outputs_are_replaced_together_with_normal_modes_and_nothing_left(last_run):
    with outputs(**_targets(last_run)) as new:
        _write_all(new, last_run)
        assert _tree(last_run)["results/hsokv.json"] == "old result"   # nothing replaced before the end
    tree = _tree(last_run)
    assert tree["results/hsokv.json"] == '{\n  "new": 1\n}\n' and tree["models/hsokv/model.safetensors"] == "new model"
    assert tree["results/live/seed_0/metrics.json"] == "new log" and not [k for k in tree if "/." in "/" + k]
    assert stat.S_IMODE((last_run / "models/hsokv").stat().st_mode) == hsokv_io.DIR_MODE
    assert stat.S_IMODE((last_run / "results/hsokv.json").stat().st_mode) == hsokv_io.FILE_MODE


def test_a_failure_between_outputs_keeps_every_old_one(last_run):
    before = _tree(last_run)
    with pytest.raises(OSError, match="disk full"):
        with outputs(**_targets(last_run)) as new:
            (new[last_run / "models/hsokv"] / "model.safetensors").write_text("new model")   # the models are saved,
            (new[last_run / "results/live"] / "seed_0").mkdir()                              # the logs written,
            raise OSError("disk full")                                                       # the results not
    assert _tree(last_run) == before


@pytest.mark.parametrize("fail_at", [1, 2, 3, 4])
def test_a_failure_during_the_swap_moves_everything_back(last_run, monkeypatch, fail_at):
    before, calls, replace = _tree(last_run), [], os.replace

    def failing(src, dst):
        calls.append(dst)
        if len(calls) == fail_at:
            raise PermissionError(f"cannot write {dst}")
        return replace(src, dst)
    with pytest.raises(PermissionError):
        with outputs(**_targets(last_run)) as new:
            _write_all(new, last_run)
            monkeypatch.setattr(hsokv_io.os, "replace", failing)
    monkeypatch.undo()
    assert _tree(last_run) == before


def test_a_symlinked_output_is_replaced_not_written_through(last_run, tmp_path_factory):
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    (elsewhere / "model.safetensors").write_text("someone else's")
    os.rename(last_run / "models/hsokv", last_run / "old_models")
    os.symlink(elsewhere, last_run / "models/hsokv")
    with outputs(**_targets(last_run)) as new:
        _write_all(new, last_run)
    assert not (last_run / "models/hsokv").is_symlink() and (elsewhere / "model.safetensors").read_text() == "someone else's"


def test_an_unwritable_output_folder_fails_before_any_work(last_run):
    os.chmod(last_run / "results", 0o555)
    try:
        if os.access(last_run / "results", os.W_OK):
            pytest.skip("running as a user who can write anywhere")
        with pytest.raises(PermissionError):
            with outputs(**_targets(last_run)):
                pytest.fail("the block ran")
    finally:
        os.chmod(last_run / "results", 0o755)


def test_an_output_the_stage_forgot_keeps_the_old_one(last_run):
    before = _tree(last_run)
    with pytest.raises(RuntimeError, match="did not write"):
        with outputs(**_targets(last_run)) as new:
            (new[last_run / "models/hsokv"] / "model.safetensors").write_text("new model")
    assert _tree(last_run) == before
