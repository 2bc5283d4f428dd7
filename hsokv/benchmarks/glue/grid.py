"""Few-shot GLUE's research runs on a GPU host without dvc: one process per (task, backbone,
method, seed), one JSON each.

Each job writes `<out>/<task>-<backbone>-<method>-s<seed>.json` atomically when it finishes (its
record, the evaluation set sizes, device, torch version and commit); a job whose file exists is
skipped, so a grid can be resumed in a later session. With --vector-cache DIR, a pretrained frozen
encoder's vectors are kept in DIR (frozen.py), so an evaluation set is encoded once per backbone
for the whole grid, not once per job. Each file records the job's CPU seconds (user + system of its
process; a job that finds the vectors cached spends only what its method adds) and the machine.
A --worker given several jobs runs them in order in one process, where the imports and the model
load are paid by its first job only (on a shared few-core CPU that overhead is most of a cached job). The settings come from a spec JSON (the
params file with the preset chosen, written here with --write-spec), so the host needs neither
params.yaml nor DVC. --collect gathers the files into results/glue/<task>.json for report_glue.

With --split-points, a trained method's job (LM-BFF's grid: 9 learning rate x batch size points of
1,000 steps each) runs as one job per point, `<out>/points/<label>-lr<rate>-bs<batch>.json`, each
point evaluated on the dev sets; once every point of a job is there, they are combined into the
job's file: the point with the best k-shot dev accuracy (ties: the earlier point), its scores, and
every point's selection record. That is the same record as the job run whole (each point starts
from the same seed, initialisation and batch order), in pieces that a lease ending mid-grid keeps.

    python -m hsokv.benchmarks.glue.grid --write-spec spec.json --preset research
    python -m hsokv.benchmarks.glue.grid --spec spec.json --data DIR --out DIR --parallel 4 --commit <sha>
        [--jobs SST-2:mpnet:hsokv:13 ...]          (default: every job the spec names)
        [--vector-cache DIR]                       (frozen vectors shared by every job)
        [--split-points]                           (a trained method's grid points as jobs of their own)
        [--compile reduce-overhead]                (trained methods' encoders under torch.compile: compiled.py)
    python -m hsokv.benchmarks.glue.grid --spec spec.json --data DIR --out DIR --worker --jobs ...   (one process)
    python -m hsokv.benchmarks.glue.grid --spec spec.json --out DIR --collect results/glue
"""
from __future__ import annotations

import argparse
import copy
import json
import os
import platform
import sys
import time
from pathlib import Path

from hsokv.jobs import run_parallel
from hsokv.training import COMPILE_MODES


NOT_RECORDED = "not recorded (a run from before download_glue wrote sources.json)"


def label(task: str, backbone: str, method: str, seed: int) -> str:
    return f"{task}-{backbone}-{method}-s{seed}"


def parse_job(text: str) -> tuple:
    """task:backbone:method:seed, or with :learning_rate:batch_size one grid point of a trained method."""
    parts = text.split(":")
    if len(parts) not in (4, 6):
        raise ValueError(f"job {text!r}: expected task:backbone:method:seed[:learning_rate:batch_size]")
    job = (parts[0], parts[1], parts[2], int(parts[3]))
    return job if len(parts) == 4 else (*job, float(parts[4]), int(parts[5]))


def job_label(job: tuple) -> str:
    return label(*job[:4]) + ("" if len(job) == 4 else f"-lr{job[4]:g}-bs{job[5]}")


def job_file(out: Path, job: tuple) -> Path:
    return out / f"{job_label(job)}.json" if len(job) == 4 else out / "points" / f"{job_label(job)}.json"


def grid_points(spec: dict, job: tuple) -> list[tuple[float, int]]:
    """A trained method's (learning rate, batch size) points; [] for a method without a grid."""
    from hsokv.benchmarks.glue.backbones import BACKBONES
    from hsokv.benchmarks.glue.methods import is_trained
    from hsokv.benchmarks.glue.methods.base import grid as method_grid
    cfg = _config(spec)
    if not is_trained(job[2]):
        return []
    return method_grid(cfg, BACKBONES.get(job[1]).pretrained)


def point_spec(spec: dict, learning_rate: float, batch_size: int) -> dict:
    """The spec with the grid narrowed to one point (a scratch encoder keeps train.learning_rate)."""
    spec = copy.deepcopy(spec)
    spec["params"].setdefault("glue", {}).update(grid_learning_rates=[learning_rate], grid_batch_sizes=[batch_size])
    return spec


