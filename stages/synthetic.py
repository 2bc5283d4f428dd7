"""Stage synthetic: the word protocol for each method of --method (comma-separated) on every seed ->
results/synthetic/<method>.json; for hsokv also each seed's trained model as a checkpoint
directory, models/hsokv/seed_<n>/. The (method, seed) runs go side by side in synthetic.workers
processes (hsokv.benchmarks.words.runs). With --backbone minilm (any pretrained backbone of GLUE's
registry) the neural methods read that backbone's frozen sentence vectors (each sentence encoded
once, in this process) -> results/synthetic/<backbone>/<method>.json. The controls (lookup, bm25)
read the text whatever the backbone, -> results/synthetic/<method>.json."""
import argparse
from pathlib import Path

from hsokv.benchmarks.glue.sentences import frozen_sentences
from hsokv.benchmarks.words.inputs import SentenceEncoder
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.runs import MethodRun, input_of, run_methods
from hsokv.cli import run_stage
from hsokv.config import ConfigError, as_dict, load_params
from hsokv.io import outputs, write_json

READS = ("seeds", "device", "data.max_length", "eval", "synthetic.tasks", "synthetic.workers",
         "synthetic.threads")   # the protocol's and the pool's; each method adds its own


def reads(methods: str) -> tuple[str, ...]:
    """`methods`: --method's value, one name or several joined by commas."""
    return tuple(dict.fromkeys(READS + tuple(r for m in methods.split(",") for r in METHODS.get(m).reads)))


def main(args):
    methods = args.method.split(",")
    for method in methods:
        if method not in METHODS:
            raise ConfigError(f"--method {method!r} is unknown; known methods: {sorted(METHODS)}")
    cfg = load_params(args.params, reads(args.method))
    pretrained = args.backbone != "scratch"
    backbone = SentenceEncoder(args.backbone, *frozen_sentences(args.backbone, cfg)) if pretrained else "scratch"
    root, live_root = Path(args.out), Path(args.live)
    sub = {m: Path(args.backbone) if pretrained and input_of(m, args.backbone) != "text" else Path() for m in methods}
    files = {m: root / sub[m] / f"{m}.json" for m in methods}
    lives = {m: live_root / sub[m] / m for m in methods}
    models = {"hsokv": Path(args.models)} if "hsokv" in methods and not pretrained else {}
    # Results, DVCLive logs and models are replaced together at the end: a run that fails keeps the
    # last good run's outputs, logs included (DVCLive would clear its folder on opening).
    with outputs(files=files.values(), dirs=[*lives.values(), *models.values()]) as new:
        runs = [MethodRun(m, seed, Path(args.data), new[lives[m]], new[models[m]] if m in models else None)
                for m in methods for seed in cfg.seeds]
        results = run_methods(runs, cfg, backbone, cfg.synthetic.workers, cfg.synthetic.threads)
        for m in methods:
            write_json(new[files[m]], {"method": m, "backbone": input_of(m, args.backbone), "preset": cfg.preset,
                                       "config": as_dict(cfg),
                                       "seeds": [r for run, r in zip(runs, results) if run.method == m]})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--method", required=True, help="one of, or several joined by commas (the longest runs "
                        "first: the pool hands runs out in this order): " + ", ".join(sorted(METHODS)))
    parser.add_argument("--backbone", default="scratch",
                        help="what the neural methods read: scratch (token ids) or a pretrained backbone (minilm, ...)")
    parser.add_argument("--data", default="data/synthetic")
    parser.add_argument("--out", default="results/synthetic")
    parser.add_argument("--live", default="results/synthetic/live")
    parser.add_argument("--models", default="models/hsokv", help="where --method hsokv saves each seed's model")
    run_stage(main, parser)
