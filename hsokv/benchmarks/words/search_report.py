"""The word benchmark's search report: per-strategy results -> metrics (over seeds), the swarm
against random search at equal budget, a markdown table, and figures (best so far, diversity,
the swarm's heatmap)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from hsokv.figures import plt
from hsokv.report import cell, summarize

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
        lines.append(f"| {name} | " + " | ".join(cell(m[c], 1.0, "{:.3f}" if "acc" in c else "{:.0f}") for c in cols)
                     + f" | {cell(m['wall_seconds'], 1.0, '{:.1f}')} |")
    if "swarm_vs_random" in metrics:
        v = metrics["swarm_vs_random"]
        lines += ["", f"Swarm reached random search's final best validation accuracy in {v['reached_in_seeds']} of "
                  f"{v['n_seeds']} seeds, using {cell(v['swarm_steps_to_random_final_best_fraction'], 100, '{:.0f}')}% "
                  f"of random search's steps; test one-shot difference (swarm - random) "
                  f"{v['test_one_shot_difference']:+.3f}. Target (<= 50% and not lower on test): "
                  f"{'met' if v['target_met'] else 'not met'}."]
    if "swarm" in metrics:
        s = metrics["swarm"]
        lines += ["", f"Swarm: final diversity {cell(s['final_diversity'])}, strategy entropy "
                  f"{cell(s['final_strategy_entropy'])}; events {s['events']}."]
    return "\n".join(lines) + "\n"


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
