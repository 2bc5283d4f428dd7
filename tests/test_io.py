"""Atomic outputs: replaced whole or not at all; a killed run's temporaries go on the next run."""
import pytest

from hsokv.io import atomic_dir, atomic_write_text


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
