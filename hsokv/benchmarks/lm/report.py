"""The language-model table (markdown) and figures: loss curves and each method's val/test loss."""
from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from hsokv.benchmarks.lm.protocol import METHODS, SPLITS  # noqa: E402

LABELS = {"ngram": "Kneser-Ney n-gram", "transformer": "transformer (no memory)", "knn_lm": "kNN-LM (same transformer)"}


def _cell(stat: dict) -> str:
    if stat["n_seeds"] == 1:
        return f"{stat['mean']:.4f}"
    return f"{stat['mean']:.4f} ± {stat['std']:.4f} (CI ± {stat['ci95']:.4f})"


def markdown_table(metrics: dict) -> str:
    c, m = metrics["corpus"], metrics["model"]
    unit = "bits/char" if c["level"] == "char" else "bits/token"
    lines = [f"{Path(c['source']).name}, {c['level']} level (vocabulary {c['vocab_size']}; train / val / test "
             f"{c['tokens']['train']:,} / {c['tokens']['val']:,} / {c['tokens']['test']:,} tokens), preset "
             f"{metrics['preset']}, seeds {metrics['seeds']}: mean ± std over seeds, 95% CI half-width. "
             f"Model: {m['n_layer']} layers, {m['n_embd']} wide, {m['n_head']} heads, block {m['block_size']}, "
             f"{m['params']:,} parameters, {m['max_iters']} steps of batch {m['batch_size']}; weights kept from step "
             f"{metrics['methods']['transformer']['kept_step']} (lowest val estimate) per seed."
             + (f" Val / test tokens outside the training vocabulary (<unk>): "
                f"{c['oov']['val']:,} / {c['oov']['test']:,}." if any(c["oov"].values()) else ""), "",
             f"| method | val loss (nats) | val {unit} | test loss (nats) | test {unit} | test perplexity |",
             "|---|---|---|---|---|---|"]
    for method in METHODS:
        r = metrics["methods"][method]
        name = LABELS[method] + (f", order {r['order']}" if method == "ngram" else "")
        lines.append(f"| {name} | {_cell(r['val']['loss'])} | {_cell(r['val']['bits_per_token'])} | "
                     f"{_cell(r['test']['loss'])} | {_cell(r['test']['bits_per_token'])} | "
                     f"{_cell(r['test']['perplexity'])} |")
    knn = metrics["methods"]["knn_lm"]
    gain, t = metrics["knn_lm_loss_reduction"], metrics["timing"]
    lines += ["", f"kNN-LM: datastore of {knn['datastore']:,} training positions; chosen on val per seed "
              f"(key, k, T, lambda): {[(c['key'], c['k'], c['temperature'], c['lambda']) for c in knn['chosen_on_val']]}. "
              f"Loss reduction over the same transformer: val {_cell(gain['val'])}, test {_cell(gain['test'])} nats.",
              f"Time: training {t['train_seconds']['mean']:.0f} s per seed (CPU time "
              f"{t['train_cpu_seconds']['mean']:.0f} s; {t['train_tokens_per_second']['mean']:,.0f} tokens/s), "
              f"kNN-LM {t['knn_seconds']['mean']:.0f} s per seed, "
              f"n-gram {t['ngram_seconds']:.0f} s; stage {t['stage_seconds']:.0f} s."]
    return "\n".join(lines) + "\n"


def write_plots(metrics: dict, per_seed: list[dict], out_dir: Path) -> None:
    """loss_curve.csv (train/val loss estimates by step, mean over seeds), loss.csv (each method's
    val and test loss), and both as language_model.png."""
    out_dir.mkdir(parents=True, exist_ok=True)
    curve = pd.DataFrame([h for r in per_seed for h in r["history"]]).groupby("step", as_index=False).mean()
    curve[["step", "train_loss", "val_loss"]].to_csv(out_dir / "loss_curve.csv", index=False)
    rows = [{"run": f"{method} {split}", "method": method, "split": split,
             "loss": metrics["methods"][method][split]["loss"]["mean"],
             "std": metrics["methods"][method][split]["loss"]["std"]} for method in METHODS for split in SPLITS]
    bars = pd.DataFrame(rows)
    bars.to_csv(out_dir / "loss.csv", index=False)
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 3.6))
    left.plot(curve["step"], curve["train_loss"], label="train (estimate)")
    left.plot(curve["step"], curve["val_loss"], label="val (estimate)")
    left.set_xlabel("step")
    left.set_ylabel("loss (nats/token)")
    left.legend()
    left.set_title(f"transformer, mean over seeds {metrics['seeds']}", fontsize=9)
    right.barh(bars["run"], bars["loss"], xerr=bars["std"], color=["C7", "C7", "C0", "C0", "C1", "C1"][:len(bars)])
    right.invert_yaxis()
    right.set_xlim(min(bars["loss"]) * 0.9, max(bars["loss"]) * 1.02)
    right.set_xlabel("loss (nats/token), mean ± std over seeds")
    fig.tight_layout()
    fig.savefig(out_dir / "language_model.png", dpi=120)
    plt.close(fig)
