"""Tables and figures for continual learning, from per-run results (one dict per method, buffer,
seed, as protocol.run_one returns): mean, std and 95% CI over seeds for every row, a paired test of
H-SOKV against the best other method at each buffer size, and the plots dvc.yaml declares."""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from hsokv.config import ConfigError  # noqa: E402
from hsokv.report import paired_test, summarize  # noqa: E402

BOUNDS = ("joint",)   # the upper bound is not a competitor


def row_name(result: dict, readout: str) -> str:
    base = result["run"] + ("" if result["buffer"] is None else f"-{result['buffer']}")
    return base if readout == result["readout"] else f"{base} [{readout}]"


def check_one_design_per_row(results: list[dict], sources: list[str]) -> None:
    """Every run of one name and buffer (one row, over seeds) has the same method and settings, and a run
    read from a memory the same readout grid (its settings are chosen from it): after a design change the
    older results must be renamed, rescored or removed, never averaged in."""
    first: dict[tuple, tuple[str, dict]] = {}
    for r, source in zip(results, sources):
        settings = {**r["args"], "method": r["method"]}   # args name the method only for a renamed run
        if "knn" in r["readouts"]:   # a run without a memory has only its head: no grid applies
            settings["readout_grid"] = r["spec"]["readout_grid"]
        ref_source, ref = first.setdefault((r["run"], r["buffer"], r["spec"]["epochs"]), (source, settings))
        if settings != ref:
            differ = sorted(k for k in set(settings) | set(ref) if settings.get(k) != ref.get(k))
            raise ConfigError(f"{source}: run {r['run']!r} (buffer {r['buffer']}) has other settings than "
                              f"{ref_source} ({', '.join(f'{k}: {settings.get(k)!r} vs {ref.get(k)!r}' for k in differ)}); "
                              "one row is one design: rename one of them (its 'run' field and file name), rescore it or remove it")


def _matrix_mean(mats: list[list[list[float | None]]]) -> list[list[float | None]]:
    return [[None if row[j] is None else float(np.mean([m[i][j] for m in mats])) for j in range(len(row))]
            for i, row in enumerate(mats[0])]


def summary(results: list[dict], header: dict) -> dict:
    """Rows keyed by run (and readout where it is not the method's own), each over its seeds."""
    groups: dict[str, list[tuple[dict, dict]]] = defaultdict(list)
    for r in sorted(results, key=lambda r: (r["run"], r["buffer"] or 0, r["seed"])):
        for readout, rows in r["readouts"].items():
            groups[row_name(r, readout)].append((r, rows))
    out = {**header, "seeds": sorted({r["seed"] for r in results}), "rows": {}}
    for name, members in groups.items():
        first = members[0][0]
        entry = {"run": first["run"], "method": first["method"], "buffer": first["buffer"],
                 "readout": next(k for k, v in first["readouts"].items() if v is members[0][1]),
                 "seeds": [m[0]["seed"] for m in members], "args": first["args"]}
        entry["own_readout"] = entry["readout"] == first["readout"]
        for setting in ("class_il", "task_il"):
            entry[setting] = {k: summarize([rows[f"{setting}_summary"][k] for _, rows in members])
                              for k in ("average_accuracy", "bwt", "forgetting")}
            entry[setting]["per_seed"] = [rows[f"{setting}_summary"]["average_accuracy"] for _, rows in members]
            entry[setting]["matrix"] = _matrix_mean([rows[setting] for _, rows in members])
        entry["memory"] = first["memory"]
        entry["train_flops"] = summarize([r["train_flops"] for r, _ in members])
        entry["timing"] = {"wall_seconds": summarize([r["wall_seconds"] for r, _ in members])}
        out["rows"][name] = entry
    out["comparisons"] = compare(out["rows"])
    return out


