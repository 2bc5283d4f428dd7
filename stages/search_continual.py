"""Stage search_continual@<strategy>: one search strategy on Split-CIFAR-10 (one continual method,
DER++ by default, trained along the class-incremental stream; hsokv.benchmarks.continual.search) for
every seed, and its null control -> results/search_continual/<strategy>.json. The chosen state of
each run is scored once on the test split."""
import argparse
from functools import partial
from pathlib import Path

from hsokv.benchmarks.continual.config import ContinualConfig  # noqa: F401  (registers continual)
from hsokv.benchmarks.continual.search import load_task, seed_objective
from hsokv.benchmarks.continual.search_config import ContinualSearchConfig  # noqa: F401  (registers search_continual)
from hsokv.cli import run_stage
from hsokv.config import as_dict, load_params
from hsokv.io import outputs, write_json
from hsokv.search.strategies import STRATEGIES
from hsokv.search_runs import search_seeds

# the stream and the method's defaults are the continual section's (what the continual stage trains)
READS = ("search_continual", "continual.dataset", "continual.classes_per_task", "continual.backbone",
         "continual.batch_size", "continual.replay_batch_size", "continual.augment", "continual.crop_padding",
         "continual.method_args", "continual.train_per_class", "continual.val_per_class", "continual.test_per_class",
         "continual.test_fraction", "continual.readout_grid")


def main(args):
    cfg = load_params(args.params, READS)
    result_file = Path(args.out) / f"{args.strategy}.json"
    with outputs(files=[result_file]) as new:
        task = load_task(cfg, args.data)   # one stream: the seeds vary the training only
        runs = search_seeds(args.strategy, cfg.search_continual, partial(seed_objective, task), "search_continual")
        write_json(new[result_file], {"strategy": args.strategy, "problem": "continual", "config": as_dict(cfg),
                                      "runs": runs})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strategy", required=True, help="one of: " + ", ".join(sorted(STRATEGIES)))
    parser.add_argument("--data", default="data/raw/continual")
    parser.add_argument("--out", default="results/search_continual")
    run_stage(main, parser)
