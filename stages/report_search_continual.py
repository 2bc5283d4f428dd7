"""Stage report_search_continual: every strategy's Split-CIFAR-10 search and null control ->
metrics/search_continual.{json,md} and plots/search_continual/ (best so far against steps and
against evaluations)."""
import argparse

from hsokv.benchmarks.continual.search_config import ContinualSearchConfig  # noqa: F401  (registers search_continual)
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.search_report import write_report

READS = ("search_continual.strategies",)


def main(args):
    cfg = load_params(args.params, READS)
    print(write_report(args.results, cfg.search_continual.strategies, args.metrics, "search_continual", args.plots))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/search_continual")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/search_continual")
    run_stage(main, parser)
