import hashlib
import socket
import socketserver
import threading
import time
from pathlib import Path

import pytest

from hsokv.data import fetch
from hsokv.data.fetch import DataSourceError, check_sources, fetch_files, mirror_roots


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
    params["data"]["allow_download"] = False
    (tmp_path / "p.yaml").write_text(yaml.safe_dump(params))
    env = {k: v for k, v in os.environ.items() if k != "HSOKV_DATA_MIRROR"}
    p = subprocess.run([sys.executable, "-m", "stages.download_glue", "--task", "SST-2", "--params",
                        str(tmp_path / "p.yaml"), "--out", str(tmp_path / "out")],
                       cwd=REPO, env=env, capture_output=True, text=True)
    assert p.returncode == 2, p.stderr
    assert "could not get verified copies" in p.stderr and "data.allow_download: true" in p.stderr
    assert not (tmp_path / "out").exists()


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]   # closed again on return: connections are refused


REQUIRED = {"SST-2": [["glue/SST-2/dev.tsv", "lm-bff-k-shot/SST-2/16-13/train.tsv"]],
            "CIFAR-10": [["cifar10/cifar-10-python.tar.gz"], ["cifar10/cifar-10-batches-py"]]}


def test_check_sources_says_where_each_dataset_comes_from_in_well_under_a_second(tmp_path):
    mirror = tmp_path / "mirror"
    for path in ("glue/SST-2/dev.tsv", "lm-bff-k-shot/SST-2/16-13/train.tsv"):
        (mirror / path).parent.mkdir(parents=True, exist_ok=True)
        (mirror / path).write_text("x")
    (mirror / "cifar10/cifar-10-batches-py").mkdir(parents=True)   # the extracted layout
    with socketserver.TCPServer(("127.0.0.1", 0), socketserver.BaseRequestHandler) as server:
        threading.Thread(target=server.handle_request, daemon=True).start()
        url = f"http://127.0.0.1:{server.server_address[1]}/cifar.tar.gz"
        start = time.perf_counter()
        assert check_sources(REQUIRED, [tmp_path / "absent", mirror], None) == {
            "SST-2": f"mirror {mirror}", "CIFAR-10": f"mirror {mirror}"}
        (mirror / "cifar10/cifar-10-batches-py").rmdir()
        assert check_sources({"CIFAR-10": REQUIRED["CIFAR-10"]}, [mirror], {"CIFAR-10": url}) == {
            "CIFAR-10": f"download {url}"}
        assert time.perf_counter() - start < 1.0


def test_check_sources_names_every_missing_dataset_and_the_three_ways(tmp_path):
    url = f"http://127.0.0.1:{_closed_port()}/cifar.tar.gz"
    start = time.perf_counter()
    with pytest.raises(DataSourceError) as err:
        check_sources(REQUIRED, [tmp_path], {"CIFAR-10": url})
    assert time.perf_counter() - start < 1.0
    message = str(err.value)
    assert f"no source for SST-2, CIFAR-10 (mirrors: {tmp_path})" in message
    assert "SST-2: in no mirror, no official download" in message and f"CIFAR-10: in no mirror, {url} unreachable" in message
    assert "data.mirror" in message and "$HSOKV_DATA_MIRROR" in message and "reachable" in message
    assert f"place the files there yourself (e.g. {tmp_path}/glue/SST-2/dev.tsv)" in message
    (tmp_path / "glue/SST-2").mkdir(parents=True)   # its first file there: the example names the one missing
    (tmp_path / REQUIRED["SST-2"][0][0]).write_text("x")
    with pytest.raises(DataSourceError) as err:
        check_sources({"SST-2": REQUIRED["SST-2"]}, [tmp_path], None)
    assert f"(e.g. {tmp_path}/{REQUIRED['SST-2'][0][1]})" in str(err.value)
    with pytest.raises(DataSourceError, match=r"SST-2: in no mirror, downloads off \(data.allow_download: false\)"
                       r"(.|\n)*set data.allow_download: true"):
        check_sources({"SST-2": REQUIRED["SST-2"]}, [], None)
