"""Stage report_glue: results/glue/<task>.json -> metrics/glue.{json,md} and plots/glue/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.report import markdown_table, summary, write_plots
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, outputs, read_json, write_json

READS = ("glue.tasks",)


def main(args):
    cfg = load_params(args.params, READS)
    metrics = summary({t: read_json(Path(args.results) / f"{t}.json") for t in cfg.glue.tasks})
    json_path, md_path = Path(args.metrics) / "glue.json", Path(args.metrics) / "glue.md"
    with outputs(files=[json_path, md_path], dirs=[args.plots]) as new:   # replaced together or not at all
        write_plots(metrics, new[args.plots])
        write_json(new[json_path], metrics)
        atomic_write_text(new[md_path], markdown_table(metrics))
    print(markdown_table(metrics))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/glue")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/glue")
    run_stage(main, parser)
