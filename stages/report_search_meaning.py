"""Stage report_search_meaning: every strategy's meaning search and null control ->
metrics/search_meaning.{json,md} and plots/search_meaning/ (best so far against steps and against
evaluations)."""
import argparse

from hsokv.benchmarks.words.meaning_search_config import MeaningSearchConfig  # noqa: F401  (registers search_meaning)
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.search_report import write_report

READS = ("search_meaning.strategies",)


def main(args):
    cfg = load_params(args.params, READS)
    print(write_report(args.results, cfg.search_meaning.strategies, args.metrics, "search_meaning", args.plots))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--results", default="results/search_meaning")
    parser.add_argument("--metrics", default="metrics")
    parser.add_argument("--plots", default="plots/search_meaning")
    run_stage(main, parser)