def paired_rows(h: dict, other: dict) -> dict:
    """h - other, paired over the seeds both rows have."""
    common = sorted(set(h["seeds"]) & set(other["seeds"]))
    hv = [h["class_il"]["per_seed"][h["seeds"].index(s)] for s in common]
    ov = [other["class_il"]["per_seed"][other["seeds"].index(s)] for s in common]
    return {"seeds": common, **paired_test(hv, ov)}


def _others_at_buffer(rows: dict[str, dict], name: str) -> dict[str, dict]:
    """Every other row at `name`'s buffer size and the memory-free rows, the upper bound excluded."""
    buffer = rows[name]["buffer"]
    return {n: r for n, r in rows.items() if n != name and r["run"] not in BOUNDS and r["buffer"] in (buffer, None)}


def peers(rows: dict[str, dict], name: str) -> dict[str, dict]:
    """The rows an H-SOKV row competes with: other methods (every readout) at its buffer size and the
    memory-free lower bound, the upper bound excluded."""
    return {n: r for n, r in _others_at_buffer(rows, name).items() if r["method"] != "hsokv"}


def compare(rows: dict[str, dict]) -> dict:
    """At each buffer size: H-SOKV's own readout against the best other row (any method, any
    readout, the upper bound excluded), and against every other row at that buffer (`against`): the
    peers and the memory-free lower bound under every readout (a peer's head alone can fail on its
    last iterate where its kNN readout does not), H-SOKV's ablations under their own. Each paired
    over the seeds both have."""
    out = {}
    for name, h in rows.items():
        if h["method"] != "hsokv" or h["run"] != "hsokv" or not h["own_readout"]:
            continue
        others = _others_at_buffer(rows, name)
        rivals = peers(rows, name)
        if not rivals:
            continue
        best = max(rivals, key=lambda n: rivals[n]["class_il"]["average_accuracy"]["mean"])
        against = {n: paired_rows(h, r) for n, r in others.items() if r["own_readout"] or r["method"] != "hsokv"}
        out[name] = {"best_other": best, **paired_rows(h, rivals[best]), "against": against}
    return out


def p_text(p: float | None) -> str:
    """A paired test's p for a table: n/a without one, "< 0.001" rather than a "0.000" that reads as zero."""
    return "n/a" if p is None else "< 0.001" if p < 0.001 else f"{p:.3f}"


def mean_std(s: dict | None) -> str:
    """A summarize() dict for a table, in points to one decimal."""
    if s is None:
        return "n/a"
    # one seed has no spread: print the value alone rather than a "± 0.0" that reads as a measurement
    return f"{s['mean']:.1f}" if s["n_seeds"] == 1 else f"{s['mean']:.1f} ± {s['std']:.1f}"


def table(metrics: dict) -> str:
    lines = [f"Split-{metrics['dataset']} ({metrics['tasks']} tasks, {metrics['backbone']}, "
             f"{metrics['epochs_per_task']} epochs per task, seeds {metrics['seeds']}; mean ± std over seeds; "
             "[readout] = the same run scored by another readout"
             + (f"; runs of commit {', '.join(c[:7] for c in metrics['commits'])}" if metrics.get("commits") else "")
             + ")", "",
             "| row | seeds | class-IL acc | 95% CI | class-IL forgetting | task-IL acc | memory KB | extra state KB | "
             "train TFLOPs |",
             "|---|---|---|---|---|---|---|---|---|"]
    for name, m in metrics["rows"].items():
        c, t = m["class_il"], m["task_il"]
        ci = c["average_accuracy"]["ci95"]
        lines.append(f"| {name} | {len(m['seeds'])} | {mean_std(c['average_accuracy'])} | {'n/a' if ci is None else f'± {ci:.1f}'} | "
                     f"{mean_std(c['forgetting'])} | {mean_std(t['average_accuracy'])} | {m['memory']['bytes'] / 1e3:.0f} | "
                     f"{m['memory']['extra_state_bytes'] / 1e3:.0f} | {m['train_flops']['mean'] / 1e12:.2f} |")
    if metrics["comparisons"]:
        lines += ["", "| H-SOKV row | best other row | difference (points) | paired t-test p |", "|---|---|---|---|"]
        for name, c in metrics["comparisons"].items():
            p = "n/a (one seed)" if len(c["seeds"]) == 1 else p_text(c["p_value"])
            lines.append(f"| {name} | {c['best_other']} | {mean_std(c['difference'])} | {p} |")
        lines += ["", "| H-SOKV row | against (peers: every readout; H-SOKV's variants: their own) | seeds | difference (points) | "
                  "paired t-test p |",
                  "|---|---|---|---|---|"]
        for name, c in metrics["comparisons"].items():
            for other, t in c["against"].items():
                p = p_text(t["p_value"])
                lines.append(f"| {name} | {other} | {len(t['seeds'])} | {mean_std(t['difference'])} | {p} |")
    return "\n".join(lines) + "\n"


