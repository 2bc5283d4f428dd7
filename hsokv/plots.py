"""Plot data (CSV, rendered by `dvc plots show`) and the same figures as PNGs."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


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
        df.to_csv(out_dir / f"learning_curve_{name}.csv", index=False)

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


def write_memory_scale_plots(rows: list[dict], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(rows)
    for (device, k), part in df.groupby(["device", "k"]):
        part[["entries", "hsokv_queries_per_s", "faiss_cpu_queries_per_s", "ratio_to_faiss"]].to_csv(
            out_dir / f"throughput_{device}_k{k}.csv", index=False)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (device, k), part in df.groupby(["device", "k"]):
        ax.plot(part["entries"], part["hsokv_queries_per_s"], marker="o", label=f"KeyValueMemory {device}, top-{k}")
    for k, part in df[df["device"] == "cpu"].groupby("k"):
        ax.plot(part["entries"], part["faiss_cpu_queries_per_s"], marker="x", linestyle="--",
                label=f"faiss IndexFlatIP cpu, top-{k}")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("memory entries")
    ax.set_ylabel("queries / s (batch of 256)")
    ax.set_title(f"Exact retrieval, dim {int(df['dim'].iloc[0])}")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(out_dir / "throughput.png", dpi=120)
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


def write_search_plots(results: dict[str, dict], out_dir: Path) -> None:
    """best_so_far.csv (mean over seeds on a common step grid), diversity.csv,
    strategy_evolution.csv and the swarm's heatmap, each also as a PNG."""
    out_dir.mkdir(parents=True, exist_ok=True)
    budget = max(s["budget_steps"] for r in results.values() for s in r["seeds"])
    grid = sorted({steps for r in results.values() for s in r["seeds"] for steps, _ in s["curve"]} | {budget})
    curves = {}
    for name, r in results.items():
        per_seed = []
        for s in r["seeds"]:
            steps, best = zip(*s["curve"])
            series = pd.Series(best, index=steps).groupby(level=0).last().reindex(grid).ffill()
            per_seed.append(series)
        curves[name] = pd.concat(per_seed, axis=1).mean(axis=1)  # NaN until every seed has a trial
    best = pd.DataFrame({"steps": grid, **{n: c.values for n, c in curves.items()}})
    best.to_csv(out_dir / "best_so_far.csv", index=False)
    fig, ax = plt.subplots(figsize=(7, 4))
    for name in curves:
        ax.step(best["steps"], best[name], where="post", label=name)
    ax.set_xlabel("training steps used")
    ax.set_ylabel("best validation accuracy so far (mean of seeds)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(out_dir / "best_so_far.png", dpi=120)
    plt.close(fig)
    if "swarm" not in results:
        return
    seeds = results["swarm"]["seeds"]
    its = pd.DataFrame([it for s in seeds for it in s["iterations"]])
    div = its.groupby("iteration", as_index=False)[["diversity", "strategy_entropy", "best_score"]].mean()
    div.to_csv(out_dir / "diversity.csv", index=False)
    opt = its.explode("optimizers").groupby(["iteration", "optimizers"]).size().unstack(fill_value=0)
    opt = opt.div(opt.sum(axis=1), axis=0).reset_index()
    opt.to_csv(out_dir / "strategy_evolution.csv", index=False)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4))
    axes[0].plot(div["iteration"], div["diversity"], marker="o", label="diversity (mean pairwise distance)")
    axes[0].plot(div["iteration"], div["strategy_entropy"], marker="s", label="optimizer entropy")
    axes[0].set_xlabel("meta-iteration")
    axes[0].legend(fontsize=8)
    opt.set_index("iteration").plot.area(ax=axes[1])
    axes[1].set_ylabel("share of teams")
    axes[1].set_title("teams' optimizer per meta-iteration")
    fig.tight_layout()
    fig.savefig(out_dir / "diversity.png", dpi=120)
    plt.close(fig)
    counts = sum(np.array(s["heatmap"]["counts"]) for s in seeds)
    bests = np.fmax.reduce(np.stack([np.array(s["heatmap"]["best"], dtype=float) for s in seeds]), axis=0)
    dims, bins = seeds[0]["heatmap"]["dims"], seeds[0]["heatmap"]["bins"]
    pd.DataFrame([{dims[0]: (i + 0.5) / bins, dims[1]: (j + 0.5) / bins, "trials": int(counts[i, j]),
                   "best_validation": None if np.isnan(bests[i, j]) else float(bests[i, j])}
                  for i in range(bins) for j in range(bins)]).to_csv(out_dir / "heatmap.csv", index=False)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.5))
    for ax, data, title in ((axes[0], counts, "trials per cell (all seeds)"), (axes[1], bests, "best validation accuracy")):
        im = ax.imshow(data.T, origin="lower", extent=(0, 1, 0, 1), aspect="auto", cmap="viridis")
        ax.set_xlabel(f"{dims[0]} (normalised)")
        ax.set_ylabel(f"{dims[1]} (normalised)")
        ax.set_title(title)
        fig.colorbar(im, ax=ax)
    fig.tight_layout()
    fig.savefig(out_dir / "heatmap.png", dpi=120)
    plt.close(fig)


def write_glue_plots(metrics: dict, out_dir: Path) -> None:
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
