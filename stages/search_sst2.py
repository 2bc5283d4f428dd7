"""Stage search_sst2@<strategy>: one search strategy on few-shot SST-2 (a head on frozen MiniLM
vectors, hsokv.benchmarks.glue.search) for every seed, and its null control (the same search with
every config set to the default) -> results/search_sst2/<strategy>.json. The chosen config of each
run is scored once on the test set (GLUE's SST-2 dev set)."""
import argparse
from functools import partial
from pathlib import Path

from hsokv.benchmarks.glue.search_config import Sst2SearchConfig  # noqa: F401  (registers search_sst2)
from hsokv.benchmarks.glue.search_data import seed_objective
from hsokv.cli import run_stage
from hsokv.config import as_dict, load_params
from hsokv.io import outputs, write_json
from hsokv.search.strategies import STRATEGIES
from hsokv.search_runs import search_seeds

READS = ("search_sst2",)


def main(args):
    cfg = load_params(args.params, READS)
    result_file = Path(args.out) / f"{args.strategy}.json"
    with outputs(files=[result_file]) as new:
        runs = search_seeds(args.strategy, cfg.search_sst2, partial(seed_objective, args.vectors), "search_sst2")
        write_json(new[result_file], {"strategy": args.strategy, "problem": "sst2", "config": as_dict(cfg), "runs": runs})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strategy", required=True, help="one of: " + ", ".join(sorted(STRATEGIES)))
    parser.add_argument("--vectors", default="data/search_sst2/vectors.safetensors")
    parser.add_argument("--out", default="results/search_sst2")
    run_stage(main, parser)
