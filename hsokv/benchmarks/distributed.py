"""Distributed swarm benchmark: the hierarchical swarm (hsokv.search.swarm) improving CartPole-v1
policies by ES, its trials spread over 1, 2, 4 ... workers of one backend.

Wall time is measured from when every worker is up (Ray started, processes spawned: reported
separately as startup_seconds) to the swarm's last trial. Scaling is strong scaling: every node count runs the same swarm with the same seeds, so the work
(and every number the swarm produces) is identical and only the wall time may differ; the stage
checks that. speedup(n) = wall(1 worker) / wall(n workers); throughput = environment steps / wall.
The simulate backend reports its modelled time instead of the measured one.

Run as a script, the same sweep runs on a host without DVC, params.yaml or pydantic (numpy,
gymnasium and ray suffice), from a spec written here first, and writes one JSON (`scaling`):

    python -m hsokv.benchmarks.distributed --write-spec spec.json --preset research
    python -m hsokv.benchmarks.distributed --spec spec.json --workers 1 2 4 8 16 --out scaling.json \\
        --commit $(git rev-parse HEAD)

It records the 1-minute load average before each run: on a shared machine other people's work
slows the larger worker counts most, so read its speedups with the load.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import platform
import time
from importlib import metadata
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

import numpy as np

from hsokv.errors import ConfigError
from hsokv.io import write_json
from hsokv.report import summarize
from hsokv.rl import PolicyTask, evaluate_policy, run_policy_trial
from hsokv.search.backends import BACKENDS
from hsokv.search.space import SearchSpace
from hsokv.search.swarm import Swarm
from hsokv.search.tracking import SearchLog

if TYPE_CHECKING:   # no pydantic at run time: the scaling sweep below runs with ray, gymnasium, numpy only
    from hsokv.config import PipelineConfig


class ResultsDiffer(RuntimeError):
    """Two node counts gave different swarm results: the run is not deterministic."""


def resolve_backend(name: str) -> str:
    if name == "auto":
        return "ray" if importlib.util.find_spec("ray") is not None else "multiprocessing"
    if name == "ray" and importlib.util.find_spec("ray") is None:
        raise ConfigError("distributed.backend is 'ray' but ray is not importable; install it (requirements.txt "
                          "pins it) or choose simulate, serial or multiprocessing")
    return name


def make_policy_backend(cfg: PipelineConfig, name: str, workers: int):
    d = cfg.distributed
    kwargs = ({"step_seconds": d.simulate_step_seconds, "latency_seconds": d.simulate_latency_seconds}
              if name == "simulate" else {})
    return BACKENDS.get(name)(workers, d.max_retries, d.ray_address, key="distributed", **kwargs)


def _worker_ready(_shared, index: int) -> int:
    return index


def policy_task(cfg: PipelineConfig) -> PolicyTask:
    d = cfg.distributed
    return PolicyTask(d.env_id, d.policy, d.hidden_size, d.population)


def run_swarm(cfg: PipelineConfig, seed: int, backend_name: str, workers: int, run=run_policy_trial) -> dict:
    """One swarm run on `workers` workers: its best policy's evaluation, its reward curve, timing."""
    d = cfg.distributed
    task = policy_task(cfg)
    log = SearchLog()
    startup = time.perf_counter()
    with make_policy_backend(cfg, backend_name, workers) as backend:
        # Bring every worker up before the clock starts: a cluster is started once, not per job.
        backend.map(_worker_ready, None, list(range(workers)))
        startup = time.perf_counter() - startup
        load = os.getloadavg()[0]   # others' work on a shared machine slows a run; report it beside the time
        start = time.perf_counter()
        Swarm(task, SearchSpace(d.swarm.space), d.swarm, backend, seed, log, run=run).run()
        wall = backend.clock if backend_name == "simulate" else time.perf_counter() - start
        failures, nodes_lost = list(backend.failures), list(backend.nodes_lost)
    env_steps = sum(t["env_steps"] for t in log.trials)
    best = log.best
    return {"seed": seed, "backend": backend_name, "workers": workers, "wall_seconds": wall,
            "startup_seconds": startup, "load_average_before": load,
            "simulated": backend_name == "simulate", "env_steps": env_steps,
            "env_steps_per_second": env_steps / wall, "retries": failures, "nodes_lost": nodes_lost,
            "best_values": best.values, "best_score": best.score, "best_lineage_generations": best.state.steps,
            "theta": [float(x) for x in best.state.theta],
            "reward_curve": [{"iteration": r["iteration"], "best_score": r["best_score"], "generations": r["steps"]}
                             for r in log.iterations],
            "evaluation": evaluate_policy(task, best.state.theta, d.eval_episodes, seed)}


def run_seed(cfg: PipelineConfig, seed: int, backend_name: str, on_run=None) -> list[dict]:
    runs = []
    for n in cfg.distributed.node_counts:
        r = run_swarm(cfg, seed, backend_name, n)
        if runs and (r["theta"] != runs[0]["theta"] or r["evaluation"] != runs[0]["evaluation"]):
            raise ResultsDiffer(f"seed {seed}: {n} workers gave a different best policy than {runs[0]['workers']} "
                                f"on the {backend_name} backend")
        runs.append(r)
        if on_run is not None:
            on_run(r)
    return runs


