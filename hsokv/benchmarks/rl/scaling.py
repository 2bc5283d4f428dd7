"""The swarm's trials spread over 1, 2, 4 ... workers of one backend (hsokv.search.backends), and
the comparison run beside it.

Scaling is strong scaling: every worker count runs the same swarm with the same seed, so the work
(and every number the swarm produces) is identical and only the wall time may differ; sweep
checks that. Wall time is measured from when every worker is up (Ray started, processes spawned:
reported as startup_seconds; the stage starts one local Ray for all its runs, run_seeds, so there it
is the workers' start only) to the swarm's last trial. speedup(n) = wall(1 worker) / wall(n);
throughput = environment steps / wall. The simulate backend reports its modelled time instead.
The first worker count's run is the comparison's swarm run; the lineage-mode swarm, ES and ARS then
run side by side as tasks of a 2-worker backend, at its environment steps.

Run as a script, the sweep alone (no ES or ARS) runs on a host without DVC, params.yaml or
pydantic (numpy, gymnasium (+ mujoco for Hopper) and ray suffice), from the research runner's
spec (written where pydantic is installed), and writes one JSON:

    python -m hsokv.benchmarks.rl.runner --write-spec spec.json --preset research
    python -m hsokv.benchmarks.rl.scaling --spec spec.json --workers 1 2 4 8 16 --out scaling.json \
        --commit $(git rev-parse HEAD) [--rounds 2]
    python -m hsokv.benchmarks.rl.scaling --merge seed0.json seed1.json ... --out scaling.json

It records the 1-minute load average before each run: on a shared machine other people's work
slows the larger worker counts most, so read its speedups with the load.
On the lent GPU host, research/rl_scaling/gpu_prepare.sh and gpu_launch.sh carry the wheels and start
it pinned to a set of cores (DEVELOPERS.md).
"""
from __future__ import annotations

import argparse
import contextlib
import importlib.util
import os
import platform
import time
from importlib import metadata
from pathlib import Path

from hsokv.benchmarks.rl.lineage import run_lineage_job
from hsokv.benchmarks.rl.protocol import run_baseline_job, run_swarm
from hsokv.benchmarks.rl.report import timing
from hsokv.benchmarks.rl.spec import missing_spec_key, read_spec
from hsokv.errors import ConfigError
from hsokv.io import JsonFileError, read_json, write_json
from hsokv.search.backends import BACKENDS, ray_session


class ResultsDiffer(RuntimeError):
    """Two worker counts gave different swarm results: the run is not deterministic."""


def resolve_backend(name: str) -> str:
    if name == "auto":
        return "ray" if importlib.util.find_spec("ray") is not None else "multiprocessing"
    if name == "ray" and importlib.util.find_spec("ray") is None:
        raise ConfigError("distributed.backend is 'ray' but ray is not importable; install it (requirements.txt "
                          "pins it) or choose simulate, serial or multiprocessing")
    return name


def make_policy_backend(d: dict, name: str, workers: int):
    kwargs = ({"step_seconds": d["simulate_step_seconds"], "latency_seconds": d["simulate_latency_seconds"]}
              if name == "simulate" else {})
    return BACKENDS.get(name)(workers, d["max_retries"], d["ray_address"], key="distributed", **kwargs)


def _worker_ready(_shared, index: int) -> int:
    return index


def timed_swarm(d: dict, seed: int, backend_name: str, workers: int, curve: bool = False, **kwargs) -> dict:
    startup = time.perf_counter()
    with make_policy_backend(d, backend_name, workers) as backend:
        # Bring every worker up before the clock starts: a cluster is started once, not per job.
        backend.map(_worker_ready, None, list(range(workers)))
        startup = time.perf_counter() - startup
        load = os.getloadavg()[0]   # others' work on a shared machine slows a run; report it beside the time
        out = run_swarm(d, seed, backend, curve=curve, **kwargs)
        retries, nodes_lost = list(backend.failures), list(backend.nodes_lost)
    return {**out, "backend": backend_name, "workers": workers, "startup_seconds": startup, "retries": retries,
            "nodes_lost": nodes_lost, "load_average_before": load,
            "env_steps_per_second": out["env_steps"] / out["wall_seconds"]}


