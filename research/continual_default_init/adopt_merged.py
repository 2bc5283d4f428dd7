"""Renames the committed runs when H-SOKV's design became merged replay (2026-12-06), so that one row is one
design (hsokv.benchmarks.continual.report.check_one_design_per_row): the runs of the replay-batch design,
`hsokv-*`, become `hsokv_batch_replay-*`; the runs of merged replay whose hyperparameters are exactly what
`hsokv` now trains with at their epochs (`hsokv_merged_r4` at 5 epochs, `hsokv_merged` at 50) become
`hsokv-*`. Only the `run` field and the file name change, and `relabelled` says from what and why (as the
torchvision-init grid's renamed runs in research/continual/ do); every number and the recorded `args` stay as
the run wrote them. A run whose args differ from the design's is
left alone (and named). Run once from the repository root:

    python research/continual_default_init/adopt_merged.py
"""
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from hsokv.benchmarks.continual.grid import label  # noqa: E402
from hsokv.benchmarks.continual.protocol import method_args  # noqa: E402

HERE = Path(__file__).parent
RENAMES = {5: [("hsokv", "hsokv_batch_replay"), ("hsokv_merged_r4", "hsokv")],
           50: [("hsokv", "hsokv_batch_replay"), ("hsokv_merged", "hsokv")]}


def rename(folder: Path, old: str, new: str, want_args: dict | None) -> list[str]:
    done = []
    for path in sorted(folder.glob("*.json")):
        r = json.loads(path.read_text())
        if r["run"] != old or r.get("relabelled", "").startswith(f"run '{old}' until 2026-12-06"):
            continue
        epochs = r["spec"]["epochs"]
        if want_args is not None:
            args = {k: v for k, v in r["args"].items() if k != "method"}
            want = {k: v for k, v in method_args(want_args, new, r["buffer"], epochs).items() if k != "method"}
            if args != want:
                print(f"left alone: {path.name}: args {args} are not {new}'s {want}")
                continue
        target = folder / f"{label(new, r['buffer'], r['seed'], epochs)}.json"
        if target.exists():
            raise SystemExit(f"{target} exists: rename {path.name} by hand")
        why = (f"run '{old}' until 2026-12-06; renamed when hsokv's design became merged replay (the memory merged "
               "into the task's images, merged_exposures 20: these args at these epochs) and the replay-batch design "
               "became the ablation hsokv_batch_replay. Nothing else changed.")
        r = {"run": new, "relabelled": why, **{k: v for k, v in r.items() if k != "run"}}
        target.write_text(json.dumps(r, indent=2) + "\n")
        path.unlink()
        done.append(f"{path.name} -> {target.name}")
    return done


def main() -> None:
    for epochs, steps in RENAMES.items():
        folder = HERE / f"e{epochs}" / "runs"
        spec = json.loads((HERE / f"e{epochs}" / "spec.json").read_text())
        for old, new in steps:   # the old hsokv runs first: their names are then free
            for line in rename(folder, old, new, spec["method_args"] if new == "hsokv" else None):
                print(line)


if __name__ == "__main__":
    main()