def split(spec: dict, out: Path, jobs: list[tuple]) -> list[tuple]:
    """Each unfinished job of a method with more than one grid point -> one job per point."""
    expanded = []
    for job in jobs:
        points = grid_points(spec, job) if len(job) == 4 and not job_file(out, job).exists() else []
        expanded += [(*job, lr, bs) for lr, bs in points] if len(points) > 1 else [job]
    return expanded


def combine(spec: dict, out: Path, job: tuple) -> bool:
    """Write a job's file from its points' files once all exist; True when written."""
    files = [job_file(out, (*job, lr, bs)) for lr, bs in grid_points(spec, job)]
    if len(files) < 2 or job_file(out, job).exists() or not all(f.is_file() for f in files):
        return False
    from hsokv.io import write_json
    runs = [json.loads(f.read_text(encoding="utf-8")) for f in files]
    best = runs[0]
    for run in runs[1:]:   # ties keep the earlier point, as a whole job's grid does
        if run["record"]["dev_accuracy"] > best["record"]["dev_accuracy"]:
            best = run
    record = {**best["record"], "grid": [run["record"]["grid"][0] for run in runs],
              "wall_seconds": sum(run["record"]["wall_seconds"] for run in runs)}
    write_json(job_file(out, job), {**best, "record": record, "cpu_seconds": sum(run["cpu_seconds"] for run in runs),
                                    "spec": spec, "points": [f.name for f in files]})
    return True


def _config(spec: dict):
    import hsokv.benchmarks.glue.protocol  # noqa: F401  (registers the glue section, its methods and backbones)
    from hsokv.config import resolve
    return resolve(spec["params"])


def all_jobs(spec: dict) -> list[tuple[str, str, str, int]]:
    g = _config(spec).glue
    return [(t, b, m, s) for t in g.tasks for b in g.backbones for m in g.methods for s in g.seeds]


def machine() -> dict:
    """What the CPU seconds were measured on (no host name, no path)."""
    import torch
    return {"platform": platform.platform(), "processor": platform.machine(), "cpu_count": os.cpu_count(),
            "torch_threads": torch.get_num_threads()}


def run_worker(spec: dict, data: Path, out: Path, job: tuple, commit: str,
               vector_cache: str | None = None, compile_mode: str = "none") -> None:
    """One job, or one grid point of a trained method's job (a 6-tuple), into its file."""
    import torch

    start = time.process_time()
    from hsokv.benchmarks.glue import frozen
    from hsokv.benchmarks.glue.data import k_shot_provenance, load_few_shot
    from hsokv.benchmarks.glue.protocol import run_seed
    from hsokv.io import write_json

    frozen.use_disk_cache(vector_cache)
    if len(job) == 6:
        spec = point_spec(spec, job[4], job[5])
    cfg = _config(spec)
    g = cfg.glue
    task, backbone, method, seed = job[:4]
    splits = load_few_shot(data / task, task, seed, g.k, g.k_shot_source, g.max_eval_examples,
                           g.eval_sample_seed)
    record = run_seed(splits, backbone, [method], cfg, compile_mode)[0]
    write_json(job_file(out, job), {
        "record": record, "eval_examples": {n: len(e) for n, e in splits.evals.items()},
        "k_shot_source": k_shot_provenance(data / task, g.k_shot_source), "torch": torch.__version__, "gpu": torch.cuda.get_device_name() if torch.cuda.is_available() else None,
        "commit": commit, "cpu_seconds": time.process_time() - start, "machine": machine(), "spec": spec})


def collect(out: Path, dest: Path) -> list[Path]:
    """Per-job files -> one results/glue/<task>.json per task, in the stage's format."""
    by_task: dict[str, dict] = {}
    for path in sorted(out.glob("*.json")):
        run = json.loads(path.read_text(encoding="utf-8"))
        r = run["record"]
        entry = by_task.setdefault(r["task"], {"task": r["task"], "preset": run["spec"]["params"]["preset"],
                                               "config": run["spec"]["params"], "eval_splits": list(run["eval_examples"]),
                                               "eval_examples": run["eval_examples"],
                                               "k_shot_source": run.get("k_shot_source", NOT_RECORDED), "runs": []})
        entry["runs"].append({**r, "commit": run["commit"], "gpu": run["gpu"]})
    from hsokv.io import write_json
    dest.mkdir(parents=True, exist_ok=True)
    for task, entry in by_task.items():
        write_json(dest / f"{task}.json", entry)
    return [dest / f"{t}.json" for t in by_task]


