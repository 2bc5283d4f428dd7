"""Stage report_search_sst2: every strategy's SST-2 search and null control -> metrics/search_sst2.{json,md}
and plots/search_sst2/ (best so far against steps and against evaluations)."""
import argparse

from hsokv.benchmarks.glue.search_config import Sst2SearchConfig  # noqa: F401  (registers search_sst2)
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.search_report import write_report

READS = ("search_sst2.strategies",)


def main(args):
    cfg = load_params(args.params, READS)
    print(write_report(args.results, cfg.search_sst2.strategies, args.metrics, "search_sst2", args.plots))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/search_sst2")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/search_sst2")
    run_stage(main, parser)
