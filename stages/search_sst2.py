"""Stage search_sst2@<strategy>: one search strategy on few-shot SST-2 (a head on frozen MiniLM
vectors, hsokv.benchmarks.glue.search) for every seed, and its null control (the same search with
every config set to the default) -> results/search_sst2/<strategy>.json. The chosen config of each
run is scored once on the test set (GLUE's SST-2 dev set)."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.search import Sst2Objective
from hsokv.benchmarks.glue.search_config import Sst2SearchConfig  # noqa: F401  (registers search_sst2)
from hsokv.benchmarks.glue.search_data import load_task
from hsokv.cli import run_stage
from hsokv.config import ConfigError, as_dict, load_params
from hsokv.io import outputs, write_json
from hsokv.search.backends import BACKENDS
from hsokv.search.strategies import STRATEGIES, run_search

READS = ("search_sst2",)


def main(args):
    cfg = load_params(args.params, READS)
    s = cfg.search_sst2
    if args.strategy not in STRATEGIES:
        raise ConfigError(f"--strategy {args.strategy!r} is unknown; known: {sorted(STRATEGIES)}")
    result_file = Path(args.out) / f"{args.strategy}.json"
    runs = []
    with BACKENDS.get(s.backend)(s.workers, s.max_retries, s.ray_address, key="search_sst2") as backend, \
            outputs(files=[result_file]) as new:
        for seed in s.seeds:
            objective = Sst2Objective(load_task(args.vectors, seed))
            for null in ([False, True] if s.null_control else [False]):
                result, _ = run_search(args.strategy, objective, s, backend, seed, null=null)
                print(f"{args.strategy}{' (null)' if null else ''} seed {seed}: best dev "
                      f"{result['best']['validation_accuracy']:.3f} after {result['best']['found_at_steps']} steps / "
                      f"{result['best']['found_at_evaluations']} evaluations (of {result['steps_used']} / "
                      f"{result['evaluations']}), test {result['test']['accuracy']:.3f}, {result['wall_seconds']:.1f}s",
                      flush=True)
                runs.append(result)
        write_json(new[result_file], {"strategy": args.strategy, "problem": "sst2", "config": as_dict(cfg), "runs": runs})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strategy", required=True, help="one of: " + ", ".join(sorted(STRATEGIES)))
    parser.add_argument("--vectors", default="data/search_sst2/vectors.safetensors")
    parser.add_argument("--out", default="results/search_sst2")
    run_stage(main, parser)
