"""The swarm's trials spread over 1, 2, 4 ... workers of one backend (hsokv.search.backends), and
the comparison run beside it.

Scaling is strong scaling: every worker count runs the same swarm with the same seed, so the work
(and every number the swarm produces) is identical and only the wall time may differ; run_seed
checks that. Wall time is measured from when every worker is up (Ray started, processes spawned:
reported as startup_seconds) to the swarm's last trial. speedup(n) = wall(1 worker) / wall(n);
throughput = environment steps / wall. The simulate backend reports its modelled time instead.
The first worker count's run is the comparison's swarm run; ES and ARS then run side by side as
two tasks of a 2-worker backend.
"""
from __future__ import annotations

import importlib.util
import os
import time

from hsokv.benchmarks.rl.protocol import run_baseline_job, run_swarm
from hsokv.errors import ConfigError
from hsokv.search.backends import BACKENDS


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
    return BACKENDS.get(name)(workers, d["max_retries"], d["ray_address"], **kwargs)


def _worker_ready(_shared, index: int) -> int:
    return index


def timed_swarm(d: dict, seed: int, backend_name: str, workers: int, curve: bool = False, **kwargs) -> dict:
    startup = time.perf_counter()
    with make_policy_backend(d, backend_name, workers) as backend:
        # Bring every worker up before the clock starts: a cluster is started once, not per job.
        backend.map(_worker_ready, None, list(range(workers)))
        startup = time.perf_counter() - startup
        out = run_swarm(d, seed, backend, curve=curve, **kwargs)
        retries = list(backend.failures)
    return {**out, "backend": backend_name, "workers": workers, "startup_seconds": startup, "retries": retries,
            "env_steps_per_second": out["env_steps"] / out["wall_seconds"]}


def run_seed(d: dict, seed: int, backend_name: str, on_run=None) -> dict:
    """The scaling sweep of one seed (the first worker count's run with its curve), then ES and ARS
    at that run's environment steps."""
    sweep = []
    for i, n in enumerate(d["node_counts"]):
        r = timed_swarm(d, seed, backend_name, n, curve=(i == 0))
        if sweep and (r["theta"] != sweep[0]["theta"] or r["evaluation"] != sweep[0]["evaluation"]):
            raise ResultsDiffer(f"seed {seed}: {n} workers gave a different best policy than {sweep[0]['workers']} "
                                f"on the {backend_name} backend")
        sweep.append(r)
        if on_run is not None:
            on_run(r)
    budget = sweep[0]["env_steps"]
    with make_policy_backend(d, backend_name, 2) as backend:
        baselines = backend.map(run_baseline_job, d, [(m, seed, budget) for m in ("es", "ars")])
    for b in baselines:
        if on_run is not None:
            on_run(b)
    return {"seed": seed, "sweep": sweep, "methods": {"swarm": sweep[0], **{b["method"]: b for b in baselines}}}


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
