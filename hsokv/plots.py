"""Plot data (CSV, rendered by `dvc plots show`) of the distributed benchmark (moves with it to benchmarks/rl)."""
from __future__ import annotations

from pathlib import Path

import pandas as pd


def write_distributed_plots(metrics: dict, reward_rows: list[dict], out_dir: Path) -> None:
    """speedup.csv and throughput.csv (by worker count, mean over seeds), reward.csv (best return
    after each meta-iteration, mean over seeds)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    by = metrics["timing"]["by_workers"]
    pd.DataFrame([{"workers": int(n), "speedup": t["speedup"]["mean"], "wall_seconds": t["wall_seconds"]["mean"]}
                  for n, t in by.items()]).to_csv(out_dir / "speedup.csv", index=False)
    pd.DataFrame([{"workers": int(n), "env_steps_per_second": t["env_steps_per_second"]["mean"]}
                  for n, t in by.items()]).to_csv(out_dir / "throughput.csv", index=False)
    pd.DataFrame(reward_rows).to_csv(out_dir / "reward.csv", index=False)
