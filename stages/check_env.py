"""Print what this machine offers the pipeline: versions, device, data, DVC remotes.

Dependency-free on purpose (standard library only; each package is probed, not imported at the
top), so it runs before `pip install` too and says what is missing. Usage:
    python stages/check_env.py            # or: python -m stages.check_env
Exit status 0 when every package in requirements.txt is installed at its pinned version, else 1.
"""
from __future__ import annotations

import importlib.metadata as md
import os
import platform
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def pinned_requirements(path: Path = REPO / "requirements.txt") -> dict[str, str]:
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


def data_report() -> list[str]:
    mirror = os.environ.get("HSOKV_DATA_MIRROR")
    candidates = [Path(mirror)] if mirror else []
    candidates.append(REPO.parent / "shared" / "data")
    lines = [f"  HSOKV_DATA_MIRROR={mirror!r}" if mirror else "  HSOKV_DATA_MIRROR not set"]
    for root in candidates:
        if root.is_dir():
            entries = sorted(p.name for p in root.iterdir() if p.is_dir())
            lines.append(f"  {root}: {', '.join(entries) or '(empty)'}")
        else:
            lines.append(f"  {root}: not found")
    words = REPO / "data" / "rare_words.yaml"
    lines.append(f"  word specs {words.relative_to(REPO)}: {'present' if words.is_file() else 'MISSING'}")
    return lines


def remote_report() -> list[str]:
    dvc = shutil.which("dvc")
    if dvc is None:
        return ["  dvc not on PATH (pip install -r requirements.txt, then activate the venv)"]
    p = subprocess.run([dvc, "remote", "list"], cwd=REPO, capture_output=True, text=True)
    if p.returncode:
        return [f"  `dvc remote list` failed: {p.stderr.strip()[:200]}"]
    remotes = p.stdout.strip().splitlines()
    return [f"  {r}" for r in remotes] or ["  no DVC remote configured (`dvc push` has nowhere to go)"]


def main() -> int:
    pins = pinned_requirements()
    packages, ok = package_report(pins)
    sections = [("python", [f"  {sys.version.split()[0]} ({sys.executable}) on {platform.platform()}"]),
                ("packages (requirements.txt)", packages), ("device", device_report()),
                ("data", data_report()), ("DVC remotes", remote_report())]
    for title, lines in sections:
        print(f"{title}:")
        print("\n".join(lines))
    print("all pinned packages present" if ok else "some pinned packages are missing or differ: "
          "pip install -r requirements.txt")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
