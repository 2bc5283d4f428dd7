"""Stage evaluate: reload every checkpoint in models/hsokv/ (safetensors + JSON, no pickle) and
re-evaluate it on its seed's splits -> metrics/evaluate.json. The figures must equal the ones the
training stage measured on the same model (results/synthetic/hsokv.json); any difference fails
the stage and writes nothing."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.data import load_prepared
from hsokv.benchmarks.words.protocol import FINAL_SPLITS, evaluate_final
from hsokv.jobs import set_threads
from hsokv.cli import run_stage
from hsokv.config import load_params
from hsokv.errors import CheckpointError
from hsokv.io import read_json, write_json
from hsokv.model import load_pretrained
from hsokv.report import summarize
from hsokv.training import pick_device

FIGURES = ("accuracy", "one_shot_accuracy", "few_shot_accuracy", "kv_hit_rate", "kv_utility", "n")


class EvaluationMismatch(RuntimeError):
    pass

READS = ("seeds", "device", "data.max_length", "eval", "synthetic.workers", "synthetic.threads")


def main(args):
    cfg = load_params(args.params, READS)
    device = pick_device(cfg.device)
    if cfg.synthetic.workers > 1:   # the training runs' thread count, so the kernels round as they did there
        set_threads(cfg.synthetic.threads)
    trained = {r["seed"]: r for r in read_json(args.training)["seeds"]}
    per_seed, mismatches, checked = [], [], 0
    for seed in cfg.seeds:
        checkpoint = Path(args.models) / f"seed_{seed}"
        if seed not in trained:
            raise CheckpointError(f"{args.training} has no seed {seed}: rerun the synthetic stage")
        model, tokenizer, _ = load_pretrained(checkpoint, device)
        splits, _ = load_prepared(Path(args.data), seed)
        figures = evaluate_final(model, tokenizer, splits, cfg.data.max_length, cfg.eval.batch_size, device)
        for split in FINAL_SPLITS:
            for key in FIGURES:
                checked += 1
                if figures[split][key] != trained[seed][split][key]:
                    mismatches.append(f"seed {seed} {split}.{key}: reloaded {figures[split][key]!r}, "
                                      f"training stage {trained[seed][split][key]!r}")
        print(f"seed {seed}: retention {figures['retention']['accuracy']:.4f}, phase-2 test "
              f"{figures['test_phase2']['accuracy']:.4f} from {checkpoint}", flush=True)
        per_seed.append({"seed": seed, **figures})
    if mismatches:
        raise EvaluationMismatch("reloaded checkpoints do not reproduce the training stage:\n  " + "\n  ".join(mismatches))
    write_json(args.metrics, {
        "preset": cfg.preset, "seeds": list(cfg.seeds), "device": str(device),
        # every figure below was compared with the training stage's and found equal (else: no file)
        "checked_against": str(args.training), "figures_checked": checked,
        **{split: {key: summarize([r[split][key] for r in per_seed]) for key in FIGURES if key != "n"}
           for split in FINAL_SPLITS},
        "per_seed": per_seed})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="models/hsokv")
    parser.add_argument("--data", default="data/synthetic")
    parser.add_argument("--training", default="results/synthetic/hsokv.json")
    parser.add_argument("--metrics", default="metrics/evaluate.json")
    run_stage(main, parser)
