import hashlib
from pathlib import Path

import pytest

from hsokv.data import fetch
from hsokv.data.fetch import DataSourceError, fetch_files, mirror_roots


@pytest.fixture
def mirror(tmp_path, monkeypatch):
    """A mirror with two files whose checksums are 'recorded' for the test."""
    root = tmp_path / "mirror"
    (root / "set").mkdir(parents=True)
    recorded = {}
    for name, text in (("set/a.tsv", "alpha\n"), ("set/b.tsv", "beta\n")):
        (root / name).write_text(text)
        recorded[name] = {"sha256": hashlib.sha256(text.encode()).hexdigest(), "bytes": len(text)}
    monkeypatch.setattr(fetch, "CHECKSUMS", recorded)
    return root


FILES = {"a.tsv": "set/a.tsv", "sub/b.tsv": "set/b.tsv"}


def test_copies_verified_files_into_dest(mirror, tmp_path):
    origin = fetch_files(FILES, tmp_path / "out", [mirror])
    assert (tmp_path / "out/a.tsv").read_text() == "alpha\n" and (tmp_path / "out/sub/b.tsv").read_text() == "beta\n"
    assert origin["a.tsv"] == str(mirror / "set/a.tsv")


def test_checksum_mismatch_is_refused_and_nothing_written(mirror, tmp_path):
    (mirror / "set/b.tsv").write_text("tampered\n")
    with pytest.raises(DataSourceError, match=r"b.tsv fails its checksum.*\n.*not attempted"):
        fetch_files(FILES, tmp_path / "out", [mirror])
    assert not (tmp_path / "out").exists()
    assert [p.name for p in tmp_path.iterdir()] == ["mirror"]  # no temporary folder left behind


def test_failure_leaves_an_existing_dest_untouched(mirror, tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "kept.txt").write_text("old")
    with pytest.raises(DataSourceError):
        fetch_files(FILES, out, [tmp_path / "nowhere"])
    assert (out / "kept.txt").read_text() == "old"


def test_error_lists_every_source_tried(mirror, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataSourceError) as err:
        fetch_files(FILES, tmp_path / "out", [tmp_path / "nowhere", empty])
    msg = str(err.value)
    assert "nowhere: not a folder" in msg and f"{empty} lacks 2 file(s)" in msg and "HSOKV_DATA_MIRROR" in msg


def test_later_mirror_fills_what_the_first_lacks(mirror, tmp_path):
    partial = tmp_path / "partial"
    (partial / "set").mkdir(parents=True)
    (partial / "set/a.tsv").write_text("alpha\n")
    origin = fetch_files(FILES, tmp_path / "out", [partial, mirror])
    assert origin["a.tsv"].startswith(str(partial)) and origin["sub/b.tsv"].startswith(str(mirror))


def test_download_is_used_and_verified(mirror, tmp_path):
    def download(folder: Path):
        (folder / "set").mkdir()
        for name in ("a.tsv", "b.tsv"):
            (folder / "set" / name).write_text((mirror / "set" / name).read_text())
    fetch_files(FILES, tmp_path / "out", [], download)
    assert (tmp_path / "out/sub/b.tsv").read_text() == "beta\n"


def test_failed_download_is_reported(mirror, tmp_path):
    def download(folder: Path):
        raise OSError("network unreachable")
    with pytest.raises(DataSourceError, match=r"download: failed \(network unreachable\)"):
        fetch_files(FILES, tmp_path / "out", [], download)


def test_file_without_recorded_checksum_is_refused(mirror, tmp_path):
    with pytest.raises(DataSourceError, match=r"no SHA-256 recorded for \['set/c.tsv'\]"):
        fetch_files({"c.tsv": "set/c.tsv"}, tmp_path / "out", [mirror])


def test_mirror_roots_param_then_environment(monkeypatch):
    monkeypatch.setenv("HSOKV_DATA_MIRROR", "/from/env")
    assert mirror_roots("from/param") == [Path("from/param"), Path("/from/env")]
    monkeypatch.delenv("HSOKV_DATA_MIRROR")
    assert mirror_roots(None) == []


def test_recorded_checksums_match_the_shared_copies():
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not (shared / "glue").is_dir():
        pytest.skip("no shared data beside the repo")
    for name, entry in fetch.CHECKSUMS.items():
        assert fetch.sha256(shared / name) == entry["sha256"], name


def test_download_stage_without_a_source_exits_2_and_writes_nothing(tmp_path, params):
    import os
    import subprocess
    import sys

    import yaml

    from conftest import REPO
    params["data"]["mirror"] = str(tmp_path / "empty")
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    env = {k: v for k, v in os.environ.items() if k != "HSOKV_DATA_MIRROR"}
    p = subprocess.run([sys.executable, "-m", "stages.download_glue", "--task", "SST-2", "--params",
                        str(tmp_path / "p.yaml"), "--out", str(tmp_path / "out")],
                       cwd=REPO, env=env, capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "could not get verified copies" in p.stderr and "data.allow_download: true" in p.stderr
    assert not (tmp_path / "out").exists()
