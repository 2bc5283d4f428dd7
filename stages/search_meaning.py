"""Stage search_meaning@<strategy>: one search strategy on the meaning-level word tasks (H-SOKV on
frozen MiniLM vectors, selected on cloze validation; hsokv.benchmarks.words.meaning_search) for
every seed, and its null control -> results/search_meaning/<strategy>.json. The chosen config of
each run is scored once on the cloze test (and, reported only, the recall test)."""
import argparse
from functools import partial
from pathlib import Path

from hsokv.benchmarks.words.meaning_search import seed_objective
from hsokv.benchmarks.words.meaning_search_config import MeaningSearchConfig  # noqa: F401  (registers search_meaning)
from hsokv.cli import run_stage
from hsokv.config import as_dict, load_params
from hsokv.io import outputs, write_json
from hsokv.search.strategies import STRATEGIES
from hsokv.search_runs import search_seeds

# model/memory/train: H-SOKV's own settings, the defaults of every unsearched name
READS = ("search_meaning", "model", "memory", "train", "device")


def main(args):
    cfg = load_params(args.params, READS)
    result_file = Path(args.out) / f"{args.strategy}.json"
    with outputs(files=[result_file]) as new:
        runs = search_seeds(args.strategy, cfg.search_meaning, partial(seed_objective, args.vectors, cfg),
                            "search_meaning")
        write_json(new[result_file], {"strategy": args.strategy, "problem": "meaning", "config": as_dict(cfg),
                                      "runs": runs})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strategy", required=True, help="one of: " + ", ".join(sorted(STRATEGIES)))
    parser.add_argument("--vectors", default="data/search_meaning/vectors.safetensors")
    parser.add_argument("--out", default="results/search_meaning")
    run_stage(main, parser)
