"""Stage glue@<task>: every method x backbone x seed on one few-shot GLUE task -> results/glue/<task>.json."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.data import k_shot_provenance, load_few_shot
from hsokv.benchmarks.glue.protocol import check_optional, run_seed
from hsokv.cli import run_stage
from hsokv.config import as_dict, load_params
from hsokv.io import write_json

READS = ("device", "glue", "model", "memory.capacity", "memory.eviction", "train.optimizer", "train.learning_rate",
         "train.weight_decay", "train.grad_clip", "baselines")


def _fmt(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(args):
    cfg = load_params(args.params, READS)
    g = cfg.glue
    check_optional(g.backbones, g.methods)
    records, sizes = [], {}
    provenance = k_shot_provenance(Path(args.data) / args.task, g.k_shot_source)
    print(f"{args.task} k-shot samples: {provenance}", flush=True)
    for backbone in g.backbones:
        for seed in g.seeds:
            splits = load_few_shot(Path(args.data) / args.task, args.task, seed, g.k, g.k_shot_source,
                                   g.max_eval_examples)
            sizes = {name: len(examples) for name, examples in splits.evals.items()}
            for r in run_seed(splits, backbone, g.methods, cfg):
                scores = " ".join(f"{k} {_fmt(r[k])}" for k in ("dev_accuracy", *splits.evals))
                print(f"{args.task} {backbone}/{r['method']} seed {seed}: {scores} ({r['wall_seconds']:.1f}s)"
                      + (f" skipped: {r['skipped']}" if "skipped" in r else ""), flush=True)
                records.append(r)
    write_json(Path(args.out) / f"{args.task}.json",
               {"task": args.task, "preset": cfg.preset, "config": as_dict(cfg), "eval_splits": list(sizes),
                "eval_examples": sizes, "k_shot_source": provenance, "runs": records})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", required=True)
    parser.add_argument("--data", default="data/raw/glue")
    parser.add_argument("--out", default="results/glue")
    run_stage(main, parser)
