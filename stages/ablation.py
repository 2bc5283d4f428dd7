"""Stage ablation@<variant>: H-SOKV with one memory change, on every seed -> results/ablation/<variant>.json."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.ablations import ablation_config
from hsokv.benchmarks.words.data import SPLIT_PARAMS, build_splits
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.cli import run_stage
from hsokv.config import as_dict, read_params, restrict
from hsokv.io import outputs, write_json
from hsokv.live import open_live, step_logger
from hsokv.tokenizer import fit_tokenizer

# H-SOKV on splits it builds itself, at ablation.preset's size (every preset's data/model/train parts).
READS = ("seeds", "device", *SPLIT_PARAMS, "model", "memory", "train", "eval", "ablation.preset", "synthetic.tasks")


def main(args):
    cfg = restrict(ablation_config(read_params(args.params), args.variant, args.params), READS)
    specs = load_word_specs(cfg.data.word_specs)
    results = []
    result_file, live_dir = Path(args.out) / f"{args.variant}.json", Path(args.live) / args.variant
    with outputs(files=[result_file], dirs=[live_dir]) as new:   # replaced together: a failed run keeps the last logs
        for seed in cfg.seeds:
            results.append(_one_seed(args, cfg, specs, seed, new[live_dir]))
        write_json(new[result_file], {"variant": args.variant, "config": as_dict(cfg), "seeds": results})


def _one_seed(args, cfg, specs, seed: int, live_dir: Path) -> dict:
    splits = build_splits(specs, cfg.data, seed, cfg.synthetic.candidates)
    with open_live(live_dir / f"seed_{seed}") as live:
        # `synthetic_hsokv` reports H-SOKV's FLOPs; counting them here too would double the
        # run time of the small ablation models.
        result = run_seed("hsokv", splits, fit_tokenizer(splits.training_text()), cfg, seed, step_logger(live),
                          count_flops=False)
    print(f"{args.variant} seed {seed}: one-shot {result['test']['one_shot_accuracy']:.3f} "
          f"retention {result['retention']['accuracy']:.3f} memory {result['history'][-1]['memory_size']}",
          flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--variant", required=True)
    parser.add_argument("--out", default="results/ablation")
    parser.add_argument("--live", default="results/ablation_live")
    run_stage(main, parser)
