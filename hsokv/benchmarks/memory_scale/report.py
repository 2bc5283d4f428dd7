"""The memory-scale figures: throughput per size, device and k (CSV for dvc plots), and one PNG."""
from __future__ import annotations

from pathlib import Path

import pandas as pd

from hsokv.figures import plt


def write_plots(rows: list[dict], out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    df = pd.DataFrame(rows)
    for (device, k), part in df.groupby(["device", "k"]):
        part[["entries", "hsokv_queries_per_s", "faiss_cpu_queries_per_s", "ratio_to_faiss"]].to_csv(
            out_dir / f"throughput_{device}_k{k}.csv", index=False)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for (device, k), part in df.groupby(["device", "k"]):
        ax.plot(part["entries"], part["hsokv_queries_per_s"], marker="o", label=f"hsokv {device}, top-{k}")
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
