"""Stage report_synthetic: per-method results -> metrics/synthetic.{json,md} and plots/synthetic/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.report import learning_curve, markdown_table, summary, write_synthetic_plots
from hsokv.cli import run_stage
from hsokv.io import atomic_write_text, outputs, read_json, write_json

READS = ()  # no params: the method list comes from the command line


def main(args):
    results = {m: read_json(Path(args.results) / f"{m}.json") for m in args.methods}
    first = next(iter(results.values()))
    metrics = {"preset": first["preset"], "seeds": [r["seed"] for r in first["seeds"]],
               "device": first["seeds"][0]["device"],
               "methods": {m: summary(r["seeds"]) for m, r in results.items()}}
    curves = {m: c for m, r in results.items() if (c := learning_curve(r["seeds"])) is not None}
    json_path, md_path = Path(args.metrics) / "synthetic.json", Path(args.metrics) / "synthetic.md"
    with outputs(files=[json_path, md_path], dirs=[args.plots]) as new:   # replaced together or not at all
        write_synthetic_plots(metrics, curves, new[args.plots])
        write_json(new[json_path], metrics)
        atomic_write_text(new[md_path], markdown_table(metrics))
    print(markdown_table(metrics))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--methods", nargs="+", required=True)
    parser.add_argument("--results", default="results/synthetic")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/synthetic")
    run_stage(main, parser)
