"""Worker processes side by side: run_parallel (commands, at most `parallel` at once, one log file
each: what the GPU and many-core grid runners (continual, GLUE, LM, RL) share) and starmap_spawned
(a function over argument tuples in a pool: the GLUE and LM stages' seeds side by side). Standard
library only: the RL host has no pydantic."""
from __future__ import annotations

import multiprocessing
import os
import subprocess
import time
from pathlib import Path


def run_parallel(jobs: list[tuple[str, list[str]]], log_dir: Path, parallel: int,
                 env: dict[str, str] | None = None, needs: dict[str, list[str]] | None = None,
                 poll: float = 2.0) -> list[str]:
    """Run each (name, command) as its own process, logging to log_dir/<name>.log, and print a line
    as each ends; returns the names whose process failed.

    `env` adds variables to every process's environment. `needs` maps a job to jobs of this run it
    waits for (the RL runner's baselines wait for their seed's swarm): it starts once they all
    succeeded, and is dropped (neither run nor counted as failed) when one of them failed or was
    dropped. Jobs start in list order as slots and prerequisites allow; `poll` is seconds between checks.
    """
    if parallel < 1:   # no slot would ever open
        raise ValueError(f"parallel must be >= 1 (got {parallel})")
    names = {name for name, _ in jobs}
    needs = {job: list(pre) for job, pre in (needs or {}).items() if pre}
    unknown = sorted({p for pre in needs.values() for p in pre} - names)
    if unknown:   # would wait for ever
        raise ValueError(f"needs names jobs that are not in this run: {unknown}")
    log_dir.mkdir(parents=True, exist_ok=True)
    todo, running, failed, succeeded = list(jobs), [], [], set()
    while todo or running:
        if not running and not any(all(p in succeeded for p in needs.get(j[0], ())) for j in todo):
            raise ValueError(f"needs makes a cycle among {[n for n, _ in todo]}")
        for job in [j for j in todo if all(p in succeeded for p in needs.get(j[0], ()))]:
            if len(running) >= parallel:
                break
            todo.remove(job)
            name, cmd = job
            log = open(log_dir / f"{name}.log", "w")
            running.append((subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT,
                                             env={**os.environ, **(env or {})}), name))
        time.sleep(poll)
        for proc, name in list(running):
            if proc.poll() is not None:
                running.remove((proc, name))
                print(f"{time.strftime('%H:%M:%S')} {name}: {'done' if proc.returncode == 0 else 'FAILED'}", flush=True)
                if proc.returncode == 0:
                    succeeded.add(name)
                    continue
                failed.append(name)
                gone = {name}
                while True:   # drop what waits on it, and what waits on those
                    dropped = [j for j in todo if gone & set(needs.get(j[0], ()))]
                    if not dropped:
                        break
                    todo = [j for j in todo if j not in dropped]
                    gone |= {n for n, _ in dropped}
    return failed


def set_threads(threads: int | None) -> None:
    """Fix this process's torch CPU threads (None: leave torch's default). A fixed count also fixes
    the CPU kernels' reduction order, so reruns repeat; a worker process's initializer."""
    if threads:
        import torch   # here, not at the top: the RL host runs this module without torch's import cost
        torch.set_num_threads(threads)


def starmap_spawned(fn, arg_tuples: list[tuple], workers: int, initializer=None, initargs: tuple = ()) -> list:
    """[fn(*args) for args in arg_tuples], in that order, computed in `workers` processes, one tuple at a
    time each (`initializer(*initargs)` runs first in every process). Spawned, not forked: a forked
    child of a process that has used torch's thread pool can hang."""
    with multiprocessing.get_context("spawn").Pool(workers, initializer, initargs) as pool:
        results = pool.starmap(fn, arg_tuples, chunksize=1)
        # let the workers exit on their own: the pool's exit kills them, and a worker that started
        # Ray (Ray Tune's searches) then dies printing the stacks of Ray's threads
        pool.close()
        pool.join()
    return results
