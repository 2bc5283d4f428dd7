"""Stage memory_scale: retrieval throughput vs faiss IndexFlatIP -> metrics/memory_scale.json, plots."""
import argparse
from pathlib import Path

import torch

from hsokv.benchmarks.memory_scale.protocol import faiss_settings, run
from hsokv.benchmarks.memory_scale.report import write_plots
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import outputs, write_json
from hsokv.training import pick_device

READS = ("device", "memory_scale")


def main(args):
    cfg = load_params(args.params, READS)
    devices = [torch.device("cpu")]
    if pick_device(cfg.device).type == "cuda":
        devices.append(torch.device("cuda"))
    rows = run(cfg.memory_scale, devices)
    for r in rows:
        print(f"{r['device']:4s} n={r['entries']:>8} k={r['k']:>2}: {r['hsokv_queries_per_s']:>10.0f} q/s, "
              f"faiss {r['faiss_cpu_queries_per_s']:>10.0f} q/s, ratio {r['ratio_to_faiss']:.2f}, "
              f"top-1 identical {r['top1_identical']}", flush=True)
    metrics = Path(args.metrics) / "memory_scale.json"
    with outputs(files=[metrics], dirs=[args.plots]) as new:   # replaced together or not at all
        write_plots(rows, new[args.plots])
        write_json(new[metrics], {
            "threads": torch.get_num_threads(), "faiss": faiss_settings(),
            "results": {f"{r['device']}/n={r['entries']}/k={r['k']}": r for r in rows}})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/memory_scale")
    run_stage(main, parser)