def write_spec(path: Path, params: Path, preset: str) -> None:
    import yaml
    raw = yaml.safe_load(params.read_text(encoding="utf-8"))
    raw["preset"] = preset
    spec = {"params": raw}
    _config(spec)  # refuse a spec that does not resolve, before it travels
    path.write_text(json.dumps(spec, indent=1) + "\n", encoding="utf-8")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--write-spec", metavar="PATH", help="write the spec for --preset and stop")
    p.add_argument("--params", default="params.yaml")
    p.add_argument("--preset", default="research")
    p.add_argument("--spec")
    p.add_argument("--data", help="folder holding <task>/ as download_glue writes it (data/raw/glue)")
    p.add_argument("--out")
    p.add_argument("--jobs", nargs="+", help="task:backbone:method:seed; default: every job of the spec")
    p.add_argument("--parallel", type=int, default=1)
    p.add_argument("--commit", default="unknown")
    p.add_argument("--vector-cache", help="folder keeping pretrained frozen vectors for every job (created)")
    p.add_argument("--collect", metavar="DIR", help="gather --out's files into DIR/<task>.json and stop")
    p.add_argument("--worker", action="store_true", help="run the --jobs in order in this one process, skipping those whose file exists")
    p.add_argument("--compile", default="none", choices=COMPILE_MODES,
                   help="torch.compile mode of the trained methods' encoders, inputs padded to a few widths "
                        "(compiled.py; reduce-overhead: CUDA graphs, for the GPU host's launch-bound small batches)")
    p.add_argument("--split-points", action="store_true",
                   help="run a trained method's grid points as jobs of their own, combined when all are done")
    args = p.parse_args()
    if args.write_spec:
        write_spec(Path(args.write_spec), Path(args.params), args.preset)
        return
    if args.collect:
        print("\n".join(map(str, collect(Path(args.out), Path(args.collect)))))
        return
    if not (args.spec and args.data and args.out):
        p.error("--spec, --data and --out are required to run a grid")
    spec = json.loads(Path(args.spec).read_text(encoding="utf-8"))
    out = Path(args.out)
    try:
        jobs = [parse_job(j) for j in args.jobs] if args.jobs else all_jobs(spec)
        for job in (j for j in jobs if len(j) == 6):
            points = grid_points(spec, job)
            if job[4:] not in points:
                raise ValueError(f"job {':'.join(map(str, job))}: ({job[4]:g}, {job[5]}) is not a grid point of "
                                 f"{job[2]} on {job[1]}; the spec's points: {points or 'none (no grid)'}")
    except ValueError as e:
        p.error(str(e))
    out.mkdir(parents=True, exist_ok=True)
    runnable = split(spec, out, jobs) if args.split_points else jobs

    def combine_done() -> None:
        for job in {j[:4] for j in runnable if len(j) == 6}:
            if combine(spec, out, job):
                print(f"{time.strftime('%H:%M:%S')} {job_label(job)}: combined", flush=True)
    if args.worker:   # its jobs in order in this one process (imports and model load paid once)
        for job in runnable:
            if not job_file(out, job).exists():
                run_worker(spec, Path(args.data), out, job, args.commit, args.vector_cache, args.compile)
                print(f"{time.strftime('%H:%M:%S')} {job_label(job)}: done", flush=True)
        combine_done()
        return
    todo = [j for j in runnable if not job_file(out, j).exists()]
    failed = run_parallel([(job_label(job), [sys.executable, "-m", "hsokv.benchmarks.glue.grid", "--spec", args.spec,
                                             "--data", args.data, "--out", args.out, "--jobs", ":".join(map(str, job)),
                                             "--commit", args.commit, "--compile", args.compile, "--worker"]
                                            + (["--vector-cache", args.vector_cache] if args.vector_cache else []))
                           for job in todo],
                          out / "logs", args.parallel)
    combine_done()
    if failed:
        sys.exit(f"failed: {failed}")

if __name__ == "__main__":
    main()
