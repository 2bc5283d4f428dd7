"""The search comparison of one problem (issue 21): every strategy against its own null control and
against the best peer, at equal training steps and validation evaluations.

Input: {strategy: {"runs": [run_search result, ...]}}, a real and (optionally) a null run per seed.
- validation: the best score each strategy found (mean ± std over seeds), its null control's, and
  the gain above that null (paired by seed); the validation set's binomial standard error, below
  which no difference is claimed.
- budget: the steps and evaluations the swarm needed to reach, on each seed, the final best of the
  best peer (the non-swarm search with the highest mean validation best), as shares of that peer's.
- test: each chosen config scored once; the swarm against the best peer and against no search,
  paired t-tests over seeds.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd

from hsokv.figures import plt
from hsokv.io import atomic_write_text, outputs, read_json, write_json
from hsokv.report import cell, paired_test, summarize

NOT_PEERS = ("swarm", "default")
# what a run's test dict holds beside the scores: set sizes, not metrics
SIZES = ("n", "validation_n")   # default is no search; every other strategy is a peer of the swarm


def _runs(result: dict, null: bool) -> dict[int, dict]:
    return {r["seed"]: r for r in result["runs"] if r.get("null", False) == null}


def _reach(curve: list, target: float) -> int | None:
    return next((x for x, best in curve if best >= target - 1e-12), None)


def summary(results: dict[str, dict]) -> dict:
    real = {s: _runs(r, False) for s, r in results.items()}
    null = {s: _runs(r, True) for s, r in results.items()}
    seeds = sorted(set.intersection(*(set(runs) for runs in real.values())))
    any_run = real[next(iter(real))][seeds[0]]
    n_val = any_run["test"].get("validation_n")
    out = {"seeds": seeds, "validation_n": n_val, "test_n": any_run["test"].get("n"), "strategies": {}}
    for s in results:
        val = [real[s][k]["best"]["validation_accuracy"] for k in seeds]
        row = {"validation": summarize(val), "test": summarize([real[s][k]["test"]["accuracy"] for k in seeds]),
               "steps_used": summarize([real[s][k]["steps_used"] for k in seeds]),
               "evaluations": summarize([real[s][k]["evaluations"] for k in seeds]),
               "wall_seconds": summarize([real[s][k]["wall_seconds"] for k in seeds]),
               # the objective's other test figures of the chosen config (e.g. one-shot, another task)
               "test_other": {key: summarize([real[s][k]["test"][key] for k in seeds])
                              for key in real[s][seeds[0]]["test"] if key not in SIZES + ("accuracy",)}}
        if all(k in null[s] for k in seeds):
            null_val = [null[s][k]["best"]["validation_accuracy"] for k in seeds]
            row["null_validation"] = summarize(null_val)
            row["null_test"] = summarize([null[s][k]["test"]["accuracy"] for k in seeds])
            row["gain_over_null"] = paired_test(val, null_val)
        out["strategies"][s] = row
    mean_val = float(np.mean([r["validation"]["mean"] for r in out["strategies"].values()]))
    out["validation_binomial_se"] = math.sqrt(mean_val * (1 - mean_val) / n_val) if n_val else None
    peers = [s for s in results if s not in NOT_PEERS]
    if "swarm" in results and peers:
        out["swarm_vs_best_peer"] = _versus(real, peers, seeds, out)
    return out


def _versus(real: dict, peers: list[str], seeds: list[int], out: dict) -> dict:
    rows = out["strategies"]
    best = max(peers, key=lambda s: rows[s]["validation"]["mean"])
    steps_share, evals_share = [], []
    for k in seeds:
        peer, sw = real[best][k], real["swarm"][k]
        target = peer["best"]["validation_accuracy"]
        steps, evals = _reach(sw["curve"], target), _reach(sw["eval_curve"], target)
        steps_share.append(None if steps is None else steps / peer["steps_used"])
        evals_share.append(None if evals is None else evals / peer["evaluations"])
    test = {"swarm": [real["swarm"][k]["test"]["accuracy"] for k in seeds],
            best: [real[best][k]["test"]["accuracy"] for k in seeds]}
    gain = rows["swarm"].get("gain_over_null", {}).get("difference")
    peer_gain = rows[best].get("gain_over_null", {}).get("difference")
    reached = [i for i, (a, b) in enumerate(zip(steps_share, evals_share)) if a is not None and a <= 0.5
               and b is not None and b <= 0.5]
    test_diff = paired_test(test["swarm"], test[best])
    se = out["validation_binomial_se"] or 0.0
    v = {"best_peer": best, "steps_share_to_reach": steps_share, "evaluations_share_to_reach": evals_share,
         "seeds_reached_within_half": len(reached), "test_vs_best_peer": test_diff,
         # a larger gain counts only when it exceeds one validation SE: below it, it is the set's noise
         "targets": {"reach_within_half_budget": len(reached) == len(seeds),
                     "gain_over_null_above_best_peer": (gain is not None and peer_gain is not None
                                                        and gain["mean"] - peer_gain["mean"] > se),
                     "test_at_least_best_peer": test_diff["difference"]["mean"] >= 0}}
    if "default" in real:
        v["test_vs_default"] = paired_test(test["swarm"], [real["default"][k]["test"]["accuracy"] for k in seeds])
    return v


def _p(p: float | None) -> str:
    return "n/a" if p is None else f"{p:.3f}"


def table(m: dict) -> str:
    se = m["validation_binomial_se"]
    lines = [f"Seeds {m['seeds']}; validation set n = {m['validation_n']} (binomial SE {se:.3f} at the strategies' "
             f"mean best; no difference below it is claimed), test n = {m['test_n']}.", "",
             "| strategy | best validation | null control | gain over null (p) | test (chosen config, once) | "
             "null's test | steps | evaluations | wall s |", "|---|---|---|---|---|---|---|---|---|"]
    for s, r in m["strategies"].items():
        g = r.get("gain_over_null")
        gain = "n/a" if g is None else f"{cell(g['difference'])} (p {_p(g['p_value'])})"
        lines.append(f"| {s} | {cell(r['validation'])} | {cell(r.get('null_validation'))} | {gain} | {cell(r['test'])} | "
                     f"{cell(r.get('null_test'))} | {r['steps_used']['mean']:.0f} | {r['evaluations']['mean']:.1f} | "
                     f"{r['wall_seconds']['mean']:.1f} |")
    v = m.get("swarm_vs_best_peer")
    if v:
        fmt = lambda xs: ", ".join("never" if x is None else f"{x:.2f}" for x in xs)   # noqa: E731
        t = v["test_vs_best_peer"]
        lines += ["", f"Best peer: **{v['best_peer']}**. Swarm's share of its budget to reach its final best, per seed: "
                      f"steps {fmt(v['steps_share_to_reach'])}; evaluations {fmt(v['evaluations_share_to_reach'])}.",
                  f"Swarm - {v['best_peer']} on test: {cell(t['difference'])} (paired t-test p {_p(t['p_value'])})."]
        if "test_vs_default" in v:
            d = v["test_vs_default"]
            lines.append(f"Swarm - no search on test: {cell(d['difference'])} (p {_p(d['p_value'])}).")
        lines.append("Targets: " + ", ".join(f"{k} {'met' if ok else 'NOT met'}" for k, ok in v["targets"].items()) + ".")
    other = sorted({key for r in m["strategies"].values() for key in r.get("test_other", {})})
    if other:
        lines += ["", "Other test figures of the chosen configs (never selected on):", "",
                  "| strategy | " + " | ".join(other) + " |", "|---" * (len(other) + 1) + "|"]
        lines += [f"| {s} | " + " | ".join(cell(r.get("test_other", {}).get(key)) for key in other) + " |"
                  for s, r in m["strategies"].items()]
    return "\n".join(lines) + "\n"


def write_report(results_dir: Path, strategies: list[str], metrics_dir: Path, name: str, plots_dir: Path) -> str:
    """Every strategy's results_dir/<strategy>.json -> metrics_dir/<name>.{json,md} and plots_dir,
    replaced together or not at all; returns the markdown table."""
    results = {s: read_json(Path(results_dir) / f"{s}.json") for s in strategies}
    metrics = summary(results)
    json_path, md_path = Path(metrics_dir) / f"{name}.json", Path(metrics_dir) / f"{name}.md"
    with outputs(files=[json_path, md_path], dirs=[plots_dir]) as new:
        write_plots(results, new[plots_dir])
        write_json(new[json_path], metrics)
        atomic_write_text(new[md_path], table(metrics))
    return table(metrics)


def _mean_curve(runs: list[dict], key: str) -> pd.Series:
    grid = sorted({x for r in runs for x, _ in r[key]})
    per_seed = [pd.Series(dict(r[key])).groupby(level=0).last().reindex(grid).ffill() for r in runs]
    return pd.concat(per_seed, axis=1).mean(axis=1)   # NaN until every seed has scored


def write_plots(results: dict[str, dict], out_dir: Path) -> None:
    """best_so_far.{csv,png}: best validation so far (mean of seeds) against training steps and
    against validation evaluations, each strategy solid and its null control dashed (no search,
    one trial, is a dot)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    fig, axes = plt.subplots(1, 2, figsize=(12, 4.5))
    rows = []
    for i, (s, r) in enumerate(results.items()):
        color = f"C{i}"
        for null in (False, True) if s != "default" else (False,):   # default's null is itself
            runs = list(_runs(r, null).values())
            if not runs:
                continue
            for ax, key, what in ((axes[0], "curve", "steps"), (axes[1], "eval_curve", "evaluations")):
                c = _mean_curve(runs, key)
                ax.step(c.index, c.values, where="post", color=color, linestyle="--" if null else "-",
                        marker="o" if len(c) == 1 else None,
                        label=f"{s}{' null' if null else ''}" if key == "curve" else None, alpha=0.6 if null else 1)
                rows += [{"strategy": s, "null": null, "axis": what, "x": int(x), "best": float(y)} for x, y in c.items()]
    axes[0].set_xlabel("training steps")
    axes[1].set_xlabel("validation evaluations")
    axes[1].set_xscale("log")
    for ax in axes:
        ax.set_ylabel("best validation so far (mean of seeds)")
    fig.legend(loc="center right", fontsize=7)
    fig.tight_layout(rect=(0, 0, 0.86, 1))
    fig.savefig(out_dir / "best_so_far.png", dpi=120)
    plt.close(fig)
    pd.DataFrame(rows).to_csv(out_dir / "best_so_far.csv", index=False)
