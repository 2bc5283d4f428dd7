"""Stage report_search: per-strategy search results -> metrics/search.{json,md} and plots/search/."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.search_report import search_summary, search_table, write_search_plots
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, read_json, write_json

READS = ("swarm.strategies",)


def main(args):
    cfg = load_params(args.params, READS)
    results = {s: read_json(Path(args.results) / f"{s}.json") for s in cfg.swarm.strategies}
    metrics = search_summary(results)
    write_search_plots(results, Path(args.plots))
    write_json(Path(args.metrics) / "search.json", metrics)
    atomic_write_text(Path(args.metrics) / "search.md", search_table(metrics))
    print(search_table(metrics))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/search")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/search")
    run_stage(main, parser)
