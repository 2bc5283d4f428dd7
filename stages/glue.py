"""Stage glue@<task>: every method x backbone x seed on one few-shot GLUE task -> results/glue/<task>.json."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.data import k_shot_provenance
from hsokv.benchmarks.glue.protocol import run_task
from hsokv.cli import run_stage
from hsokv.config import as_dict, load_params
from hsokv.io import write_json

READS = ("device", "glue", "model", "memory.capacity", "memory.eviction", "train.optimizer", "train.learning_rate",
         "train.weight_decay", "train.grad_clip", "baselines")


def main(args):
    cfg = load_params(args.params, READS)
    provenance = k_shot_provenance(Path(args.data) / args.task, cfg.glue.k_shot_source)
    print(f"{args.task} k-shot samples: {provenance}", flush=True)
    records, sizes = run_task(args.params, READS, args.data, args.task)
    write_json(Path(args.out) / f"{args.task}.json",
               {"task": args.task, "preset": cfg.preset, "config": as_dict(cfg), "eval_splits": list(sizes),
                "eval_examples": sizes, "k_shot_source": provenance, "runs": records})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", required=True)
    parser.add_argument("--data", default="data/raw/glue")
    parser.add_argument("--out", default="results/glue")
    run_stage(main, parser)
