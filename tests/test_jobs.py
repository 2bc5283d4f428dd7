"""hsokv.jobs.run_parallel: one process and one log per job, exit statuses, prerequisites, environment."""
import sys

import pytest

from hsokv.jobs import run_parallel


def _job(name: str, code: str) -> tuple[str, list[str]]:
    return name, [sys.executable, "-c", code]


def test_logs_failures_prerequisites_and_environment(tmp_path, capsys):
    ok = "import os; print('threads', os.environ['OMP_NUM_THREADS'])"
    jobs = [_job("a", ok), _job("bad", "raise SystemExit(3)"), _job("after-a", ok), _job("after-bad", ok),
            _job("after-after-bad", ok)]
    failed = run_parallel(jobs, tmp_path / "logs", parallel=2, env={"OMP_NUM_THREADS": "1"}, poll=0.05,
                          needs={"after-a": ["a"], "after-bad": ["bad"], "after-after-bad": ["after-bad"]})
    assert failed == ["bad"]
    logs = sorted(p.name for p in (tmp_path / "logs").iterdir())
    assert logs == ["a.log", "after-a.log", "bad.log"]   # what waited on a failure never ran
    assert (tmp_path / "logs/after-a.log").read_text() == "threads 1\n"
    said = capsys.readouterr().out
    assert "a: done" in said and "bad: FAILED" in said and "after-bad" not in said


def test_needs_naming_no_job_or_a_cycle_is_refused(tmp_path):
    with pytest.raises(ValueError, match="not in this run"):
        run_parallel([_job("a", "pass")], tmp_path, 1, needs={"a": ["ghost"]}, poll=0.01)
    with pytest.raises(ValueError, match="cycle"):
        run_parallel([_job("a", "pass"), _job("b", "pass")], tmp_path, 1, needs={"a": ["b"], "b": ["a"]}, poll=0.01)
