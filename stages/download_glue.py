"""Stage download_glue@<task>: verified copies of one task's GLUE files (and LM-BFF samples) -> data/raw/glue/<task>/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.data import prepare
from hsokv.cli import run_stage
from hsokv.config import load_params

READS = ("glue.seeds", "glue.k", "glue.k_shot_source", "data.mirror", "data.allow_download", "data.download_origin")


def main(args):
    cfg = load_params(args.params, READS)
    g = cfg.glue
    origin = prepare(args.task, Path(args.out) / args.task, g.seeds, g.k, g.k_shot_source,
                     cfg.data.mirror, cfg.data.allow_download, cfg.data.download_origin)
    print(f"{args.task}: {len(origin)} verified file(s) in {Path(args.out) / args.task}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--task", required=True)
    parser.add_argument("--out", default="data/raw/glue")
    run_stage(main, parser)
