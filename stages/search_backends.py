"""Stage search_backends: one swarm run (first seed) on serial, multiprocessing and Ray ->
metrics/search_backends.json (wall time, speedup over serial, same result on each)."""
import argparse
import os
from pathlib import Path

from hsokv.benchmarks.words.data import load_prepared
from hsokv.benchmarks.words.objective import make_task
from hsokv.benchmarks.words.timing import time_backends
from hsokv.cli import run_stage
from hsokv.config import read_params, restrict, search_config
from hsokv.io import write_json

READS = ("seeds", "device", "data.max_length", "model", "memory", "train", "swarm")


def main(args):
    cfg = restrict(search_config(read_params(args.params), args.params), READS)
    seed = cfg.seeds[0]
    splits, tokenizer = load_prepared(Path(args.data), seed)
    metrics = {"cpu_count": os.cpu_count(), **time_backends(make_task(splits, tokenizer, cfg), cfg, seed)}
    for row in metrics["runs"]:
        print(f"{row['backend']:>15} x{row['workers']}: {row['wall_seconds']:.1f}s "
              f"({row['time_vs_serial']:.2f}x serial), same result: {row['same_result_as_serial']}", flush=True)
    write_json(Path(args.metrics) / "search_backends.json", metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", default="data/synthetic")
    parser.add_argument("--metrics", default="metrics")
    run_stage(main, parser)
