"""Wall time of one swarm run on each execution backend, and a check that all give the same result.

Every trial runs on one thread whatever the backend (hsokv.benchmarks.words.objective), so the serial run
is the one-worker baseline and a speedup is the backend's parallelism over agents alone.
"""
from __future__ import annotations

import time

from hsokv.benchmarks.words.objective import SearchTask, WordsObjective
from hsokv.config import PipelineConfig
from hsokv.search.backends import make_backend
from hsokv.search.strategies import run_search


def time_backends(task: SearchTask, cfg: PipelineConfig, seed: int) -> dict:
    rows, reference = [], None
    runs = [("serial", 1)] + [(b, w) for b in cfg.swarm.timing_backends if b != "serial"
                              for w in cfg.swarm.timing_workers]
    for backend_name, workers in runs:
        swarm_cfg = cfg.swarm.model_copy(update={"backend": backend_name, "workers": workers})
        start = time.perf_counter()  # includes starting the pool / Ray: a user pays for it too
        with make_backend(swarm_cfg) as backend:
            result, _ = run_search("swarm", WordsObjective(task), swarm_cfg, backend, seed)
        wall = time.perf_counter() - start
        scores = [t["score"] for t in result["trials"]]
        reference = reference or scores
        rows.append({"backend": backend_name, "workers": workers, "wall_seconds": wall,
                     "search_seconds": result["wall_seconds"], "same_result_as_serial": scores == reference,
                     "best_validation_accuracy": result["best"]["validation_accuracy"],
                     "task_failures_retried": len(result["failures"])})
    serial = rows[0]["wall_seconds"]
    for row in rows:
        row["time_vs_serial"] = row["wall_seconds"] / serial
        row["speedup"] = serial / row["wall_seconds"]
    return {"seed": seed, "steps": result["steps_used"], "runs": rows}
