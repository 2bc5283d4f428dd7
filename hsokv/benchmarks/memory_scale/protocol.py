"""Retrieval at scale: hsokv.retrieval's exact top-k over an EpisodicMemory against faiss's exact IndexFlatIP on the same data.

Both do exact maximum-inner-product search by brute force, so the comparison is of
implementations, not of approximations; top-1 slots must agree. Times are medians over
`repeats` calls after one warm-up; GPU calls are synchronised before the clock is read.

faiss runs at its best setting: its flat index answers a batch of fewer queries than
`faiss.cvar.distance_compute_blas_threshold` with a loop of dot products, and a larger one with
one BLAS matrix product. faiss 1.15 ships the threshold at 128000, so a batch of 256 took the
loop, about 6x slower than BLAS at 1e5 x 256 on 2 cores; it is set to FAISS_BLAS_THRESHOLD
here (and stated in the metrics).
"""
from __future__ import annotations

import statistics
import time

import faiss
import numpy as np
import torch

from hsokv.benchmarks.memory_scale.config import MemoryScaleConfig
from hsokv.episodic import EpisodicMemory
from hsokv.retrieval import Retrieval

# faiss's earlier default. Measured at 1e5 x 256, batch 256, top-10 on 2 lightly loaded cores
# (medians of 3 rounds): 380 queries/s at the shipped 128000, 2,361 at 20; 1, 128, 256 and 1,024
# were about as fast as 20.
FAISS_BLAS_THRESHOLD = 20


def faiss_settings() -> dict:
    return {"index": "IndexFlatIP", "version": faiss.__version__, "omp_threads": faiss.omp_get_max_threads(),
            "distance_compute_blas_threshold": faiss.cvar.distance_compute_blas_threshold}


def _median_seconds(fn, repeats: int, device: torch.device) -> float:
    def timed():
        if device.type == "cuda":
            torch.cuda.synchronize()
        start = time.perf_counter()
        fn()
        if device.type == "cuda":
            torch.cuda.synchronize()
        return time.perf_counter() - start
    timed()  # warm-up
    return statistics.median(timed() for _ in range(repeats))


def run(cfg: MemoryScaleConfig, devices: list[torch.device], seed: int = 0) -> list[dict]:
    faiss.omp_set_num_threads(torch.get_num_threads())
    faiss.cvar.distance_compute_blas_threshold = FAISS_BLAS_THRESHOLD
    rows = []
    g = torch.Generator().manual_seed(seed)
    for n in cfg.sizes:
        keys = torch.randn(n, cfg.dim, generator=g)
        queries = torch.randn(cfg.batch_size, cfg.dim, generator=g)
        index = faiss.IndexFlatIP(cfg.dim)
        index.add(keys.numpy())
        for device in devices:
            memory, retrieval = EpisodicMemory(n, {}, cfg.dim).to(device), Retrieval("dot")
            memory.add(keys)
            q = queries.to(device)
            for k in cfg.top_k:
                with torch.no_grad():
                    t_mem = _median_seconds(lambda: retrieval.retrieve(memory, q, k), cfg.repeats, device)
                    _, idx = retrieval.retrieve(memory, q, k)
                t_faiss = _median_seconds(lambda: index.search(queries.numpy(), k), cfg.repeats, torch.device("cpu"))
                _, faiss_idx = index.search(queries.numpy(), k)
                rows.append({"entries": n, "dim": cfg.dim, "batch": cfg.batch_size, "k": k, "device": device.type,
                             "hsokv_queries_per_s": cfg.batch_size / t_mem,
                             "faiss_cpu_queries_per_s": cfg.batch_size / t_faiss,
                             "ratio_to_faiss": t_faiss / t_mem,
                             "top1_identical": bool(np.array_equal(idx[:, 0].cpu().numpy(), faiss_idx[:, 0]))})
            del memory
    return rows