def sweep(d: dict, seed: int, backend_name: str, on_run=None, curve: bool = True, rounds: int = 1) -> list[dict]:
    """The swarm of one seed on each of d["node_counts"] workers (with `curve`, the first run's curve),
    `rounds` times in alternating order (1 2 4 8, then 8 4 2 1, ...): a host whose speed drifts during a
    seed (a shared machine's did by ~20%) then slows every worker count alike on average. The runs in
    the order they ran; report.timing averages a worker count's runs."""
    counts = d["node_counts"]
    order = [n for r in range(rounds) for n in (counts if r % 2 == 0 else counts[::-1])]
    runs = []
    for i, n in enumerate(order):
        # the held-out evaluation is a function of the policy and its settings: run once, on the first
        r = timed_swarm(d, seed, backend_name, n, curve=curve and i == 0, evaluate=i == 0)
        if runs:
            if r["theta"] != runs[0]["theta"] or r["best_values"] != runs[0]["best_values"]:
                raise ResultsDiffer(f"seed {seed}: {n} workers gave a different best policy than "
                                    f"{runs[0]['workers']} on the {backend_name} backend")
            r["evaluation"] = runs[0]["evaluation"]
        runs.append(r)
        if on_run is not None:
            on_run(r)
    return runs


def comparison_job(d: dict, job: tuple[str, int, int]) -> dict:
    """(method, seed, budget): ES, ARS or the lineage-mode swarm (its trials in this task's process)."""
    return run_lineage_job(d, job) if job[0] == "lineage" else run_baseline_job(d, job)


def run_seeds(d: dict, seeds: list[int], backend_name: str, on_run=None) -> list[dict]:
    """Per seed: the scaling sweep, then (with distributed.lineage.enabled) the lineage-mode swarm, ES
    and ARS at its first run's environment steps. Every seed's sweep runs first, alone on the machine
    (it is timed); then all seeds' comparison runs as one batch of tasks on a 2-worker backend, which
    keeps both workers busy (three runs a seed on two workers left one idle for most of a run).
    On a local Ray all of it shares one Ray of max(node_counts, 2) CPUs, started once (each backend
    still runs its `workers` tasks at a time): a Ray per run cost ~7 s of start-up and left the timed
    part with cold workers. Its start is then outside every run's startup_seconds."""
    shared = (ray_session(max(*d["node_counts"], 2), d["ray_address"]) if backend_name == "ray"
              else contextlib.nullcontext())
    followers = (("lineage",) if d["lineage"]["enabled"] else ()) + ("es", "ars")
    with shared:
        sweeps = {seed: sweep(d, seed, backend_name, on_run) for seed in seeds}
        jobs = [(m, seed, sweeps[seed][0]["env_steps"]) for seed in seeds for m in followers]
        with make_policy_backend(d, backend_name, 2) as backend:
            baselines = backend.map(comparison_job, d, jobs)
    for b in baselines:
        if on_run is not None:
            on_run(b)
    return [{"seed": seed, "sweep": sweeps[seed],
             "methods": {"swarm": sweeps[seed][0], **{b["method"]: b for b in baselines if b["seed"] == seed}}}
            for seed in seeds]


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


# -- the sweep as a script, for a bare many-core host ----------------------------------------------
def versions() -> dict:
    out = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": cpu_count()}
    for package in ("ray", "gymnasium", "mujoco", "numpy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def scaling(spec: dict, workers: list[int], seeds: list[int] | None, backend: str = "ray", log=print,
            rounds: int = 1) -> dict:
    """The stage's sweep from a spec (the runner's: the resolved `distributed` section with its
    seeds): every seed on each worker count (`rounds` times, see sweep), and the stage's timing summary."""
    d = {**spec, "node_counts": workers}

    def report(r):
        log(f"seed {r['seed']} {backend} x{r['workers']}: {r['wall_seconds']:.2f}s "
            f"(1-min load before {r['load_average_before']:.2f}), {r['env_steps_per_second']:.0f} env steps/s, "
            f"{len(r['retries'])} retried task(s), {len(r['nodes_lost'])} node(s) lost")
    per_seed = [{"seed": seed, "sweep": sweep(d, seed, backend, on_run=report, curve=False, rounds=rounds)}
                for seed in seeds or spec["seeds"]]
    return {"summary": timing(per_seed, d, backend, cpu_count()), "runs": per_seed, "spec": spec, "host": versions()}


