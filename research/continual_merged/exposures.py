"""Validation accuracy against how often each memory entry is trained on in a task, at the four sizes measured:
H-SOKV's replay batch (32 draws from the memory every step) and merged replay (the memory's entries mixed into
the task's images, each `merged_repeats` times an epoch), each point paired with the replay batch over seeds.

    PYTHONPATH=. python research/continual_merged/exposures.py    # -> the table on stdout, exposures.png here

Exposures per entry in a task (after the first, when the memory is full): merged replay repeats x epochs; the
replay batch epochs x steps an epoch x 32 / entries, steps = ceil(task images / 32). Read from the committed runs:
runs_demo.jsonl and runs.jsonl here (CPU, small CNN), research/continual_default_init/e{5,50}/runs (H100, ResNet-18)."""
import glob
import json
import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from hsokv.benchmarks.continual.protocol import method_args  # noqa: E402
from hsokv.benchmarks.continual.validation import final_validation  # noqa: E402
from hsokv.report import paired_test, summarize  # noqa: E402

HERE = Path(__file__).parent
BATCH = REPLAY = 32   # the protocol's, in both checks and the GPU specs (checked below for the GPU)
# the CPU checks' runs: the replay batch ("batch") or merged replay with that count an epoch
CPU_RUNS = {"hsokv_batch_replay": "batch", "hsokv_merged": 1, "hsokv_merged_r4": 4, "hsokv_merged_r5": 5,
            "hsokv_merged_r20": 20}


def _without_method(args: dict) -> dict:
    return {k: v for k, v in args.items() if k != "method"}


def _gpu_kind(args: dict, batch: dict, merged: dict):
    """The GPU runs by their recorded args (their names changed when merged replay became hsokv's design): the
    replay batch's, or merged replay's with merged_repeats (1 when not recorded); every other variant is None."""
    args = _without_method(args)
    if args == batch:
        return "batch"
    repeats = args.pop("merged_repeats", 1)
    return repeats if args == merged else None


def _cpu(path: Path) -> tuple[dict, dict]:
    finals, shape = {}, {}
    for line in path.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
        if r["run"] in CPU_RUNS:
            finals.setdefault(CPU_RUNS[r["run"]], {})[r["seed"]] = final_validation(r["retrieval"])
            shape = {"epochs": r["epochs"], "task": 2 * r["train_per_class"], "entries": r["buffer"]}
    return finals, shape


def _gpu(epochs: int, entries: int) -> tuple[dict, dict]:
    finals = {}
    folder = Path(f"research/continual_default_init/e{epochs}")
    # the two designs' args as the committed spec gives them (hsokv_merged: merged replay once an epoch)
    designs = json.loads((folder / "spec.json").read_text(encoding="utf-8"))["method_args"]
    batch, merged = (_without_method(method_args(designs, run, entries, epochs))
                     for run in ("hsokv_batch_replay", "hsokv_merged"))
    for f in glob.glob(f"{folder}/runs/*-{entries}-e{epochs}-s*.json"):
        r = json.loads(Path(f).read_text(encoding="utf-8"))
        kind = _gpu_kind(r["args"], batch, merged) if r["method"] == "hsokv" else None
        if kind is not None:
            assert (r["spec"]["batch_size"], r["spec"]["replay_batch_size"]) == (BATCH, REPLAY), f
            finals.setdefault(kind, {})[r["seed"]] = final_validation(r["readouts"][r["readout"]])
            spec = r["spec"]
    # CIFAR-10's 5,000 training images a class, less those held out for validation
    task = spec["classes_per_task"] * (5000 - spec["val_per_class"])
    return finals, {"epochs": epochs, "task": task, "entries": entries}


SETTINGS = {
    "demo size: 1 epoch, 200-image tasks, 200 entries (CPU)": lambda: _cpu(HERE / "runs_demo.jsonl"),
    "10 epochs, 2,000-image tasks, 100 entries (CPU)": lambda: _cpu(HERE / "runs.jsonl"),
    "5 epochs, 9,000-image tasks, 500 entries (H100)": lambda: _gpu(5, 500),
    "50 epochs, 9,000-image tasks, 500 entries (H100)": lambda: _gpu(50, 500),
}

print("| setting | replay | exposures an entry a task | seeds | validation class-IL | minus the replay batch, paired | p |")
print("|---|---|---|---|---|---|---|")
fig, ax = plt.subplots(figsize=(7, 4.2))
for name, load in SETTINGS.items():
    finals, shape = load()
    base = finals["batch"]
    batch_exposures = shape["epochs"] * math.ceil(shape["task"] / BATCH) * REPLAY / shape["entries"]
    xs, ys, errs = [batch_exposures], [0.0], [0.0]
    print(f"| {name} | replay batch | {batch_exposures:.0f} | {len(base)} | {summarize(list(base.values()))['mean']:.1f} | | |")
    for repeats in sorted(k for k in finals if k != "batch"):
        seeds = sorted(set(finals[repeats]) & set(base))
        t = paired_test([finals[repeats][s] for s in seeds], [base[s] for s in seeds])
        d = t["difference"]
        mean = summarize(list(finals[repeats].values()))["mean"]
        print(f"| {name} | merged, {repeats} an epoch | {repeats * shape['epochs']} | {len(seeds)} | {mean:.1f} | "
              f"{d['mean']:+.1f} ± {d['std']:.1f} | {t['p_value']:.3f} |")
        xs.append(repeats * shape["epochs"])
        ys.append(d["mean"])
        errs.append(d["std"] / math.sqrt(len(seeds)))
    order = sorted(range(len(xs)), key=xs.__getitem__)
    line = ax.errorbar([xs[i] for i in order], [ys[i] for i in order], yerr=[errs[i] for i in order], marker="o",
                       capsize=3, label=name)
    ax.plot([batch_exposures], [0.0], marker="s", markersize=9, color=line[0].get_color(), fillstyle="none")
ax.axhline(0.0, color="grey", linewidth=0.8)
ax.set_xscale("log")
ax.set_xlabel("times each memory entry is trained on in a task (log)")
ax.set_ylabel("validation class-IL minus the replay batch's (points)")
ax.set_title("Merged replay against the replay batch (square), mean ± s.e. over seeds", fontsize=9)
ax.legend(fontsize=7)
fig.tight_layout()
fig.savefig(HERE / "exposures.png", dpi=120)
