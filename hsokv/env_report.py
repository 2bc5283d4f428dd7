"""What a machine offers the pipeline, as report lines: package versions against the pins, the
device `device: auto` picks, the dataset mirrors, the dvc beside this Python and its remotes.

Standard library only on purpose (torch and PyYAML are probed, not imported at the top), so the
report runs before `pip install` too and says what is missing. Every path is taken relative to
`repo`, the checkout the pipeline runs in (stages/check_env.py passes it).
"""
from __future__ import annotations

import importlib.metadata as md
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

Section = tuple[str, list[str]]   # (title, indented lines)


def pinned_requirements(path: Path) -> dict[str, str]:
    pins = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==", 1)
            pins[name.split("[")[0].strip()] = version.strip()  # moto[server] is the distribution moto
    return pins


def package_report(pins: dict[str, str]) -> tuple[list[str], bool]:
    lines, ok = [], True
    for name, want in pins.items():
        try:
            have = md.version(name)
        except md.PackageNotFoundError:
            have = None
        status = "ok" if have == want else ("MISSING" if have is None else f"MISMATCH (pinned {want})")
        ok &= have == want
        lines.append(f"  {name:<16} {have or '-':<12} {status}")
    return lines, ok


def device_report() -> list[str]:
    try:
        import torch
    except ImportError:
        return ["  torch not importable: no device check"]
    lines = [f"  torch {torch.__version__}, CPU threads {torch.get_num_threads()}, os.cpu_count {os.cpu_count()}"]
    if torch.cuda.is_available():
        lines.append(f"  CUDA: {torch.cuda.device_count()} x {torch.cuda.get_device_name(0)} (device: auto picks it)")
    else:
        lines.append("  CUDA: none (device: auto runs on the CPU)")
    return lines


def configured_mirror(params_path: Path) -> tuple[str | None, str]:
    """(data.mirror as the active preset and params.yaml set it, where that came from). PyYAML is
    probed, not required: without it the mirror is reported as unknown."""
    try:
        import yaml
    except ImportError:
        return None, "unknown: PyYAML not installed, so params.yaml cannot be read"
    try:
        params = yaml.safe_load(params_path.read_text(encoding="utf-8")) or {}
        preset = (params.get("presets") or {}).get(params.get("preset")) or {}
        mirror = (params.get("data") or {}).get("mirror") or (preset.get("data") or {}).get("mirror")
        allow = (params.get("data") or {}).get("allow_download")
    except (OSError, yaml.YAMLError, AttributeError) as err:
        return None, f"unknown: {params_path} unreadable ({str(err).splitlines()[0]})"
    return mirror, f"{params_path.name}, data.allow_download={allow}"


def _mirror_line(label: str, root: str | None, repo: Path) -> str:
    if not root:
        return f"  {label}: not set"
    path = Path(root).expanduser()
    path = (path if path.is_absolute() else repo / path).resolve()  # dvc runs the stages in the repository root
    if not path.is_dir():
        return f"  {label}={root!r}: {path} not found"
    datasets = sorted(p.name for p in path.iterdir() if p.is_dir())
    return f"  {label}={root!r}: {path}: {', '.join(datasets) or '(empty)'}"


def data_report(repo: Path, params_path: Path | None = None) -> list[str]:
    """The mirrors (params' data.mirror, then $HSOKV_DATA_MIRROR) and the word specs; `params_path`
    defaults to repo/params.yaml."""
    mirror, source = configured_mirror(params_path or repo / "params.yaml")
    lines = [_mirror_line("data.mirror", mirror, repo) + f" ({source})",
             _mirror_line("$HSOKV_DATA_MIRROR", os.environ.get("HSOKV_DATA_MIRROR"), repo)]
    words = repo / "data" / "rare_words.yaml"
    lines.append(f"  word specs {words.relative_to(repo)}: {'present' if words.is_file() else 'MISSING'}")
    return lines


def find_dvc() -> str | None:
    """dvc as this Python's environment has it (its bin folder, activated or not), else on PATH."""
    beside = Path(sys.executable).parent / "dvc"
    return str(beside) if beside.is_file() and os.access(beside, os.X_OK) else shutil.which("dvc")


def remote_report(repo: Path, dvc: str | None = None) -> list[str]:
    dvc = dvc or find_dvc()
    if dvc is None:
        return ["  dvc not found beside this Python nor on PATH (pip install -r requirements.txt)"]
    p = subprocess.run([dvc, "remote", "list"], cwd=repo, capture_output=True, text=True)
    if p.returncode:
        return [f"  {dvc}: `dvc remote list` failed: {p.stderr.strip()[:200]}"]
    lines = [f"  dvc: {dvc}"]
    for entry in p.stdout.strip().splitlines():
        name, url, *flags = entry.split()
        state = ""
        if "://" not in url:  # a folder remote: say whether there is anything to pull yet
            state = (": folder exists" if Path(url).is_dir() else
                     ": folder missing (`dvc pull` will fail with \"Missing cache files\" until a `dvc push`)")
        lines.append(f"  {name} {url}{' (default)' if '(default)' in flags else ''}{state}")
    return lines if len(lines) > 1 else ["  no DVC remote configured (`dvc push` has nowhere to go)"]


def environment_report(repo: Path) -> tuple[list[Section], bool]:
    """Every section for the checkout at `repo`, and whether each pinned package is installed at
    its pinned version."""
    packages, ok = package_report(pinned_requirements(repo / "requirements.txt"))
    return [("python", [f"  {sys.version.split()[0]} ({sys.executable}) on {platform.platform()}"]),
            ("packages (requirements.txt)", packages), ("device", device_report()),
            ("data", data_report(repo)), ("DVC remotes", remote_report(repo))], ok
