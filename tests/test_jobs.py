"""hsokv.jobs: run_parallel (a process and a log per job, statuses, prerequisites, env) and starmap_spawned."""
import sys

import pytest

from hsokv.jobs import run_parallel, starmap_spawned


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


def test_starmap_spawned_keeps_the_order_of_its_arguments():
    # builtins: a spawned process imports them without this test file
    assert starmap_spawned(pow, [(2, 10), (3, 2), (5, 1)], 2) == [1024, 9, 5]
    assert starmap_spawned(divmod, [(7, 2)], 1, print, ("spawned worker up",)) == [(3, 1)]
