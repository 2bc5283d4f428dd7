"""Stage rl_scaling_research: the committed scaling sweeps (research/rl_scaling/*.json, written by
hsokv.benchmarks.rl.scaling on this machine or a GPU host's CPUs) -> metrics/rl_scaling_research.{json,md}:
per sweep and worker count the speedup over one worker across seeds, and the test against issue 22's
targets (1.8x at 2 workers, 6x at 8)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.rl.report import scaling_research, scaling_table
from hsokv.cli import run_stage
from hsokv.config import ConfigError
from hsokv.io import atomic_write_text, outputs, read_json, write_json

READS = ()   # no params: each sweep carries its own spec and host


def main(args):
    files = sorted(Path(args.runs).glob("*.json"))
    if not files:
        raise ConfigError(f"{args.runs}: no scaling sweeps; run hsokv.benchmarks.rl.scaling first")
    metrics = scaling_research({f.stem: read_json(f) for f in files})
    md = Path(args.metrics).with_suffix(".md")
    with outputs(files=[md, args.metrics]) as new:   # together or not at all
        atomic_write_text(new[md], scaling_table(metrics))
        write_json(new[args.metrics], metrics)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", default="research/rl_scaling")
    parser.add_argument("--metrics", default="metrics/rl_scaling_research.json")
    run_stage(main, parser)
