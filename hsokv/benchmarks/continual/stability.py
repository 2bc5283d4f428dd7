"""How far the protocol's last iterate can be trusted. The protocol (Mammoth's) scores the network as it
is after the last step of each task, trained at a constant learning rate without momentum, so a network far
from converged can end a task at a bad step. The symptom is plain in the accuracy matrix: the task just
trained, a two-class problem the network has just fitted, read among its own two classes (task-IL, the
matrix's diagonal), falls far below its usual 90-99%.

Counted per readout over every run of a group: the runs with any diagonal entry below THRESHOLD, and the
lowest entry. The linear head reads the network's logits; the NCM / kNN / retrieval readouts compare the
features with class means or stored keys encoded by the same network, so a shift common to both cancels.
Where the head falls and those do not, a head-read class-IL figure at that epoch budget measures the last
step's luck as much as the method, and a readout comparison (H-SOKV's retrieval against a peer's head)
gains from it."""
from __future__ import annotations

THRESHOLD = 80.0   # task-IL % on the task just trained; healthy 50-epoch runs sit at 85-99


def diagonal(task_il: list[list[float | None]]) -> list[float]:
    """Task-IL accuracy on each task right after training on it."""
    return [row[t] for t, row in enumerate(task_il) if t < len(row) and row[t] is not None]


def last_iterate_stability(results: list[dict]) -> dict:
    """{readout: {runs, runs_below, lowest}} over every run that has the readout, and the same for the head
    per method (whose run names differ by buffer and variant), with THRESHOLD."""
    readouts: dict[str, dict] = {}
    head_by_method: dict[str, dict] = {}
    for r in results:
        for name, scores in r["readouts"].items():
            _count(readouts.setdefault(name, _empty()), diagonal(scores["task_il"]))
        _count(head_by_method.setdefault(r["method"], _empty()), diagonal(r["readouts"]["head"]["task_il"]))
    return {"threshold": THRESHOLD, "readouts": dict(sorted(readouts.items())),
            "head_by_method": dict(sorted(head_by_method.items()))}


def _empty() -> dict:
    return {"runs": 0, "runs_below": 0, "lowest": None}


def _count(tally: dict, diag: list[float]) -> None:
    if not diag:
        return
    low = min(diag)
    tally["runs"] += 1
    tally["runs_below"] += low < THRESHOLD
    tally["lowest"] = low if tally["lowest"] is None else min(tally["lowest"], low)


def stability_table(stability: dict) -> str:
    t = stability["threshold"]
    lines = [f"The last iterate: runs whose task-IL accuracy on the task just trained (the matrix's diagonal) "
             f"fell below {t:.0f}% on any task, per readout and, for the head, per method", "",
             "| readout | runs | runs below | share | lowest entry |", "|---|---|---|---|---|"]
    rows = list(stability["readouts"].items())
    rows += [(f"head, {method} runs", s) for method, s in stability["head_by_method"].items()]
    for name, s in rows:
        if not s["runs"]:
            continue
        lines.append(f"| {name} | {s['runs']} | {s['runs_below']} | {100.0 * s['runs_below'] / s['runs']:.0f}% | "
                     f"{s['lowest']:.1f} |")
    return "\n".join(lines) + "\n"
