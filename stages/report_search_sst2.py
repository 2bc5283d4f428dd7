"""Stage report_search_sst2: every strategy's SST-2 search and null control -> metrics/search_sst2.{json,md}
and plots/search_sst2/ (best so far against steps and against evaluations)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.search_config import Sst2SearchConfig  # noqa: F401  (registers search_sst2)
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.io import atomic_write_text, outputs, read_json, write_json
from hsokv.search_report import summary, table, write_plots

READS = ("search_sst2.strategies",)


def main(args):
    cfg = load_params(args.params, READS)
    results = {s: read_json(Path(args.results) / f"{s}.json") for s in cfg.search_sst2.strategies}
    metrics = summary(results)
    json_path, md_path = Path(args.metrics) / "search_sst2.json", Path(args.metrics) / "search_sst2.md"
    with outputs(files=[json_path, md_path], dirs=[args.plots]) as new:   # replaced together or not at all
        write_plots(results, new[args.plots])
        write_json(new[json_path], metrics)
        atomic_write_text(new[md_path], table(metrics))
    print(table(metrics))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/search_sst2")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/search_sst2")
    run_stage(main, parser)