def write_plots(metrics: dict, out_dir: Path) -> None:
    """retention.csv/.png (class-IL accuracy on the tasks seen, after each task), final.csv,
    memory.csv (class-IL against memory bytes), accuracy_matrix.png and summary.md."""
    out_dir.mkdir(parents=True, exist_ok=True)
    own = {n: m for n, m in metrics["rows"].items() if m["own_readout"]}
    rows = []
    for name, m in own.items():
        matrix = m["class_il"]["matrix"]
        for i, row in enumerate(matrix):
            seen = [a for a in row if a is not None]
            rows.append({"method": name, "after_task": len(seen) if len(matrix) > 1 else metrics["tasks"],
                         "class_il_accuracy": float(np.mean(seen))})
    retention = pd.DataFrame(rows)
    retention.to_csv(out_dir / "retention.csv", index=False)
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, group in retention.groupby("method", sort=False):
        ax.plot(group["after_task"], group["class_il_accuracy"], marker="o", label=name)
    ax.set_xlabel("tasks learned")
    ax.set_ylabel("class-IL accuracy on tasks seen (%)")
    ax.set_ylim(0, 100)
    ax.legend(fontsize=6, ncol=2)
    fig.tight_layout()
    fig.savefig(out_dir / "retention.png", dpi=120)
    plt.close(fig)
    pd.DataFrame([{"method": n, "class_il": m["class_il"]["average_accuracy"]["mean"],
                   "task_il": m["task_il"]["average_accuracy"]["mean"]} for n, m in metrics["rows"].items()]
                 ).to_csv(out_dir / "final.csv", index=False)
    pd.DataFrame([{"method": n, "memory_bytes": m["memory"]["bytes"] + m["memory"]["extra_state_bytes"],
                   "class_il": m["class_il"]["average_accuracy"]["mean"]} for n, m in own.items()]
                 ).to_csv(out_dir / "memory.csv", index=False)
    names = [n for n, m in own.items() if len(m["class_il"]["matrix"]) > 1]
    cols = min(5, max(1, len(names)))
    nrows = max(1, -(-len(names) // cols))
    fig, axes = plt.subplots(nrows, cols, figsize=(2.8 * cols, 2.8 * nrows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, name in zip(axes.flat, names):
        ax.axis("on")
        mat = np.array([[np.nan if a is None else a for a in row] for row in own[name]["class_il"]["matrix"]])
        ax.imshow(mat, vmin=0, vmax=100, cmap="viridis")
        for (i, j), a in np.ndenumerate(mat):
            if not np.isnan(a):
                ax.text(j, i, f"{a:.0f}", ha="center", va="center", fontsize=6, color="w" if a < 60 else "k")
        ax.set_title(f"{name} (n={len(own[name]['seeds'])})", fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle(f"class-IL accuracy matrix R[after task i][task j], {metrics['dataset']} "
                 f"({metrics['epochs_per_task']} epochs per task; mean over each panel's n seeds)", fontsize=9)
    fig.tight_layout()
    fig.savefig(out_dir / "accuracy_matrix.png", dpi=110)
    plt.close(fig)
    (out_dir / "summary.md").write_text(table(metrics), encoding="utf-8")