def merge(results: list[dict], sources: list[str]) -> dict:
    """One sweep's result from several runs of the script on the same spec and worker counts (e.g. one
    seed each, so a lease that ends mid-sweep keeps the seeds it finished): their runs together and the
    summary over all of them. Results whose spec, worker counts or backend differ are refused."""
    first, src = results[0], sources[0]
    workers = list(first["summary"]["by_workers"])
    for r, name in zip(results[1:], sources[1:]):
        for what, a, b in (("spec", r["spec"], first["spec"]), ("worker counts", list(r["summary"]["by_workers"]), workers),
                           ("backend", r["summary"]["backend"], first["summary"]["backend"])):
            if a != b:
                raise ConfigError(f"{name}: its {what} differs from {src}'s; only runs of one sweep merge")
    per_seed = [run for r in results for run in r["runs"]]
    seeds = [run["seed"] for run in per_seed]
    if len(set(seeds)) != len(seeds):
        raise ConfigError(f"seeds {sorted(seeds)}: a seed appears in more than one of {sources}")
    d = {**first["spec"], "node_counts": [int(n) for n in workers]}
    return {"summary": timing(per_seed, d, first["summary"]["backend"], first["summary"]["cpu_count"]),
            "runs": per_seed, "spec": first["spec"], "host": first["host"],
            "commit": sorted({c for r in results for c in _as_list(r.get("commit"))}, key=str),
            # a merged file merges again (a later lease's seeds): its commits and sources are kept, not nested
            "merged_from": [s for r, name in zip(results, sources) for s in r.get("merged_from", [name])]}


def _as_list(value) -> list:
    return value if isinstance(value, list) else [value]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     prog="python -m hsokv.benchmarks.rl.scaling")
    parser.add_argument("--spec", type=Path,
                        help="the spec to run: python -m hsokv.benchmarks.rl.runner --write-spec PATH --preset P")
    parser.add_argument("--merge", type=Path, nargs="+",
                        help="instead of running: merge these outputs of one sweep (one seed each, say) into --out")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--seeds", type=int, nargs="+", help="default: the spec's seeds")
    parser.add_argument("--rounds", type=int, default=1,
                        help="runs of each worker count a seed, in alternating order (1 2 4 8, 8 4 2 1, ...); "
                             "a speedup is then the ratio of mean wall times, so drift of the host cancels")
    parser.add_argument("--backend", default="ray", help="ray (what is measured) or any other backend, e.g. for a test")
    parser.add_argument("--out", type=Path, default=Path("scaling.json"))
    parser.add_argument("--commit", default=None, help="the git commit measured, recorded in the output")
    args = parser.parse_args(argv)
    if (args.spec is None) == (args.merge is None):
        parser.error("give --spec (run a sweep) or --merge (combine sweeps' outputs), not both or neither")
    if args.merge:
        missing = [str(f) for f in args.merge if not f.is_file()]
        if missing:
            parser.error(f"--merge: no such file {', '.join(missing)}")
        try:
            # sources are recorded by file name: a path like /tmp/seed-4.json means nothing in the repository
            result = merge([read_result(f) for f in args.merge], [f.name for f in args.merge])
        except (ConfigError, JsonFileError) as e:
            parser.error(f"--merge: {e}")
        write_json(args.out, result)
        report_summary(args.out, result)
        return
    if args.workers[0] != 1:
        parser.error("--workers must start with 1: speedups are relative to one worker")
    if args.rounds < 1:
        parser.error(f"--rounds must be at least 1, got {args.rounds}")
    try:
        spec = read_spec(args.spec)
    except ValueError as err:
        parser.error(f"--spec: {err}")
    try:
        result = scaling(spec, args.workers, args.seeds, args.backend, log=lambda line: print(line, flush=True),
                         rounds=args.rounds)
    except KeyError as err:
        message = missing_spec_key(err, spec, args.spec)
        if message is None:
            raise
        parser.error(f"--spec: {message}")
    result["commit"] = args.commit
    write_json(args.out, result)
    report_summary(args.out, result)


def read_result(path: Path) -> dict:
    """A file this script wrote (one sweep's result), or JsonFileError naming it."""
    hint = "give files this script wrote with --spec or --merge"
    try:
        result = read_json(path)
    except JsonFileError:
        raise JsonFileError(f"{path}: not valid JSON (truncated or corrupt?); {hint}") from None
    missing = [k for k in ("summary", "runs", "spec", "host") if not isinstance(result, dict) or k not in result]
    if missing:
        raise JsonFileError(f"{path}: not a scaling result (no {', '.join(map(repr, missing))}); {hint}")
    return result


def report_summary(out: Path, result: dict) -> None:
    by = result["summary"]["by_workers"]
    print(f"{out}: workers, mean wall seconds, speedup (mean ± 95% CI over {len(result['runs'])} seed(s))")
    for n, row in by.items():
        wall, speedup = row["wall_seconds"], row["speedup"]
        ci = "" if speedup["ci95"] is None else f" ± {speedup['ci95']:.2f}"
        print(f"{int(n):4d}  {wall['mean']:8.2f}  {speedup['mean']:.2f}{ci}")


if __name__ == "__main__":
    # Through the imported module, not this __main__ copy, so Ray workers unpickle its functions by name.
    from hsokv.benchmarks.rl.scaling import main as _main
    _main()
