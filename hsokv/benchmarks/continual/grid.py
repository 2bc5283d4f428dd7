"""Many continual runs side by side on one GPU, one process each, one result file each.

A single ResNet-18 run at batch 32 leaves most of an H100/H200 idle (kernel launches bound it),
so the grid runs `--parallel` worker processes at once. Each (run, buffer, seed) writes
`<out>/<label>.json` atomically when it finishes (with device, torch version and the commit); a
label whose file exists is skipped, so a grid can be resumed in a later session and the files
committed as they come. The run settings come from a spec JSON (the resolved `continual`
section, written here with `--write-spec`), so the GPU host needs neither params.yaml nor DVC.

Runs longer than a lease pause and resume (hsokv.benchmarks.continual.resume): each run keeps
`<out>/paused/<label>.safetensors`, saved after every task and, with `--time-limit SECONDS`, at the
first epoch's end past the limit; a later call with the same spec and that file continues the run
(bit for bit on the CPU) and deletes the file once the result is written.

    python -m hsokv.benchmarks.continual.grid --write-spec spec.json --preset research --epochs 5
    python -m hsokv.benchmarks.continual.grid --spec spec.json --data DIR --out DIR \
        --jobs er:200:0 derpp:500:0 ... --parallel 12 --commit <git sha> [--time-limit 1500]
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

from hsokv.errors import ConfigError
from hsokv.jobs import run_parallel
from hsokv.training import COMPILE_MODES


# A spec without these keys was written before they existed: its runs were bf16 with mean-padded crops.
# The spec is kept as written (each result records it, and continual_research compares them).
SWITCH_DEFAULTS = {"precision": "bf16", "crop_padding": "mean"}


def label(run: str, buffer: int | None, seed: int, epochs: int) -> str:
    return f"{run}{'' if buffer is None else '-' + str(buffer)}-e{epochs}-s{seed}"


def parse_job(text: str) -> list[tuple[str, int | None, int]]:
    """run:buffer:seed, or run:buffer:first-last for seeds first to last (derpp:200:0-4 = five jobs)."""
    parts = text.split(":")
    buffer_ok = len(parts) == 3 and (parts[1] in ("", "none") or parts[1].isdigit())
    seeds = parts[2].split("-") if len(parts) == 3 else []
    seeds_ok = 1 <= len(seeds) <= 2 and all(x.isdigit() for x in seeds) and int(seeds[0]) <= int(seeds[-1])
    if not (buffer_ok and parts[0] and seeds_ok):
        raise ValueError(f"--jobs {text!r}: expected run:buffer:seed, e.g. derpp:200:0 or finetune:none:0, or a seed "
                         "range first-last, e.g. derpp:200:0-4 (buffer a whole number or none, seeds whole numbers "
                         ">= 0, first <= last)")
    run, buffer = parts[0], None if parts[1] in ("", "none") else int(parts[1])
    return [(run, buffer, seed) for seed in range(int(seeds[0]), int(seeds[-1]) + 1)]


def run_worker(spec: dict, data: Path, out: Path, job: tuple[str, int | None, int], commit: str,
               stop_at: float | None, compile_mode: str = "none") -> None:
    import torch

    from hsokv.benchmarks.continual.data import load_images
    from hsokv.benchmarks.continual.stream import make_stream
    from hsokv.benchmarks.continual.protocol import run_one
    from hsokv.io import write_json

    torch.backends.cudnn.benchmark = True   # throughput over bitwise repeatability on the GPU; recorded below
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    images = load_images(spec["dataset"], data, spec["test_fraction"])
    stream = make_stream(images, spec["classes_per_task"], spec["val_per_class"], spec["train_per_class"],
                         spec["test_per_class"], device)
    run, buffer, seed = job
    name = label(run, buffer, seed, spec["epochs"])
    # the launcher (research/continual_kit/gpu_launch.sh) waits for this line: a bad spec or data has failed by now
    print(f"{name}: data built, training on {device}", flush=True)
    paused = out / "paused" / f"{name}.safetensors"
    result = run_one(stream, run, buffer, seed, backbone=spec["backbone"], epochs=spec["epochs"],
                     batch_size=spec["batch_size"], replay_batch_size=spec["replay_batch_size"],
                     augment=spec["augment"], all_method_args=spec["method_args"],
                     readout_grid=spec["readout_grid"], log=lambda s: print(s, flush=True),
                     checkpoint=paused, stop_at=stop_at, compile_mode=compile_mode,
                     **{key: spec.get(key, default) for key, default in SWITCH_DEFAULTS.items()})
    if result is None:
        print(f"paused: {paused}", flush=True)
        return
    result.update({"commit": commit, "cudnn_benchmark": True, "spec": spec})
    write_json(out / f"{name}.json", result)
    paused.unlink(missing_ok=True)


def check_spec(spec: dict, path: str, jobs: list[tuple[str, int | None, int]] = ()) -> None:
    """Refuse a spec, or jobs, that the runs would refuse (or silently read otherwise), before any run
    starts: a spec is edited by hand (e.g. research/continual_anchor/*/spec.json). Every key of the
    `continual` section must be there (but the switches of SWITCH_DEFAULTS, which older specs lack)
    and valid as params.yaml's would be; each job names a run of the spec with the buffer it needs."""
    from pydantic import ValidationError

    from hsokv.benchmarks.continual.config import ContinualConfig
    from hsokv.benchmarks.continual.protocol import check_runs, method_class
    from hsokv.config import _format_error
    missing = sorted(set(ContinualConfig.model_fields) - set(spec) - set(SWITCH_DEFAULTS))
    if missing:
        sys.exit(f"{path}: missing key(s) {missing} (write a spec with --write-spec)")
    try:
        ContinualConfig.model_validate(spec)
    except ValidationError as err:
        sys.exit(_format_error(err, path, ("continual",)))
    for run, buffer, _ in jobs:
        try:
            check_runs([run], spec["method_args"], None if buffer is None else [buffer])
        except ConfigError as err:
            sys.exit(f"{path}: {err}")
        needs_memory = method_class(run, spec["method_args"]).needs_memory
        if needs_memory != (buffer is not None):
            sys.exit(f"--jobs {run}:{buffer}: {run} {'needs a buffer size' if needs_memory else 'has no memory: buffer none'}")


def write_spec(path: Path, params: Path, preset: str, epochs: int | None) -> None:
    """The `continual` section as `preset` resolves it (epochs overridden when given), as JSON."""
    import yaml

    from hsokv.config import resolve
    raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    raw["preset"] = preset
    try:
        spec = resolve(raw, source=str(params)).continual.model_dump()
    except ConfigError as err:
        sys.exit(str(err))
    if epochs is not None:
        spec["epochs"] = epochs
        check_spec(spec, f"--epochs {epochs}")   # the override is checked as the section's own value is
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write-spec", metavar="PATH", help="write the spec for --preset (and --epochs) and stop")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--preset", default="research")
    p.add_argument("--epochs", type=int)
    p.add_argument("--spec")
    p.add_argument("--data", help="folder holding cifar10/<format folder>")
    p.add_argument("--out")
    p.add_argument("--jobs", nargs="+", help="run:buffer:seed or run:buffer:first-last (buffer 'none' for no memory)")
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--commit", default="unknown")
    p.add_argument("--time-limit", type=float, help="seconds from now: runs pause at the first epoch's end past it")
    p.add_argument("--compile", default="none", choices=COMPILE_MODES,
                   help="torch.compile mode of the model (reduce-overhead: CUDA graphs, 2-3x the steps/s of eager "
                        "on an H200; hsokv.benchmarks.continual.speed); recorded in each result")
    p.add_argument("--stop-at", type=float, help=argparse.SUPPRESS)   # the workers' deadline (Unix time)
    p.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    if args.write_spec:
        write_spec(Path(args.write_spec), Path(args.params), args.preset, args.epochs)
        return
    if not (args.spec and args.data and args.out and args.jobs):
        p.error("--spec, --data, --out and --jobs are required to run a grid")
    if args.parallel < 1:
        p.error(f"--parallel must be >= 1 (got {args.parallel})")
    try:
        jobs = [job for text in args.jobs for job in parse_job(text)]
    except ValueError as err:
        p.error(str(err))
    try:
        spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:   # missing, unreadable, not JSON
        p.error(f"--spec {args.spec}: cannot read a spec from it ({err}); write one with --write-spec")
    if not isinstance(spec, dict):
        p.error(f"--spec {args.spec}: not a spec (a JSON object of the continual section's keys); write one with --write-spec")
    check_spec(spec, args.spec, jobs)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.worker:
        run_worker(spec, Path(args.data), out, jobs[0], args.commit, args.stop_at, args.compile)
        return
    deadline = [] if args.time_limit is None else ["--stop-at", str(time.time() + args.time_limit)]
    todo = [j for j in jobs if not (out / f"{label(j[0], j[1], j[2], spec['epochs'])}.json").exists()]
    failed = run_parallel([(label(job[0], job[1], job[2], spec["epochs"]),
                            [sys.executable, "-m", "hsokv.benchmarks.continual.grid", "--spec", args.spec, "--data",
                             args.data, "--out", args.out, "--jobs", f"{job[0]}:{job[1] or 'none'}:{job[2]}",
                             "--commit", args.commit, "--compile", args.compile, "--worker", *deadline])
                           for job in todo],
                          out / "logs", args.parallel)
    paused = sorted(p.stem for p in (out / "paused").glob("*.safetensors"))
    if paused:
        print(f"paused (rerun the same command to continue): {paused}", flush=True)
    if failed:
        sys.exit(f"failed: {failed}")


if __name__ == "__main__":
    main()
