"""Statistics over seeds (mean, std, 95% CI) and the table cell every benchmark's report prints them in."""
from __future__ import annotations

import math
import statistics

# Student t quantiles (two-sided 95%) by degrees of freedom, for the CI half-width.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def summarize(values: list[float]) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    n = len(values)
    std = statistics.stdev(values) if n > 1 else 0.0
    ci = _T95.get(n - 1, 1.96) * std / math.sqrt(n) if n > 1 else None
    return {"mean": statistics.fmean(values), "std": std, "ci95": ci, "n_seeds": n}


def cell(stat: dict | None, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    if stat is None:
        return "n/a"
    return f"{fmt.format(stat['mean'] * scale)} ± {fmt.format(stat['std'] * scale)}"


# LM-BFF (Gao et al. 2021) Table 3, RoBERTa-large, 16 shots per class, mean (std) over its 5 seeds.
GLUE_ANCHORS = {
    "SST-2": {"majority": 50.9, "fine-tuning": "81.4 (3.8)", "prompt-based (LM-BFF)": "92.7 (0.9)"},
    "MNLI": {"majority": 32.7, "fine-tuning": "45.8 (6.4)", "prompt-based (LM-BFF)": "68.3 (2.3)"},
}


def glue_summary(results: dict[str, dict]) -> dict:
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


def glue_table(metrics: dict) -> str:
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
