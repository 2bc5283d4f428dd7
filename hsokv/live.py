"""DVCLive logging shared by the training stages: one run directory per seed, one row per step."""
from __future__ import annotations

from pathlib import Path

from dvclive import Live

from hsokv.training import StepLogger

_INDEX_KEYS = ("phase", "epoch", "step")  # the position of a record, not a metric


def open_live(path: str | Path) -> Live:
    # No dvc.yaml edits and no experiment of its own: the stage runs inside `dvc repro`/`dvc exp run`.
    return Live(str(path), save_dvc_exp=False, dvcyaml=None, report=None)


def step_logger(live: Live) -> StepLogger:
    """Log every metric of a training-history record, then advance the step."""
    def log(record: dict) -> None:
        for key, value in record.items():
            if key not in _INDEX_KEYS:
                live.log_metric(key, value)
        live.next_step()
    return log
