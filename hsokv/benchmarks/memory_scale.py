"""Retrieval at scale: KeyValueMemory.retrieve against faiss's exact IndexFlatIP on the same data.

Both do exact maximum-inner-product search by brute force, so the comparison is of
implementations, not of approximations; top-1 slots must agree. Times are medians over
`repeats` calls after one warm-up; GPU calls are synchronised before the clock is read.
"""
from __future__ import annotations

import statistics
import time

import faiss
import numpy as np
import torch

from hsokv.config import MemoryScaleConfig
from hsokv.memory import KeyValueMemory


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
    rows = []
    g = torch.Generator().manual_seed(seed)
    for n in cfg.sizes:
        keys = torch.randn(n, cfg.dim, generator=g)
        queries = torch.randn(cfg.batch_size, cfg.dim, generator=g)
        index = faiss.IndexFlatIP(cfg.dim)
        index.add(keys.numpy())
        for device in devices:
            memory = KeyValueMemory(cfg.dim, n, 1, "dot", device=device)
            memory.write(keys, torch.arange(n) % 1000, torch.zeros(n, 1, dtype=torch.long), torch.arange(n), 0)
            q = queries.to(device)
            for k in cfg.top_k:
                with torch.no_grad():
                    t_mem = _median_seconds(lambda: memory.retrieve(q, k), cfg.repeats, device)
                    _, idx = memory.retrieve(q, k)
                t_faiss = _median_seconds(lambda: index.search(queries.numpy(), k), cfg.repeats, torch.device("cpu"))
                _, faiss_idx = index.search(queries.numpy(), k)
                rows.append({"entries": n, "dim": cfg.dim, "batch": cfg.batch_size, "k": k, "device": device.type,
                             "hsokv_queries_per_s": cfg.batch_size / t_mem,
                             "faiss_cpu_queries_per_s": cfg.batch_size / t_faiss,
                             "ratio_to_faiss": t_faiss / t_mem,
                             "top1_identical": bool(np.array_equal(idx[:, 0].cpu().numpy(), faiss_idx[:, 0]))})
            del memory
    return rows
