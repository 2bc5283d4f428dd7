"""Renames committed runs when a design changes name, so that one row is one design
(hsokv.benchmarks.continual.report.check_one_design_per_row). Each relabelling below renames the runs of one
name to another, in order, at the epochs given; a run is renamed only when its recorded `args` are exactly
what the committed spec now trains under the new name at its epochs (protocol.method_args), so a later run
that took the old name for another design is left alone, and running this again changes nothing. Only the
`run` field and the file name change, and `relabelled` says from what and why (as the torchvision-init
grid's renamed runs in research/continual/ do); every number and the recorded `args` stay as the run
wrote them. From the repository root:

    python research/continual_default_init/relabel.py
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from hsokv.benchmarks.continual.grid import label  # noqa: E402
from hsokv.benchmarks.continual.protocol import method_args  # noqa: E402

HERE = Path(__file__).parent
BATCH_VARIANTS = ["hsokv_reservoir", "hsokv_logit_replay", "hsokv_separate_forward", "hsokv_lr0.01", "hsokv_lr0.1",
                  "hsokv_feature_distill", "hsokv_logit_distill"]
RELABELS = [
    {"why": "renamed when hsokv's design became merged replay (the memory merged into the task's images, "
            "merged_exposures 20: these args at these epochs) and the replay-batch design became the ablation "
            "hsokv_batch_replay. Nothing else changed.",
     "steps": {5: [("hsokv", "hsokv_batch_replay"), ("hsokv_merged_r4", "hsokv")],   # the old hsokv first: its
               50: [("hsokv", "hsokv_batch_replay"), ("hsokv_merged", "hsokv")]}},   # name is then free
    {"why": "renamed because it varies the replay-batch design, hsokv_batch_replay, not hsokv's merged "
            "replay: its name now says which design it changes one setting of. Nothing else changed.",
     "steps": {epochs: [(old, old.replace("hsokv", "hsokv_batch_replay", 1)) for old in BATCH_VARIANTS]
               for epochs in (5, 50)}},
]


def rename(folder: Path, old: str, new: str, spec_args: dict, why: str) -> tuple[list[str], int]:
    done, left = [], 0
    for path in sorted(folder.glob("*.json")):
        r = json.loads(path.read_text())
        if r["run"] != old:
            continue
        epochs = r["spec"]["epochs"]
        args = {k: v for k, v in r["args"].items() if k != "method"}
        want = {k: v for k, v in method_args(spec_args, new, r["buffer"], epochs).items() if k != "method"}
        if args != want:
            left += 1
            continue
        target = folder / f"{label(new, r['buffer'], r['seed'], epochs)}.json"
        if target.exists():
            raise SystemExit(f"{target} exists: rename {path.name} by hand")
        r = {"run": new, "relabelled": f"run '{old}' until 2026-12-06; {why}",
             **{k: v for k, v in r.items() if k != "run"}}
        target.write_text(json.dumps(r, indent=2) + "\n")
        path.unlink()
        done.append(f"{path.name} -> {target.name}")
    return done, left


def main() -> None:
    for relabel in RELABELS:
        for epochs, steps in relabel["steps"].items():
            folder = HERE / f"e{epochs}" / "runs"
            spec_args = json.loads((HERE / f"e{epochs}" / "spec.json").read_text())["method_args"]
            for old, new in steps:
                done, left = rename(folder, old, new, spec_args, relabel["why"])
                print("\n".join(done) or f"{folder}: nothing to rename from {old!r} to {new!r}"
                      + (f" ({left} runs of that name have other args: left alone)" if left else ""))


if __name__ == "__main__":
    main()