def summary(per_seed: list[list[dict]], cfg: PipelineConfig, backend_name: str) -> dict:
    d = cfg.distributed
    evals = [runs[0]["evaluation"]["mean_return"] for runs in per_seed]
    out = {"preset": cfg.preset, "env_id": d.env_id, "policy": d.policy, "backend": backend_name,
           "seeds": [runs[0]["seed"] for runs in per_seed], "node_counts": d.node_counts,
           "eval_episodes": d.eval_episodes, "solved_return": d.solved_return,
           "mean_return": summarize(evals),
           "solved_seeds": sum(e >= d.solved_return for e in evals),
           "retries": sum(len(r["retries"]) for runs in per_seed for r in runs),
           "nodes_lost": sum(len(r["nodes_lost"]) for runs in per_seed for r in runs),
           "timing": {"simulated": backend_name == "simulate", "cpu_count": _cpu_count(), "by_workers": {}}}
    for i, n in enumerate(d.node_counts):
        rows = [runs[i] for runs in per_seed]
        out["timing"]["by_workers"][str(n)] = {
            "wall_seconds": summarize([r["wall_seconds"] for r in rows]),
            "speedup": summarize([runs[0]["wall_seconds"] / runs[i]["wall_seconds"] for runs in per_seed]),
            "env_steps_per_second": summarize([r["env_steps_per_second"] for r in rows])}
    return out


def _cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()


def reward_curve_rows(per_seed: list[list[dict]]) -> list[dict]:
    """Best score after each meta-iteration, mean over seeds (the same for every node count)."""
    curves = np.array([[p["best_score"] for p in runs[0]["reward_curve"]] for runs in per_seed])
    gens = [p["generations"] for p in per_seed[0][0]["reward_curve"]]
    return [{"iteration": i, "generations": g, "best_return": float(m), "std": float(s)}
            for i, (g, m, s) in enumerate(zip(gens, curves.mean(0), curves.std(0)))]


# -- the scaling sweep on a bare host -----------------------------------------------------------
def write_spec(path: Path, params: Path, preset: str) -> None:
    """The `distributed` section (and seeds) as `preset` resolves them, as JSON. Needs pydantic."""
    from hsokv.config import read_params, resolve
    raw = read_params(params)
    raw["preset"] = preset
    cfg = resolve(raw)
    write_json(path, {"preset": cfg.preset, "seeds": cfg.seeds, "distributed": cfg.distributed.model_dump()})


def config_from_spec(spec: dict, workers: list[int], seeds: list[int] | None) -> SimpleNamespace:
    """An object with the attributes run_seed and summary read from a PipelineConfig."""
    d = dict(spec["distributed"], node_counts=workers)
    swarm = dict(d["swarm"], space={name: SimpleNamespace(**dim) for name, dim in d["swarm"]["space"].items()})
    d["swarm"] = SimpleNamespace(**swarm)
    return SimpleNamespace(preset=spec["preset"], seeds=seeds or spec["seeds"], distributed=SimpleNamespace(**d))


def versions() -> dict:
    out = {"python": platform.python_version(), "platform": platform.platform(), "cpu_count": _cpu_count()}
    for package in ("ray", "gymnasium", "numpy"):
        try:
            out[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            out[package] = None
    return out


def scaling(spec: dict, workers: list[int], seeds: list[int] | None, backend: str = "ray", log=print) -> dict:
    """The stage's sweep (run_seed) from a spec: every seed on each worker count, and its summary."""
    cfg = config_from_spec(spec, workers, seeds)

    def report(r):
        log(f"seed {r['seed']} {backend} x{r['workers']}: {r['wall_seconds']:.2f}s "
            f"(1-min load before {r['load_average_before']:.2f}), {r['env_steps_per_second']:.0f} env steps/s")
    per_seed = [run_seed(cfg, seed, backend, on_run=report) for seed in cfg.seeds]
    return {"summary": summary(per_seed, cfg, backend), "runs": per_seed, "spec": spec, "host": versions()}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
                                     prog="python -m hsokv.benchmarks.distributed")
    parser.add_argument("--write-spec", type=Path, help="write the spec for --preset from --params, then stop")
    parser.add_argument("--params", type=Path, default=Path("params.yaml"))
    parser.add_argument("--preset", default="research")
    parser.add_argument("--spec", type=Path, help="the spec to run (from --write-spec)")
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4, 8, 16])
    parser.add_argument("--seeds", type=int, nargs="+", help="default: the spec's seeds")
    parser.add_argument("--backend", default="ray", help="ray (what is measured) or any other backend, e.g. for a test")
    parser.add_argument("--out", type=Path, default=Path("scaling.json"))
    parser.add_argument("--commit", default=None, help="the git commit measured, recorded in the output")
    args = parser.parse_args(argv)
    if args.write_spec:
        write_spec(args.write_spec, args.params, args.preset)
        return
    if args.spec is None:
        parser.error("give --spec (written by --write-spec) or --write-spec")
    if args.workers[0] != 1:
        parser.error("--workers must start with 1: speedups are relative to one worker")
    result = scaling(json.loads(args.spec.read_text(encoding="utf-8")), args.workers, args.seeds, args.backend,
                     log=lambda line: print(line, flush=True))
    result["commit"] = args.commit
    write_json(args.out, result)
    by = result["summary"]["timing"]["by_workers"]
    print(f"{args.out}: workers, mean wall seconds, speedup (mean ± 95% CI over {len(result['summary']['seeds'])} seed(s))")
    for n in args.workers:
        wall, speedup = by[str(n)]["wall_seconds"], by[str(n)]["speedup"]
        ci = "" if speedup["ci95"] is None else f" ± {speedup['ci95']:.2f}"
        print(f"{n:4d}  {wall['mean']:8.2f}  {speedup['mean']:.2f}{ci}")


if __name__ == "__main__":
    # Through the imported module, not this __main__ copy, so Ray workers unpickle its functions by name.
    from hsokv.benchmarks.distributed import main as _main
    _main()
