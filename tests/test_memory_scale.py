import torch

from hsokv.benchmarks.memory_scale import run
from hsokv.config import MemoryScaleConfig


def test_small_scale_run_matches_faiss_top1():
    rows = run(MemoryScaleConfig(sizes=[50, 500], dim=16, batch_size=32, top_k=[1, 5], repeats=1),
               [torch.device("cpu")])
    assert len(rows) == 4
    assert all(r["top1_identical"] for r in rows)
    assert all(r["hsokv_queries_per_s"] > 0 and r["faiss_cpu_queries_per_s"] > 0 for r in rows)
