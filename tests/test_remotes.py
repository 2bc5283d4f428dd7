"""DVC remotes: push -> clear the cache and workspace copy -> pull gives the same bytes back, for the
project's default remote (a folder beside the repository) and for an S3 remote served by moto."""
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from conftest import REPO

BIN = Path(sys.executable).parent


def _run(cmd, cwd, env=None):
    env = {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}", "DVC_NO_ANALYTICS": "1",
           "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
           **(env or {})}
    p = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, shell=True)
    assert p.returncode == 0, f"{cmd} failed:\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}"
    return p.stdout


@pytest.fixture
def project(tmp_path):
    """A git + DVC repository with the project's .dvc/config and one tracked folder."""
    proj = tmp_path / "proj"
    (proj / "data/raw").mkdir(parents=True)
    (proj / "data/raw/table.tsv").write_text("sentence\tlabel\nfine\t1\n")
    (proj / "data/raw/blob.bin").write_bytes(os.urandom(4096))
    _run("git init -q && dvc init -q", proj)
    shutil.copy(REPO / ".dvc/config", proj / ".dvc/config")
    _run("dvc add -q data/raw && git add -A && git commit -qm data", proj)
    return proj


def _round_trip(proj: Path, env=None, remote: str = ""):
    before = {p.name: p.read_bytes() for p in (proj / "data/raw").iterdir()}
    _run(f"dvc push -q {remote}", proj, env)
    shutil.rmtree(proj / ".dvc/cache")
    shutil.rmtree(proj / "data/raw")
    _run(f"dvc pull -q {remote}", proj, env)
    assert {p.name: p.read_bytes() for p in (proj / "data/raw").iterdir()} == before
    assert "up to date" in _run("dvc status", proj, env).lower()


def test_default_remote_is_a_folder_beside_the_repository(project):
    _round_trip(project)
    storage = project.parent / "hsokv-dvc-storage"
    assert storage.is_dir() and any(p.is_file() for p in storage.rglob("*"))


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def moto_s3(tmp_path):
    port = _free_port()
    log = open(tmp_path / "moto.log", "w")
    server = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urllib.request.urlopen(url, timeout=1)
                break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"moto_server did not answer on {url}: {(tmp_path / 'moto.log').read_text()[-1000:]}")
        yield url
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def test_s3_remote_round_trip_on_moto(project, moto_s3):
    import boto3
    env = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}
    boto3.client("s3", endpoint_url=moto_s3, **{k.lower(): v for k, v in env.items() if k != "AWS_DEFAULT_REGION"},
                 region_name="us-east-1").create_bucket(Bucket="hsokv-test")
    _run(f"dvc remote add s3 s3://hsokv-test/store && dvc remote modify s3 endpointurl {moto_s3}", project, env)
    _round_trip(project, env, "-r s3")
    objects = boto3.client("s3", endpoint_url=moto_s3, aws_access_key_id="testing", aws_secret_access_key="testing",
                           region_name="us-east-1").list_objects_v2(Bucket="hsokv-test", Prefix="store/")
    assert objects["KeyCount"] >= 2
