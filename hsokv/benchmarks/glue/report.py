"""Few-shot GLUE's report: per-seed records -> accuracy over seeds per task, backbone and method,
paired t-tests of every H-SOKV row (a method named hsokv*) against every other method of its
backbone and against its own readout without memory, a markdown table with LM-BFF's published
anchors, and the accuracy figure (CSV for dvc plots, PNG)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hsokv.figures import plt
from hsokv.report import cell, paired_test, summarize

REFERENCE = ("majority",)   # a reference line, not a competitor
SIGNIFICANT = 0.05
# MiniLM and MPNet were trained on SNLI + MultiNLI pairs (sentence-transformers' training data).
CONTAMINATED = {"MNLI": {"minilm", "mpnet"}}

# LM-BFF (Gao et al. 2021) Table 3, RoBERTa-large, 16 shots per class, mean (std) over its 5 seeds.
GLUE_ANCHORS = {
    "SST-2": {"majority": 50.9, "fine-tuning": "81.4 (3.8)", "prompt-based (LM-BFF)": "92.7 (0.9)"},
    "MNLI": {"majority": 32.7, "fine-tuning": "45.8 (6.4)", "prompt-based (LM-BFF)": "68.3 (2.3)"},
}


TASK_KEYS = ("eval_examples", "k_shot_source", "comparisons")   # a task's entries that are not backbones


def summary(results: dict[str, dict]) -> dict:
    """{task: {"eval_examples": {split: n}, backbone: {method: {split: stats, ...}}}} over seeds."""
    out: dict = {}
    for task, result in results.items():
        runs, splits = result["runs"], result["eval_splits"]
        out[task] = {"eval_examples": result["eval_examples"],
                     "k_shot_source": result.get("k_shot_source", "not recorded")}
        for backbone in dict.fromkeys(r["backbone"] for r in runs):
            for method in dict.fromkeys(r["method"] for r in runs):
                rs = [r for r in runs if r["backbone"] == backbone and r["method"] == method]
                if not rs or all(r[splits[0]] is None for r in rs):  # no run (setfit on scratch)
                    continue
                stats = {s: summarize([r[s] for r in rs]) for s in splits}
                stats.update({f"{s}_without_memory": summarize([r.get(f"{s}_without_memory") for r in rs])
                              for s in splits})
                stats["kshot_dev_accuracy"] = summarize([r["dev_accuracy"] for r in rs])
                stats["wall_seconds"] = summarize([r["wall_seconds"] for r in rs])
                stats["seeds"] = [r["seed"] for r in rs]
                stats["per_seed"] = {s: [r[s] for r in rs] for s in splits}
                stats["per_seed"].update({f"{s}_without_memory": [r[f"{s}_without_memory"] for r in rs]
                                          for s in splits if f"{s}_without_memory" in rs[0]})
                out[task].setdefault(backbone, {})[method] = stats
        out[task]["comparisons"] = compare(out[task], splits)
    return out


def _paired(a: dict, a_key: str, b: dict, b_key: str) -> dict:
    common = [s for s in a["seeds"] if s in b["seeds"]]
    return {"seeds": common, **paired_test([a["per_seed"][a_key][a["seeds"].index(s)] for s in common],
                                           [b["per_seed"][b_key][b["seeds"].index(s)] for s in common])}


def compare(by_backbone: dict, splits: list[str]) -> list[dict]:
    """Every hsokv* row against every peer of its backbone (neither another hsokv* row nor a reference
    line) and against its own readout without memory, paired over the seeds both have, on every
    evaluation split."""
    out = []
    for backbone, methods in by_backbone.items():
        if backbone in TASK_KEYS:
            continue
        for name, h in methods.items():
            if not name.startswith("hsokv"):
                continue
            for split in splits:
                if f"{split}_without_memory" in h["per_seed"]:
                    out.append({"backbone": backbone, "method": name, "versus": f"{name} without memory",
                                "split": split, **_paired(h, split, h, f"{split}_without_memory")})
                for other, o in methods.items():
                    if not other.startswith("hsokv") and other not in REFERENCE:
                        out.append({"backbone": backbone, "method": name, "versus": other, "split": split,
                                    **_paired(h, split, o, split)})
    return out


def markdown_table(metrics: dict) -> str:
    lines = ["# Few-shot GLUE (LM-BFF protocol: 16 per class, LM-BFF's sampling seeds, GLUE dev)", ""]
    for task, by_backbone in metrics.items():
        sizes = by_backbone["eval_examples"]
        splits = list(sizes)
        lines += [f"## {task} — evaluated on {', '.join(f'{s} ({sizes[s]})' for s in splits)}", "",
                  "| backbone | method | " + " | ".join(f"{s} accuracy (%)" for s in splits)
                  + " | without memory (%) | seconds per seed |", "|---|---|" + "---|" * (len(splits) + 2)]
        for backbone, methods in by_backbone.items():
            if backbone in TASK_KEYS:
                continue
            for method, stats in methods.items():
                without = stats.get(f"{splits[0]}_without_memory")
                lines.append(f"| {backbone} | {method} | "
                             + " | ".join(cell(stats[s], 100, "{:.1f}") for s in splits)
                             + f" | {cell(without, 100, '{:.1f}') if without else ''} | "
                             f"{stats['wall_seconds']['mean']:.1f} |")
        lines += _comparison_lines(by_backbone["comparisons"], splits[0])
        if CONTAMINATED.get(task, set()) & set(by_backbone):
            lines += ["", f"{task} rows of {', '.join(sorted(CONTAMINATED[task] & set(by_backbone)))} are not clean "
                      "few-shot results: those encoders were trained on SNLI + MultiNLI pairs. scratch is the clean "
                      "control."]
        if task in GLUE_ANCHORS:
            anchors = ", ".join(f"{k} {v}" for k, v in GLUE_ANCHORS[task].items())
            lines += ["", f"Published anchors (LM-BFF Table 3, RoBERTa-large, 355M parameters): {anchors}."]
        lines.append("")
    lines.append("Mean ± std over seeds (each row's seeds are in metrics/glue.json). Model selection uses only the "
                 "16-per-class k-shot dev set; majority = the evaluation set's most frequent class (LM-BFF's reference line).")
    return "\n".join(lines) + "\n"


def _comparison_lines(comparisons: list[dict], split: str) -> list[str]:
    rows = [c for c in comparisons if c["split"] == split]
    if not rows:
        return []
    lines = ["", f"Paired over seeds on {split} (two-sided paired t-test; **bold**: p < {SIGNIFICANT}; "
             "a difference without bold is not established):", "",
             "| backbone | H-SOKV row | versus | difference (points) | p | seeds |", "|---|---|---|---|---|---|"]
    for c in rows:
        p = c["p_value"]
        shown = "n/a" if p is None else (f"**{p:.3f}**" if p < SIGNIFICANT else f"{p:.3f}")
        d = c["difference"]
        lines.append(f"| {c['backbone']} | {c['method']} | {c['versus']} | {100 * d['mean']:+.1f} ± {100 * d['std']:.1f} "
                     f"| {shown} | {len(c['seeds'])} |")
    return lines


def write_plots(metrics: dict, out_dir: Path) -> None:
    """accuracy.csv (one row per task/backbone/method: mean and std on the first dev split) and a bar PNG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for task, by_backbone in metrics.items():
        split = next(iter(by_backbone["eval_examples"]))
        for backbone, methods in by_backbone.items():
            if backbone in TASK_KEYS:
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
