"""Worker processes side by side, at most `parallel` at once, one log file each: what the GPU
grid runners (continual, GLUE) share."""
from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path


def run_parallel(jobs: list[tuple[str, list[str]]], log_dir: Path, parallel: int) -> list[str]:
    """Run each (name, command) as its own process, logging to log_dir/<name>.log, and print a line
    as each ends; returns the names whose process failed."""
    log_dir.mkdir(parents=True, exist_ok=True)
    todo, running, failed = list(jobs), [], []
    while todo or running:
        while todo and len(running) < parallel:
            name, cmd = todo.pop(0)
            log = open(log_dir / f"{name}.log", "w")
            running.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=os.environ.copy()), name))
        time.sleep(2)
        for proc, name in list(running):
            if proc.poll() is not None:
                running.remove((proc, name))
                print(f"{time.strftime('%H:%M:%S')} {name}: {'done' if proc.returncode == 0 else 'FAILED'}", flush=True)
                if proc.returncode:
                    failed.append(name)
    return failed
