"""Print what this machine offers the pipeline: versions, device, data, DVC remotes
(hsokv.env_report). Standard library only, so it runs before `pip install` too. From the
repository root:
    python -m stages.check_env
Exit status 0 when every package in requirements.txt is installed at its pinned version, else 1.
"""
import sys
from pathlib import Path

from hsokv.env_report import environment_report

REPO = Path(__file__).resolve().parents[1]


def main() -> int:
    sections, ok = environment_report(REPO)
    for title, lines in sections:
        print(f"{title}:")
        print("\n".join(lines))
    print("all pinned packages present" if ok else "some pinned packages are missing or differ: "
          "pip install -r requirements.txt")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
