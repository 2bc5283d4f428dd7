"""The word benchmark's report: per-seed results -> metrics (mean, std, 95% CI over seeds),
markdown tables of methods and ablation variants, and their figures (CSV for dvc plots, PNG)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hsokv.figures import plt
from hsokv.report import cell, summarize

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


def _get(result: dict, path: tuple[str, ...]):
    for key in path:
        result = result[key]
    return result


TASK_METRICS = [("one_shot_accuracy", ("test", "one_shot_accuracy")),
                ("few_shot_accuracy", ("test", "few_shot_accuracy")),
                ("accuracy", ("test", "accuracy")),
                ("retention", ("retention", "accuracy")),
                ("phase2_accuracy", ("test_phase2", "accuracy"))]
PROBE_METRICS = [("masked_accuracy", ("masked", "accuracy")),
                 ("masked_one_shot_accuracy", ("masked", "one_shot_accuracy")),
                 ("follows_swap", ("swapped", "follows_swap")),
                 ("swapped_accuracy", ("swapped", "accuracy"))]


def summary(per_seed: list[dict]) -> dict:
    out = {name: summarize([_get(r, path) for r in per_seed]) for name, path in SYNTHETIC_METRICS}
    tasks = [t for t in per_seed[0].get("tasks", {})]
    out["tasks"] = {t: {name: summarize([_get(r["tasks"][t], path) for r in per_seed]) for name, path in TASK_METRICS}
                    | {"n_test": per_seed[0]["tasks"][t]["test"]["n"]} for t in tasks}
    if per_seed[0].get("probes"):
        out["probes"] = {name: summarize([_get(r["probes"], path) for r in per_seed]) for name, path in PROBE_METRICS}
    sizes = [next((h["memory_size"] for h in reversed(r.get("history", [])) if "memory_size" in h), None)
             for r in per_seed]
    out["final_memory_size"] = summarize(sizes)
    out["counts_per_seed"] = {name: summarize([_get(r, path) for r in per_seed])["mean"] for name, path in COUNTS}
    out["counts_total"] = {name: sum(_get(r, path) for r in per_seed) for name, path in COUNTS}
    return out


def markdown_table(metrics: dict) -> str:
    methods = metrics["methods"]
    cols = ["one_shot_accuracy", "few_shot_accuracy", "accuracy", "retention", "kv_hit_rate", "kv_utility"]
    lines = [f"# Synthetic one-shot benchmark — preset `{metrics['preset']}`, seeds {metrics['seeds']}",
             "", "Mean ± std over seeds. Test items per seed (mean): "
             + ", ".join(f"{k} {v:.0f}" for k, v in next(iter(methods.values()))["counts_per_seed"].items()) + ".", "",
             "| method | " + " | ".join(cols) + " | GFLOPs | wall s |",
             "|---" * (len(cols) + 3) + "|"]
    for name, m in methods.items():
        lines.append(f"| {name} | " + " | ".join(cell(m[c]) for c in cols)
                     + f" | {cell(m['flops'], 1e-9, '{:.1f}')} | {cell(m['wall_seconds'], 1.0, '{:.1f}')} |")
    return "\n".join(lines + [""] + task_tables(methods)) + "\n"


def _ties(methods: dict, task: str, key: str) -> set[str]:
    """The best mean and every method whose mean lies inside the best's 95% CI (a tie with it)."""
    rows = {n: m["tasks"][task][key] for n, m in methods.items() if task in m.get("tasks", {}) and m["tasks"][task][key]}
    if not rows:
        return set()
    best = max(rows, key=lambda n: rows[n]["mean"])
    ci = rows[best].get("ci95") or 0.0
    return {n for n, r in rows.items() if r["mean"] >= rows[best]["mean"] - ci}


def task_tables(methods: dict) -> list[str]:
    """Per task variant: one-shot, few-shot and retention; then the word probes."""
    tasks = list(dict.fromkeys(t for m in methods.values() for t in m.get("tasks", {})))
    if not tasks:
        return []
    lines = ["## Task variants", "", "Mean ± std over seeds; **bold**: the best mean and every mean inside its 95% CI "
             "(a tie). Chance: recognition, recall and cloze 1/words; comprehension 1/candidates. Retention: the "
             "phase-1 items again after phase 2.", ""]
    for key, title in (("one_shot_accuracy", "one-shot"), ("few_shot_accuracy", "few-shot"), ("retention", "retention")):
        best = {t: _ties(methods, t, key) for t in tasks}
        lines += [f"**{title}**", "", "| method | " + " | ".join(tasks) + " |", "|---" * (len(tasks) + 1) + "|"]
        for name, m in methods.items():
            cells = []
            for t in tasks:
                c = cell(m.get("tasks", {}).get(t, {}).get(key))
                cells.append(f"**{c}**" if name in best[t] else c)
            lines.append(f"| {name} | " + " | ".join(cells) + " |")
        lines.append("")
    probed = {n: m["probes"] for n, m in methods.items() if m.get("probes")}
    if probed:
        cols = [name for name, _ in PROBE_METRICS]
        lines += ["**word probes** (recognition test stories): the word masked, or swapped for another phase-1 word "
                  "(`follows_swap`: the share of predictions naming the swapped-in word)", "",
                  "| method | " + " | ".join(cols) + " |", "|---" * (len(cols) + 1) + "|"]
        lines += [f"| {n} | " + " | ".join(cell(p[c]) for c in cols) + " |" for n, p in probed.items()]
    return lines


