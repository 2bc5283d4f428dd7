"""Rescores the committed runs' `retrieval` readout for the readout grid with w = 1 added (2026-12-06), exactly,
from what each run recorded, without the GPU. The retrieval readout is (1 - w) softmax(head) + w kNN, its
settings chosen after each task by mean class-IL accuracy on validation (protocol.evaluate: the first best in
the grid's order k, tau, w). The runs' grid stopped at w = 0.75, and with w = 1 the readout is the kNN readout
at the same (k, tau), whose own choice over the same k and tau each run also recorded. So the extended grid's
choice after each task is whichever of the two recorded choices scored higher on validation (on a tie, the one
earlier in the extended grid's order), and its test rows are that readout's: the run rescored is the run the
extended grid would have written. Each rescored run records the grid in its spec and `rescored` says what
changed. Runs whose spec already holds w = 1 are left alone (running this again changes nothing). From the
repository root:

    python research/continual_default_init/rescore_readout_grid.py
"""
import itertools
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from hsokv.benchmarks.continual.protocol import accuracy_matrix_summary  # noqa: E402

HERE = Path(__file__).parent
W_MEMORY_ONLY = 1.0


def validation_score(row: list) -> float:
    """protocol.evaluate's criterion: the mean class-IL accuracy on the validation tasks seen."""
    return float(np.mean([a for a in row if a is not None] or [-1.0]))


def rescore(run: dict) -> dict | None:
    grid = run["spec"]["readout_grid"]
    if W_MEMORY_ONLY in grid["w"] or "retrieval" not in run["readouts"]:
        return None
    w_grid = [*grid["w"], W_MEMORY_ONLY]
    order = list(itertools.product(grid["k"], grid["tau"], w_grid))
    fused, knn = run["readouts"]["retrieval"], run["readouts"]["knn"]
    out = {key: [] for key in ("class_il", "task_il", "val_class_il", "setting")}
    for t in range(len(fused["class_il"])):
        memory_only = {**knn["setting"][t], "w": W_MEMORY_ONLY}
        candidates = [(validation_score(fused["val_class_il"][t]), fused, fused["setting"][t]),
                      (validation_score(knn["val_class_il"][t]), knn, memory_only)]
        # the higher validation score; on a tie the setting earlier in the grid's order, as np.argmax picks
        score, source, setting = max(candidates, key=lambda c: (c[0], -order.index((c[2]["k"], c[2]["tau"], c[2]["w"]))))
        for key in ("class_il", "task_il", "val_class_il"):
            out[key].append(source[key][t])
        out["setting"].append(setting)
    out["class_il_summary"] = accuracy_matrix_summary(out["class_il"])
    out["task_il_summary"] = accuracy_matrix_summary(out["task_il"])
    chosen = sum(s["w"] == W_MEMORY_ONLY for s in out["setting"])
    run = json.loads(json.dumps(run))
    run["readouts"]["retrieval"] = out
    run["spec"]["readout_grid"] = {**grid, "w": w_grid}
    run["rescored"] = (f"2026-12-06: the retrieval readout rescored for the readout grid with w = 1 (memory only) "
                       f"added, from the run's recorded retrieval (w <= {max(grid['w'])}) and kNN readouts "
                       f"(research/continual_default_init/rescore_readout_grid.py); w = 1 chosen after {chosen} of "
                       f"{len(out['setting'])} tasks. Nothing else changed.")
    return run


def main() -> None:
    changed = 0
    for path in sorted(HERE.glob("e*/runs/*.json")):
        run = rescore(json.loads(path.read_text()))
        if run is not None:
            path.write_text(json.dumps(run, indent=2) + "\n")
            changed += 1
    print(f"rescored {changed} runs")


if __name__ == "__main__":
    main()
