"""Per-seed results -> metrics (mean, std, 95% CI over seeds) and a markdown table."""
from __future__ import annotations

import math
import statistics

# (metric name, where it lives in a per-seed result)
SYNTHETIC_METRICS = [
    ("accuracy", ("test", "accuracy")),
    ("one_shot_accuracy", ("test", "one_shot_accuracy")),
    ("few_shot_accuracy", ("test", "few_shot_accuracy")),
    ("retention", ("retention", "accuracy")),
    ("phase2_accuracy", ("test_phase2", "accuracy")),
    ("kv_hit_rate", ("test", "kv_hit_rate")),
    ("kv_utility", ("test", "kv_utility")),
    ("flops", ("flops",)),
    ("wall_seconds", ("wall_seconds",)),
]
COUNTS = [("n_test", ("test", "n")), ("n_one_shot", ("test", "n_one_shot")),
          ("n_few_shot", ("test", "n_few_shot")), ("n_retention", ("retention", "n"))]
# Student t quantiles (two-sided 95%) by degrees of freedom, for the CI half-width.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def _get(result: dict, path: tuple[str, ...]):
    for key in path:
        result = result[key]
    return result


def summarize(values: list[float]) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    n = len(values)
    std = statistics.stdev(values) if n > 1 else 0.0
    ci = _T95.get(n - 1, 1.96) * std / math.sqrt(n) if n > 1 else None
    return {"mean": statistics.fmean(values), "std": std, "ci95": ci, "n_seeds": n}


def aggregate(per_seed: list[dict]) -> dict:
    out = {name: summarize([_get(r, path) for r in per_seed]) for name, path in SYNTHETIC_METRICS}
    sizes = [next((h["memory_size"] for h in reversed(r.get("history", [])) if "memory_size" in h), None)
             for r in per_seed]
    out["final_memory_size"] = summarize(sizes)
    out["counts_per_seed"] = {name: summarize([_get(r, path) for r in per_seed])["mean"] for name, path in COUNTS}
    out["counts_total"] = {name: sum(_get(r, path) for r in per_seed) for name, path in COUNTS}
    return out


