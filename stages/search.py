"""Stage search@<strategy>: one search strategy on every seed -> results/search/<strategy>.json,
the best model of each seed as a checkpoint directory under models/search/<strategy>/seed_N/
(hsokv.checkpoint layout: TransformerWithKV.from_pretrained loads it), DVCLive logs per iteration."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.data import load_prepared
from hsokv.benchmarks.words.objective import WordsObjective, build_model, make_task
from hsokv.cli import run_stage
from hsokv.config import ConfigError, as_dict, read_params, restrict, search_config
from hsokv.io import outputs, write_json
from hsokv.live import open_live
from hsokv.search.backends import make_backend
from hsokv.search.strategies import STRATEGIES, run_search
from hsokv.training import pick_device

# model and train are swarm.preset's (every preset's parts are listed).
READS = ("seeds", "device", "data.max_length", "model", "memory", "train", "swarm")


def main(args):
    cfg = restrict(search_config(read_params(args.params), args.params), READS)
    if args.strategy not in STRATEGIES:
        raise ConfigError(f"--strategy {args.strategy!r} is unknown; known: {sorted(STRATEGIES)}")
    results = []
    result_file = Path(args.out) / f"{args.strategy}.json"
    models_dir, live_dir = Path(args.models) / args.strategy, Path(args.live) / args.strategy
    # Results, models and DVCLive logs replaced together: a failed run keeps the last good one's.
    with make_backend(cfg.swarm) as backend, outputs(files=[result_file], dirs=[models_dir, live_dir]) as new:
        models = new[models_dir]
        for seed in cfg.seeds:
            splits, tokenizer = load_prepared(Path(args.data), seed)
            task = make_task(splits, tokenizer, cfg)
            with open_live(new[live_dir] / f"seed_{seed}") as live:
                def log_iteration(record, live=live, seed=seed):
                    # a line per iteration: at a large swarm.agent_steps a seed takes many minutes
                    print(f"{args.strategy} seed {seed}: iteration {record['iteration']}, {record['steps']} steps, "
                          f"best validation so far {record['best_score']:.3f}", flush=True)
                    for key in ("best_score", "steps", "diversity", "strategy_entropy", "events"):
                        if record.get(key) is not None:
                            live.log_metric(key, record[key])
                    live.next_step()
                result, log = run_search(args.strategy, WordsObjective(task), cfg.swarm, backend, seed,
                                         log_iteration)
                live.log_metric("best_validation", result["best"]["validation_accuracy"], plot=False)
                live.log_metric("test_one_shot", result["test"]["one_shot_accuracy"], plot=False)
            state = log.best.state
            build_model(task, state.values, state, pick_device(cfg.device)).eval().save_pretrained(
                models / f"seed_{seed}", tokenizer, {"seed": seed, "searched_values": state.values,
                                                     "trained_steps": state.steps})
            print(f"{args.strategy} seed {seed}: best validation {result['best']['validation_accuracy']:.3f} "
                  f"(found at {result['best']['found_at_steps']} of {result['steps_used']} steps), test one-shot "
                  f"{result['test']['one_shot_accuracy']:.3f}, {result['wall_seconds']:.1f}s on {cfg.swarm.backend}"
                  + (f", {len(result['failures'])} task failures retried" if result["failures"] else ""), flush=True)
            results.append(result)
        write_json(new[result_file], {"strategy": args.strategy, "config": as_dict(cfg), "seeds": results})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--strategy", required=True, help="one of: " + ", ".join(sorted(STRATEGIES)))
    parser.add_argument("--data", default="data/synthetic")
    parser.add_argument("--out", default="results/search")
    parser.add_argument("--models", default="models/search")
    parser.add_argument("--live", default="results/search_live")
    run_stage(main, parser)