def ablation_table(metrics: dict) -> str:
    full = metrics["variants"].get("full")
    cols = ["one_shot_accuracy", "few_shot_accuracy", "retention", "kv_utility"]
    lines = [f"# Ablations — H-SOKV with one memory change each; seeds {metrics['seeds']}", "",
             "Mean ± std over seeds; Δ one-shot is against `full` (the fixed design).", "",
             "| variant | " + " | ".join(cols) + " | Δ one-shot | final memory size |", "|---" * (len(cols) + 3) + "|"]
    for name, m in metrics["variants"].items():
        delta = m["one_shot_accuracy"]["mean"] - full["one_shot_accuracy"]["mean"] if full else None
        size = m.get("final_memory_size")
        lines.append(f"| {name} | " + " | ".join(cell(m[c]) for c in cols)
                     + f" | {'n/a' if delta is None else f'{delta:+.3f}'} | {cell(size, 1.0, '{:.0f}')} |")
    lines += ["", *[f"- `{v}`: {note}" for v, note in metrics["swarm_variants"].items()]]
    return "\n".join(lines + [""] + task_tables(metrics["variants"])) + "\n"


def learning_curve(per_seed: list[dict]) -> pd.DataFrame | None:
    """Loss and batch accuracy per step, averaged over seeds; None for methods that do not train."""
    rows = [r for result in per_seed for r in result["history"] if "loss" in r]
    if not rows:
        return None
    df = pd.DataFrame(rows)
    cols = [c for c in ("loss", "batch_accuracy", "memory_size", "memory_writes", "memory_evictions",
                        "memory_consolidated", "memory_forgotten", "memory_hit_rate") if c in df]
    return df.groupby("step", as_index=False)[cols].mean()


def write_synthetic_plots(metrics: dict, curves: dict[str, pd.DataFrame], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    methods = metrics["methods"]
    rows = [{"method": name,
             **{k: (m[k]["mean"] if m[k] else None) for k in ("one_shot_accuracy", "few_shot_accuracy",
                                                                "accuracy", "retention")}}
            for name, m in methods.items()]
    comparison = pd.DataFrame(rows)
    comparison.to_csv(out_dir / "comparison.csv", index=False)
    retention = pd.DataFrame([{"method": r["method"], "after_phase1": r["accuracy"], "after_phase2": r["retention"]}
                              for r in rows])
    retention.to_csv(out_dir / "retention.csv", index=False)
    for name, df in curves.items():
        df.to_csv(out_dir / f"learning_curve_{name.replace('/', '_')}.csv", index=False)   # minilm/hsokv

    fig, ax = plt.subplots(figsize=(8, 4))
    comparison.set_index("method")[["one_shot_accuracy", "few_shot_accuracy", "retention"]].plot.bar(ax=ax)
    ax.set_ylim(0, 1.05)
    ax.set_ylabel(f"accuracy (mean of {len(metrics['seeds'])} seeds)")
    ax.set_title(f"Synthetic one-shot benchmark ({metrics['preset']})")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(out_dir / "comparison.png", dpi=120)
    plt.close(fig)

    fig, ax = plt.subplots(figsize=(8, 4))
    for _, r in retention.iterrows():
        ax.plot(["after phase 1", "after phase 2"], [r["after_phase1"], r["after_phase2"]], marker="o", label=r["method"])
    ax.set_ylabel("accuracy on phase-1 words")
    ax.set_ylim(0, 1.05)
    ax.legend()
    ax.set_title("Retention of phase-1 words after learning phase-2 words")
    fig.tight_layout()
    fig.savefig(out_dir / "retention.png", dpi=120)
    plt.close(fig)

    if curves:
        fig, axes = plt.subplots(1, 2, figsize=(10, 4))
        for name, df in curves.items():
            axes[0].plot(df["step"], df["loss"], label=name)
            axes[1].plot(df["step"], df["batch_accuracy"], label=name)
        axes[0].set_ylabel("training loss")
        axes[1].set_ylabel("batch accuracy")
        for ax in axes:
            ax.set_xlabel("step")
            ax.legend()
        fig.tight_layout()
        fig.savefig(out_dir / "learning_curves.png", dpi=120)
        plt.close(fig)


def write_ablation_plots(metrics: dict, curves: dict[str, pd.DataFrame | None], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = [{"variant": v, **{k: (m[k]["mean"] if m[k] else None) for k in ("one_shot_accuracy", "retention")}}
            for v, m in metrics["variants"].items()]
    table = pd.DataFrame(rows)
    table.to_csv(out_dir / "variants.csv", index=False)
    fig, ax = plt.subplots(figsize=(9, 4.5))
    table.set_index("variant")[["one_shot_accuracy", "retention"]].plot.barh(ax=ax)
    ax.set_xlim(0, 1.05)
    ax.set_xlabel(f"accuracy (mean of {len(metrics['seeds'])} seeds)")
    ax.set_title("H-SOKV ablations: each of the seeds' fixes reverted alone")
    fig.tight_layout()
    fig.savefig(out_dir / "variants.png", dpi=120)
    plt.close(fig)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    for v, df in curves.items():
        if df is None:
            continue
        df.to_csv(out_dir / f"memory_{v}.csv", index=False)
        axes[0].plot(df["step"], df["memory_size"], label=v)
        if "memory_hit_rate" in df:
            axes[1].plot(df["step"], df["memory_hit_rate"].rolling(10, min_periods=1).mean(), label=v)
    axes[0].set_ylabel("memory entries")
    axes[1].set_ylabel("training hit rate (top-1 label right, rolling 10)")
    for ax in axes:
        ax.set_xlabel("step")
    axes[0].legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(out_dir / "memory_stats.png", dpi=120)
    plt.close(fig)
