"""Stage report_ablation: per-variant results -> metrics/ablations.{json,md} and plots/ablations/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.ablations import SWARM_VARIANTS
from hsokv.benchmarks.words.report import ablation_table, learning_curve, summary, write_ablation_plots
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, outputs, read_json, write_json

READS = ("seeds", "ablation.variants")


def main(args):
    cfg = load_params(args.params, READS)
    results = {v: read_json(Path(args.results) / f"{v}.json") for v in cfg.ablation.variants}
    metrics = {"seeds": cfg.seeds, "swarm_variants": SWARM_VARIANTS,
               "variants": {v: summary(r["seeds"]) for v, r in results.items()}}
    json_path, md_path = Path(args.metrics) / "ablations.json", Path(args.metrics) / "ablations.md"
    with outputs(files=[json_path, md_path], dirs=[args.plots]) as new:   # replaced together or not at all
        write_ablation_plots(metrics, {v: learning_curve(r["seeds"]) for v, r in results.items()}, new[args.plots])
        write_json(new[json_path], metrics)
        atomic_write_text(new[md_path], ablation_table(metrics))
    print(ablation_table(metrics))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/ablation")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/ablations")
    run_stage(main, parser)
