import json

from hsokv.live import open_live, step_logger


def test_step_logger_logs_metrics_not_positions(tmp_path):
    with open_live(tmp_path / "run") as live:
        log = step_logger(live)
        log({"phase": 1, "epoch": 0, "step": 0, "loss": 2.0, "memory_size": 4})
        log({"phase": 1, "epoch": 0, "step": 1, "loss": 1.5, "memory_size": 8})
    summary = json.loads((tmp_path / "run" / "metrics.json").read_text())
    assert summary["loss"] == 1.5 and summary["memory_size"] == 8 and summary["step"] == 1
    assert "phase" not in summary and "epoch" not in summary
    assert (tmp_path / "run" / "plots" / "metrics" / "loss.tsv").read_text().count("\n") == 3
