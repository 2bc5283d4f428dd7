"""The research language model on a GPU: one process per seed side by side, one result file each.

A 6-layer, 384-wide model at batch 64 leaves most of an H200 idle, so the seeds run at once as
separate processes. Each seed writes `<out>/seed_<n>.json` atomically when it finishes (with the
device, torch version and commit), and the Kneser-Ney n-gram (no seed) writes `<out>/ngram.json`;
a file that exists is skipped, so a run can be resumed in a later session and the files committed
as they come. Settings come from a spec JSON (the resolved `language_model` section, written here
with `--write-spec`), so the GPU host needs neither params.yaml nor DVC; the stage
`language_model_research` aggregates the committed files. On a GPU, training runs in bf16 and
attention's backward kernel is not deterministic: reruns there agree closely, not bit for bit.

    python -m hsokv.benchmarks.lm.grid --write-spec spec.json --preset research
    python -m hsokv.benchmarks.lm.grid --spec spec.json --corpus input.txt --out DIR --seeds 0 1 2 3 4 --commit <sha>
"""
from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from pathlib import Path

from hsokv.jobs import run_parallel


def run_worker(spec: dict, corpus_path: Path, out: Path, job: str, commit: str) -> None:
    import torch

    from hsokv.benchmarks.lm.data import load_corpus
    from hsokv.benchmarks.lm.protocol import corpus_info, make_deterministic, run_ngram, run_seed
    from hsokv.benchmarks.lm.config import LanguageModelConfig
    from hsokv.io import write_json

    cfg = LanguageModelConfig(**spec["language_model"])
    make_deterministic(cfg.threads)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    corpus = load_corpus(corpus_path, cfg.level, cfg.train_fraction, cfg.block_size)
    start = time.perf_counter()
    if job == "ngram":
        result = run_ngram(corpus, cfg)
    else:
        result = run_seed(corpus, cfg, int(job), device, log=lambda h: print(
            f"step {h['step']}: train {h['train_loss']:.4f} val {h['val_loss']:.4f} {h['seconds']:.0f} s", flush=True))
    result.update({"spec": spec, "corpus": corpus_info(corpus), "commit": commit, "device": str(device), "torch": torch.__version__,
                   "device_name": torch.cuda.get_device_name(device) if device.type == "cuda" else platform.processor(),
                   "wall_seconds": time.perf_counter() - start})
    write_json(out / ("ngram.json" if job == "ngram" else f"seed_{job}.json"), result)


def write_spec(path: Path, params: Path, preset: str) -> None:
    """The `language_model` section as `preset` resolves it (seeds filled in), as JSON."""
    import yaml

    from hsokv.config import resolve
    raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    raw["preset"] = preset
    cfg = resolve(raw)
    section = cfg.language_model.model_dump()
    section["seeds"] = list(section["seeds"] or cfg.seeds)
    path.write_text(json.dumps({"preset": preset, "language_model": section}, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write-spec", metavar="PATH", help="write the spec for --preset and stop")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--preset", default="research")
    p.add_argument("--spec")
    p.add_argument("--corpus", help="the text file (default corpus: Tiny Shakespeare's input.txt)")
    p.add_argument("--out")
    p.add_argument("--seeds", nargs="+", help="default: the spec's seeds")
    p.add_argument("--commit", default="unknown")
    p.add_argument("--worker", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.write_spec:
        write_spec(Path(args.write_spec), Path(args.params), args.preset)
        return
    if not (args.spec and args.corpus and args.out):
        p.error("--spec, --corpus and --out are required to run")
    spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.worker:
        run_worker(spec, Path(args.corpus), out, args.worker, args.commit)
        return
    jobs = ["ngram", *(args.seeds or [str(s) for s in spec["language_model"]["seeds"]])]
    todo = [j for j in jobs if not (out / ("ngram.json" if j == "ngram" else f"seed_{j}.json")).exists()]
    cmd = [sys.executable, "-m", "hsokv.benchmarks.lm.grid", "--spec", args.spec, "--corpus", args.corpus,
           "--out", args.out, "--commit", args.commit, "--worker"]
    # all at once: one process per seed, plus the n-gram on the CPU
    failed = run_parallel([(job, [*cmd, job]) for job in todo], out / "logs", parallel=len(todo) or 1)
    if failed:
        sys.exit(f"failed: {failed}")


if __name__ == "__main__":
    main()