def _cell(stat: dict | None, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    if stat is None:
        return "n/a"
    return f"{fmt.format(stat['mean'] * scale)} ± {fmt.format(stat['std'] * scale)}"


def markdown_table(metrics: dict) -> str:
    methods = metrics["methods"]
    cols = ["one_shot_accuracy", "few_shot_accuracy", "accuracy", "retention", "kv_hit_rate", "kv_utility"]
    lines = [f"# Synthetic one-shot benchmark — preset `{metrics['preset']}`, seeds {metrics['seeds']}",
             "", "Mean ± std over seeds. Test items per seed (mean): "
             + ", ".join(f"{k} {v:.0f}" for k, v in next(iter(methods.values()))["counts_per_seed"].items()) + ".", "",
             "| method | " + " | ".join(cols) + " | GFLOPs | wall s |",
             "|---" * (len(cols) + 3) + "|"]
    for name, m in methods.items():
        lines.append(f"| {name} | " + " | ".join(_cell(m[c]) for c in cols)
                     + f" | {_cell(m['flops'], 1e-9, '{:.1f}')} | {_cell(m['wall_seconds'], 1.0, '{:.1f}')} |")
    return "\n".join(lines) + "\n"


def ablation_table(metrics: dict) -> str:
    full = metrics["variants"].get("full")
    cols = ["one_shot_accuracy", "few_shot_accuracy", "retention", "kv_utility"]
    lines = [f"# Ablations — H-SOKV with one memory change each; seeds {metrics['seeds']}", "",
             "Mean ± std over seeds; Δ one-shot is against `full` (the fixed design).", "",
             "| variant | " + " | ".join(cols) + " | Δ one-shot | final memory size |", "|---" * (len(cols) + 3) + "|"]
    for name, m in metrics["variants"].items():
        delta = m["one_shot_accuracy"]["mean"] - full["one_shot_accuracy"]["mean"] if full else None
        size = m.get("final_memory_size")
        lines.append(f"| {name} | " + " | ".join(_cell(m[c]) for c in cols)
                     + f" | {'n/a' if delta is None else f'{delta:+.3f}'} | {_cell(size, 1.0, '{:.0f}')} |")
    lines += ["", *[f"- `{v}`: {note}" for v, note in metrics["swarm_variants"].items()]]
    return "\n".join(lines) + "\n"


def _steps_to_reach(curve: list, target: float) -> int | None:
    return next((steps for steps, best in curve if best >= target), None)


def search_summary(results: dict[str, dict]) -> dict:
    """Per strategy: best validation, test accuracy of the chosen model, steps; and the swarm
    against random search at equal budget (issue 4's target)."""
    out = {"strategies": {}}
    for name, r in results.items():
        seeds = r["seeds"]
        out["strategies"][name] = {
            "best_validation_accuracy": summarize([s["best"]["validation_accuracy"] for s in seeds]),
            "test_accuracy": summarize([s["test"]["accuracy"] for s in seeds]),
            "test_one_shot_accuracy": summarize([s["test"]["one_shot_accuracy"] for s in seeds]),
            "steps_used": summarize([s["steps_used"] for s in seeds]),
            "steps_to_own_best": summarize([s["best"]["found_at_steps"] for s in seeds]),
            "best_model_lineage_steps": summarize([s["best"]["lineage_steps"] for s in seeds]),
            "wall_seconds": summarize([s["wall_seconds"] for s in seeds]),
            "task_failures_retried": sum(len(s["failures"]) for s in seeds)}
    first = next(iter(results.values()))
    out["seeds"] = [s["seed"] for s in first["seeds"]]
    out["budget_steps"] = first["seeds"][0]["budget_steps"]
    if "swarm" in results and "random" in results:
        fractions, reached = [], []
        for sw, rd in zip(results["swarm"]["seeds"], results["random"]["seeds"]):
            steps = _steps_to_reach(sw["curve"], rd["best"]["validation_accuracy"])
            reached.append(steps is not None)
            fractions.append(None if steps is None else steps / rd["steps_used"])
        sw_test = out["strategies"]["swarm"]["test_one_shot_accuracy"]["mean"]
        rd_test = out["strategies"]["random"]["test_one_shot_accuracy"]["mean"]
        frac = summarize(fractions)
        out["swarm_vs_random"] = {
            "swarm_steps_to_random_final_best_fraction": frac, "reached_in_seeds": sum(reached),
            "n_seeds": len(reached), "test_one_shot_difference": sw_test - rd_test,
            "target_met": bool(all(reached) and frac["mean"] <= 0.5 and sw_test >= rd_test)}
    if "swarm" in results:
        its = [s["iterations"] for s in results["swarm"]["seeds"]]
        out["swarm"] = {"final_diversity": summarize([i[-1]["diversity"] for i in its]),
                        "final_strategy_entropy": summarize([i[-1]["strategy_entropy"] for i in its]),
                        "events": {k: sum(e["event"] == k for s in results["swarm"]["seeds"] for e in s["events"])
                                   for k in ("reassign", "overlap", "clone")}}
    return out


def search_table(metrics: dict) -> str:
    cols = ["best_validation_accuracy", "test_one_shot_accuracy", "test_accuracy", "steps_to_own_best", "steps_used"]
    lines = [f"# Hyperparameter search at equal budget ({metrics['budget_steps']} training steps per seed); "
             f"seeds {metrics['seeds']}", "", "Mean ± std over seeds. Test = the held-out test split, "
             "scored once with each strategy's chosen model.", "",
             "| strategy | " + " | ".join(cols) + " | wall s |", "|---" * (len(cols) + 2) + "|"]
    for name, m in metrics["strategies"].items():
        lines.append(f"| {name} | " + " | ".join(_cell(m[c], 1.0, "{:.3f}" if "acc" in c else "{:.0f}") for c in cols)
                     + f" | {_cell(m['wall_seconds'], 1.0, '{:.1f}')} |")
    if "swarm_vs_random" in metrics:
        v = metrics["swarm_vs_random"]
        lines += ["", f"Swarm reached random search's final best validation accuracy in {v['reached_in_seeds']} of "
                  f"{v['n_seeds']} seeds, using {_cell(v['swarm_steps_to_random_final_best_fraction'], 100, '{:.0f}')}% "
                  f"of random search's steps; test one-shot difference (swarm - random) "
                  f"{v['test_one_shot_difference']:+.3f}. Target (<= 50% and not lower on test): "
                  f"{'met' if v['target_met'] else 'not met'}."]
    if "swarm" in metrics:
        s = metrics["swarm"]
        lines += ["", f"Swarm: final diversity {_cell(s['final_diversity'])}, strategy entropy "
                  f"{_cell(s['final_strategy_entropy'])}; events {s['events']}."]
    return "\n".join(lines) + "\n"


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
                             + " | ".join(_cell(stats[s], 100, "{:.1f}") for s in splits)
                             + f" | {_cell(without, 100, '{:.1f}') if without else ''} | "
                             f"{stats['wall_seconds']['mean']:.1f} |")
        if task in GLUE_ANCHORS:
            anchors = ", ".join(f"{k} {v}" for k, v in GLUE_ANCHORS[task].items())
            lines += ["", f"Published anchors (LM-BFF Table 3, RoBERTa-large, 355M parameters): {anchors}."]
        lines.append("")
    lines.append("Mean ± std over seeds. Model selection uses only the 16-per-class k-shot dev set; "
                 "majority = the evaluation set's most frequent class (LM-BFF's reference line).")
    return "\n".join(lines) + "\n"
