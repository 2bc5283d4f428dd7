"""The research comparison on a many-core host: one process per (method, seed), one JSON each.

Each job writes `<out>/<method>-s<seed>.json` atomically when it finishes (with the host's CPU
count, the library versions and the commit); a job whose file exists is skipped, so a grid can be
resumed in a later session and the files committed as they come. A seed's (halving) swarm runs
first: the lineage-mode swarm, ES and ARS start once its file exists, with its environment steps as
their budget. Settings come from
a spec JSON (the resolved `distributed` section, written here with `--write-spec` where pydantic
is installed), so the host needs only numpy, gymnasium and mujoco: no params.yaml, DVC or pydantic.
The stage `rl_research` aggregates the committed files.

    python -m hsokv.benchmarks.rl.runner --write-spec spec.json --preset research
    python -m hsokv.benchmarks.rl.runner --spec spec.json --out research/rl --seeds 0 1 2 3 4 \
        --parallel 15 --swarm-workers 1 --commit <git sha>
"""
from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from hsokv.benchmarks.rl.spec import read_spec
from hsokv.jobs import run_parallel

METHODS = ("swarm", "lineage", "es", "ars")


def label(method: str, seed: int) -> str:
    return f"{method}-s{seed}"


class PoolMap:
    """The swarm's trials on a process pool. hsokv.search.backends loads pydantic (through
    hsokv.config), which this host need not have; the swarm only calls map()."""

    def __init__(self, workers: int):
        self.pool = ProcessPoolExecutor(workers) if workers > 1 else None

    def map(self, fn, shared, items: list) -> list:
        if self.pool is None:
            return [fn(shared, item) for item in items]
        return list(self.pool.map(fn, [shared] * len(items), items))


def _versions() -> dict:
    out = {}
    for name in ("numpy", "gymnasium", "mujoco"):
        try:
            out[name] = version(name)
        except PackageNotFoundError:
            out[name] = None
    return out


def run_worker(spec: dict, out: Path, method: str, seed: int, swarm_workers: int, commit: str) -> None:
    from hsokv.benchmarks.rl.lineage import run_lineage
    from hsokv.benchmarks.rl.protocol import run_baseline, run_swarm
    from hsokv.io import read_json, write_json

    start = time.perf_counter()
    if method == "swarm":
        result = run_swarm(spec, seed, PoolMap(swarm_workers))
        result["workers"] = swarm_workers
    else:
        budget = read_json(out / f"{label('swarm', seed)}.json")["env_steps"]
        if method == "lineage":
            result = run_lineage(spec, seed, PoolMap(swarm_workers), budget)
            result["workers"] = swarm_workers
        else:
            result = run_baseline(spec, method, seed, budget)
    result.update({"spec": spec, "commit": commit, "cpu_count": os.cpu_count(), "host": platform.node(),
                   "processor": platform.processor(), "python": platform.python_version(), "versions": _versions(),
                   "job_seconds": time.perf_counter() - start})
    write_json(out / f"{label(method, seed)}.json", result)


def write_spec(path: Path, params: Path, preset: str) -> None:
    """The `distributed` section as `preset` resolves it, with its seeds, as JSON."""
    import yaml

    from hsokv.benchmarks.rl import config as _section  # noqa: F401  (registers the section)
    from hsokv.config import resolve
    raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    raw["preset"] = preset
    cfg = resolve(raw)
    spec = {**cfg.distributed.model_dump(), "preset": preset, "seeds": list(cfg.seeds)}
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write-spec", metavar="PATH", help="write the spec for --preset and stop")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--preset", default="research")
    p.add_argument("--spec")
    p.add_argument("--out")
    p.add_argument("--seeds", type=int, nargs="+", help="default: the spec's")
    p.add_argument("--methods", nargs="+", default=list(METHODS), choices=METHODS)
    p.add_argument("--parallel", type=int, default=1, help="jobs at once")
    p.add_argument("--swarm-workers", type=int, default=1, help="processes of each swarm job's trials")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--worker", metavar="METHOD:SEED", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.write_spec:
        write_spec(Path(args.write_spec), Path(args.params), args.preset)
        return
    if not (args.spec and args.out):
        p.error("--spec and --out are required to run")
    try:
        spec = read_spec(Path(args.spec))
    except ValueError as err:
        p.error(f"--spec: {err}")
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.worker:
        method, seed = args.worker.split(":")
        run_worker(spec, out, method, int(seed), args.swarm_workers, args.commit)
        return
    lineage = spec.get("lineage", {}).get("enabled", False)   # specs written before the lineage mode lack it
    todo = [(m, s) for s in (args.seeds or spec["seeds"]) for m in args.methods
            if (m != "lineage" or lineage) and not (out / f"{label(m, s)}.json").exists()]
    # A baseline runs at its seed's swarm budget: it waits for that swarm's job, or needs its file
    # from an earlier session.
    swarms = {s for m, s in todo if m == "swarm"}
    stuck = [job for job in todo if job[0] != "swarm" and job[1] not in swarms
             and not (out / f"{label('swarm', job[1])}.json").exists()]
    jobs = [(label(*job), [sys.executable, "-m", "hsokv.benchmarks.rl.runner", "--spec", args.spec, "--out", args.out,
                           "--worker", f"{job[0]}:{job[1]}", "--swarm-workers", str(args.swarm_workers),
                           "--commit", args.commit]) for job in todo if job not in stuck]
    needs = {label(m, s): [label("swarm", s)] for m, s in todo if m != "swarm" and s in swarms}
    failed = run_parallel(jobs, out / "logs", args.parallel, needs=needs, poll=1.0,
                          env={"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"})   # one core per episode loop
    if stuck:
        sys.exit(f"cannot start {stuck}: their seed's swarm result is missing (its job failed?)")
    if failed:
        sys.exit(f"failed: {failed}")


if __name__ == "__main__":
    main()
