"""Few-shot GLUE's report: per-seed records -> accuracy over seeds per task, backbone and method,
a markdown table with LM-BFF's published anchors, and the accuracy figure (CSV for dvc plots, PNG)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hsokv.figures import plt
from hsokv.report import cell, summarize

# LM-BFF (Gao et al. 2021) Table 3, RoBERTa-large, 16 shots per class, mean (std) over its 5 seeds.
GLUE_ANCHORS = {
    "SST-2": {"majority": 50.9, "fine-tuning": "81.4 (3.8)", "prompt-based (LM-BFF)": "92.7 (0.9)"},
    "MNLI": {"majority": 32.7, "fine-tuning": "45.8 (6.4)", "prompt-based (LM-BFF)": "68.3 (2.3)"},
}


def summary(results: dict[str, dict]) -> dict:
    """{task: {"eval_examples": {split: n}, backbone: {method: {split: stats, ...}}}} over seeds."""
    out: dict = {}
    for task, result in results.items():
        runs, splits = result["runs"], result["eval_splits"]
        out[task] = {"eval_examples": result["eval_examples"]}
        for backbone in dict.fromkeys(r["backbone"] for r in runs):
            for method in dict.fromkeys(r["method"] for r in runs):
                rs = [r for r in runs if r["backbone"] == backbone and r["method"] == method]
                if not rs:
                    continue
                stats = {s: summarize([r[s] for r in rs]) for s in splits}
                stats.update({f"{s}_without_memory": summarize([r.get(f"{s}_without_memory") for r in rs])
                              for s in splits})
                stats["kshot_dev_accuracy"] = summarize([r["dev_accuracy"] for r in rs])
                stats["wall_seconds"] = summarize([r["wall_seconds"] for r in rs])
                stats["seeds"] = [r["seed"] for r in rs]
                out[task].setdefault(backbone, {})[method] = stats
    return out


def markdown_table(metrics: dict) -> str:
    lines = ["# Few-shot GLUE (LM-BFF protocol: 16 per class, seeds 13/21/42/87/100, GLUE dev)", ""]
    for task, by_backbone in metrics.items():
        sizes = by_backbone["eval_examples"]
        splits = list(sizes)
        lines += [f"## {task} — evaluated on {', '.join(f'{s} ({sizes[s]})' for s in splits)}", "",
                  "| backbone | method | " + " | ".join(f"{s} accuracy (%)" for s in splits)
                  + " | without memory (%) | seconds per seed |", "|---|---|" + "---|" * (len(splits) + 2)]
        for backbone, methods in by_backbone.items():
            if backbone == "eval_examples":
                continue
            for method, stats in methods.items():
                without = stats.get(f"{splits[0]}_without_memory")
                lines.append(f"| {backbone} | {method} | "
                             + " | ".join(cell(stats[s], 100, "{:.1f}") for s in splits)
                             + f" | {cell(without, 100, '{:.1f}') if without else ''} | "
                             f"{stats['wall_seconds']['mean']:.1f} |")
        if task in GLUE_ANCHORS:
            anchors = ", ".join(f"{k} {v}" for k, v in GLUE_ANCHORS[task].items())
            lines += ["", f"Published anchors (LM-BFF Table 3, RoBERTa-large, 355M parameters): {anchors}."]
        lines.append("")
    lines.append("Mean ± std over seeds. Model selection uses only the 16-per-class k-shot dev set; "
                 "majority = the evaluation set's most frequent class (LM-BFF's reference line).")
    return "\n".join(lines) + "\n"


def write_plots(metrics: dict, out_dir: Path) -> None:
    """accuracy.csv (one row per task/backbone/method: mean and std on the first dev split) and a bar PNG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for task, by_backbone in metrics.items():
        split = next(iter(by_backbone["eval_examples"]))
        for backbone, methods in by_backbone.items():
            if backbone == "eval_examples":
                continue
            for method, stats in methods.items():
                rows.append({"run": f"{task} {backbone}/{method}", "task": task, "backbone": backbone,
                             "method": method, "accuracy": stats[split]["mean"], "std": stats[split]["std"]})
    df = pd.DataFrame(rows)
    df.to_csv(out_dir / "accuracy.csv", index=False)
    fig, ax = plt.subplots(figsize=(7, 0.35 * len(df) + 1))
    ax.barh(df["run"], df["accuracy"], xerr=df["std"], color=["C0" if b != "scratch" else "C7" for b in df["backbone"]])
    ax.invert_yaxis()
    ax.set_xlim(0, 1)
    ax.set_xlabel("accuracy on GLUE dev (mean ± std over seeds)")
    fig.tight_layout()
    fig.savefig(out_dir / "accuracy.png", dpi=120)
    plt.close(fig)
