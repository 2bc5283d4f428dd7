import os
import subprocess
import sys
from pathlib import Path

import yaml

from conftest import REPO
from hsokv.env_report import data_report, package_report, pinned_requirements, remote_report

CHECK_ENV = [sys.executable, "-m", "stages.check_env"]   # the entry point, as the README runs it


def test_reports_every_section_passes_in_this_venv_and_finds_its_dvc_unactivated():
    p = subprocess.run(CHECK_ENV, cwd=REPO, capture_output=True, text=True,
                       env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")})
    for title in ("python:", "packages (requirements.txt):", "device:", "data:", "DVC remotes:"):
        assert title in p.stdout
    assert p.returncode == 0, p.stdout  # CI installs exactly requirements.txt
    assert f"  dvc: {Path(sys.executable).parent / 'dvc'}" in p.stdout, p.stdout
    assert "not on PATH" not in p.stdout


def test_runs_before_pip_install():
    """-S hides site-packages: a fresh machine with no packages still gets every section, and exit 1."""
    p = subprocess.run([sys.executable, "-S", "-m", "stages.check_env"], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 1, p.stderr
    assert "torch not importable" in p.stdout and "PyYAML not installed" in p.stdout
    assert "  torch            -            MISSING" in p.stdout and "DVC remotes:" in p.stdout


def test_missing_or_mismatched_package_fails():
    lines, ok = package_report({"surely-not-installed-pkg": "1.0", "pytest": "0.0.1"})
    assert not ok
    assert "MISSING" in lines[0] and "MISMATCH (pinned 0.0.1)" in lines[1]


def test_reads_every_pin():
    pins = pinned_requirements(REPO / "requirements.txt")
    assert pins["torch"] == "2.14.1" and "ray" in pins


def test_reports_the_configured_mirror_and_the_environment_variable(tmp_path, monkeypatch):
    (tmp_path / "mine" / "glue").mkdir(parents=True)
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({"preset": "p", "presets": {"p": {}},
                                                          "data": {"mirror": str(tmp_path / "mine"), "allow_download": True}}))
    monkeypatch.setenv("HSOKV_DATA_MIRROR", str(tmp_path / "absent"))
    lines = data_report(REPO, tmp_path / "params.yaml")
    assert lines[0].startswith(f"  data.mirror={str(tmp_path / 'mine')!r}") and ": glue (params.yaml, data.allow_download=True)" in lines[0]
    assert lines[1] == f"  $HSOKV_DATA_MIRROR={str(tmp_path / 'absent')!r}: {tmp_path / 'absent'} not found"
    assert not any("shared" in line for line in lines)


def test_says_whether_a_folder_remote_exists(tmp_path):
    (tmp_path / "store").mkdir()
    fake_dvc = tmp_path / "dvc"
    fake_dvc.write_text(f"#!/bin/sh\necho 'local   {tmp_path / 'nowhere'} (default)'\necho 'other   {tmp_path / 'store'}'\n"
                        "echo 's3   s3://bucket/hsokv'\n")
    fake_dvc.chmod(0o755)
    lines = remote_report(REPO, str(fake_dvc))
    assert lines[1] == (f"  local {tmp_path / 'nowhere'} (default): folder missing (`dvc pull` will fail with "
                        "\"Missing cache files\" until a `dvc push`)")
    assert lines[2] == f"  other {tmp_path / 'store'}: folder exists" and lines[3] == "  s3 s3://bucket/hsokv"
