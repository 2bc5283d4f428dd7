import json
import subprocess
import sys

import faiss
import torch
import yaml

from conftest import REPO
from hsokv.benchmarks.memory_scale.config import MemoryScaleConfig
from hsokv.benchmarks.memory_scale.protocol import FAISS_BLAS_THRESHOLD, run


def test_small_scale_run_matches_faiss_top1():
    rows = run(MemoryScaleConfig(sizes=[50, 500], dim=16, batch_size=32, top_k=[1, 5], repeats=1),
               [torch.device("cpu")])
    assert len(rows) == 4
    assert all(r["top1_identical"] for r in rows)
    assert all(r["hsokv_queries_per_s"] > 0 and r["faiss_cpu_queries_per_s"] > 0 for r in rows)


def test_faiss_runs_batches_on_its_blas_path_and_says_so(tmp_path):
    faiss.cvar.distance_compute_blas_threshold = 128_000  # faiss 1.15's shipped value
    cfg = MemoryScaleConfig(sizes=[50], dim=8, batch_size=32, top_k=[1], repeats=1)
    run(cfg, [torch.device("cpu")])
    assert faiss.cvar.distance_compute_blas_threshold <= cfg.batch_size
    (tmp_path / "params.yaml").write_text(yaml.safe_dump({
        "preset": "t", "presets": {"t": {"seeds": [0]}}, "device": "cpu",
        "memory_scale": {"sizes": [50], "dim": 8, "batch_size": 32, "top_k": [1], "repeats": 1}}))
    p = subprocess.run([sys.executable, "-m", "stages.memory_scale", "--params", tmp_path / "params.yaml",
                        "--metrics", tmp_path, "--plots", tmp_path / "plots"], cwd=REPO, capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    settings = json.loads((tmp_path / "memory_scale.json").read_text())["faiss"]
    assert settings == {"index": "IndexFlatIP", "version": faiss.__version__, "omp_threads": settings["omp_threads"],
                        "distance_compute_blas_threshold": FAISS_BLAS_THRESHOLD}
    assert FAISS_BLAS_THRESHOLD <= 256  # the params' batch: below it, faiss loops over queries
