"""Stage synthetic_<method>: train/evaluate one method on every seed -> results/synthetic/<method>.json;
for hsokv also each seed's trained model as a checkpoint directory, models/hsokv/seed_<n>/.
With --backbone minilm (any pretrained backbone of GLUE's registry): the methods given, on that
backbone's frozen sentence vectors, in one process (each sentence is encoded once) ->
results/synthetic/<backbone>/<method>.json. The controls (lookup, bm25) read text: --backbone text."""
import argparse
from pathlib import Path

from hsokv.benchmarks.words.data import load_prepared
from hsokv.benchmarks.words.inputs import SentenceEncoder
from hsokv.benchmarks.glue.sentences import frozen_sentences
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.cli import run_stage
from hsokv.config import ConfigError, as_dict, load_params
from hsokv.io import outputs, write_json
from hsokv.live import open_live, step_logger

READS = ("seeds", "device", "data.max_length", "eval", "synthetic.tasks")  # the protocol's; each method adds its own


def reads(methods: str) -> tuple[str, ...]:
    """`methods`: --method's value, one name or several joined by commas."""
    return tuple(dict.fromkeys(READS + tuple(r for m in methods.split(",") for r in METHODS.get(m).reads)))


def main(args):
    for method in args.method.split(","):
        if method not in METHODS:
            raise ConfigError(f"--method {method!r} is unknown; known methods: {sorted(METHODS)}")
    cfg = load_params(args.params, reads(args.method))
    out = Path(args.out) if args.backbone in ("scratch", "text") else Path(args.out) / args.backbone
    backbone = args.backbone if args.backbone in ("scratch", "text") else SentenceEncoder(args.backbone, *frozen_sentences(args.backbone, cfg))
    for method in args.method.split(","):
        result_file, live = out / f"{method}.json", Path(args.live) / out.relative_to(args.out) / method
        models = [args.models] if method == "hsokv" and args.backbone == "scratch" else []
        results = []
        # Results, DVCLive logs and models are replaced together at the end: a run that fails keeps the
        # last good run's outputs, logs included (DVCLive would clear its folder on opening).
        with outputs(files=[result_file], dirs=[live, *models]) as new:
            for seed in cfg.seeds:
                results.append(_one_seed(args, method, backbone, cfg, seed, new[live], new[models[0]] if models else None))
            write_json(new[result_file], {"method": method, "backbone": args.backbone, "preset": cfg.preset,
                                          "config": as_dict(cfg), "seeds": results})


def _one_seed(args, method: str, backbone, cfg, seed: int, live_dir: Path, models: Path | None) -> dict:
    splits, tokenizer = load_prepared(Path(args.data), seed)

    def save(method):
        method.model.save_pretrained(models / f"seed_{seed}", tokenizer, {"seed": seed, "preset": cfg.preset})

    with open_live(live_dir / f"seed_{seed}") as live:
        # The controls compute no matrix products worth counting; the counter would slow them 20x.
        result = run_seed(method, splits, tokenizer, cfg, seed, step_logger(live), count_flops=args.backbone != "text",
                          on_done=save if models is not None else None, backbone=backbone)
        for key in ("one_shot_accuracy", "accuracy"):
            live.log_metric(f"test/{key}", result["test"][key], plot=False)
        live.log_metric("retention", result["retention"]["accuracy"], plot=False)
    tasks = " ".join(f"{t} {r['test']['one_shot_accuracy']:.3f}" for t, r in result["tasks"].items())
    print(f"{args.backbone}/{method} seed {seed}: one-shot {tasks}; recognition retention "
          f"{result['retention']['accuracy']:.3f} ({result['wall_seconds']:.1f}s on {result['device']})", flush=True)
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, help="one of, or several joined by commas: " + ", ".join(sorted(METHODS)))
    parser.add_argument("--backbone", default="scratch",
                        help="scratch (token ids), text (the controls) or a pretrained backbone (minilm, ...)")
    parser.add_argument("--data", default="data/synthetic")
    parser.add_argument("--out", default="results/synthetic")
    parser.add_argument("--live", default="results/synthetic/live")
    parser.add_argument("--models", default="models/hsokv", help="where --method hsokv saves each seed's model")
    run_stage(main, parser)
