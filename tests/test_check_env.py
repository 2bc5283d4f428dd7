import subprocess
import sys

from conftest import REPO
from stages.check_env import package_report, pinned_requirements


def test_reports_every_section_and_passes_in_this_venv():
    p = subprocess.run([sys.executable, "stages/check_env.py"], cwd=REPO, capture_output=True, text=True)
    for title in ("python:", "packages (requirements.txt):", "device:", "data:", "DVC remotes:"):
        assert title in p.stdout
    assert p.returncode == 0, p.stdout  # CI installs exactly requirements.txt


def test_missing_or_mismatched_package_fails():
    lines, ok = package_report({"surely-not-installed-pkg": "1.0", "pytest": "0.0.1"})
    assert not ok
    assert "MISSING" in lines[0] and "MISMATCH (pinned 0.0.1)" in lines[1]


def test_reads_every_pin():
    pins = pinned_requirements()
    assert pins["torch"] == "2.14.1" and "ray" in pins
