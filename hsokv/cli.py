"""What every stage script shares: argument parsing, cleaning up after killed runs, and turning
known errors into clear exits."""
from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Callable

from hsokv.errors import HsokvError
from hsokv.io import remove_stale_temporaries

# Where `dvc repro` keeps the stages' outputs (relative to the repository root it runs in).
WORKSPACE_OUTPUTS = ("data", "models", "results", "metrics", "plots")


def _path_arguments(args: argparse.Namespace) -> list[Path]:
    """Every folder a stage's path arguments name or write beside (their parents)."""
    paths = [Path(v) for v in vars(args).values() if isinstance(v, str) and v]
    return [folder for p in paths for folder in (p, p.parent)]


def _exit_on_sigterm(stage_pid: int):
    def handler(signum, frame):
        if os.getpid() != stage_pid:  # a forked worker: die as it would have
            signal.signal(signum, signal.SIG_DFL)
            os.kill(os.getpid(), signum)
        # SystemExit unwinds through the `finally` of hsokv.io's atomic writers, which remove
        # their temporaries; the default action would end the process on the spot and leave them.
        sys.exit(128 + signum)
    return handler


def run_stage(main: Callable[[argparse.Namespace], None], parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--params", default="params.yaml", help="params file (default: params.yaml)")
    args = parser.parse_args()
    signal.signal(signal.SIGTERM, _exit_on_sigterm(os.getpid()))
    # Before anything can fail: a killed run's leftovers go whatever this run does next, and those
    # of a stage DVC restored from its run cache (no code of ours runs then) go on the next stage.
    remove_stale_temporaries(_path_arguments(args))
    remove_stale_temporaries(WORKSPACE_OUTPUTS, recursive=True)
    try:
        main(args)
    except (HsokvError, FileNotFoundError) as err:  # their messages already say what is wrong and what is valid
        print(f"error: {err}", file=sys.stderr)
        sys.exit(2)
