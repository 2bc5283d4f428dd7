"""hsokv.benchmarks.rl.scaling as a script, for a bare host: the scaling sweep from the research
runner's spec, with neither pydantic nor DVC importable."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

from hsokv.benchmarks.rl import scaling
from hsokv.benchmarks.rl.runner import write_spec

# Run as the GPU host would: any import of pydantic, dvc or torch fails.
BARE = """import sys
for name in ("pydantic", "dvc", "torch"):
    sys.modules[name] = None
from hsokv.benchmarks.rl.scaling import main
main(sys.argv[1:])
"""


@pytest.fixture(scope="module")
def spec(tmp_path_factory):
    path = tmp_path_factory.mktemp("scaling") / "spec.json"
    write_spec(path, Path("params.yaml"), "quick_test")
    return path


def test_runs_from_a_spec_without_pydantic_or_dvc(spec, tmp_path):
    out = tmp_path / "scaling.json"
    done = subprocess.run([sys.executable, "-c", BARE, "--spec", str(spec), "--workers", "1", "2", "--seeds", "0",
                           "--backend", "serial", "--out", str(out), "--commit", "abc123"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    result = json.loads(out.read_text())
    assert set(result["summary"]["by_workers"]) == {"1", "2"} and result["summary"]["nodes_lost"] == 0
    (run,) = result["runs"]
    one, two = run["sweep"]
    assert (run["seed"], one["workers"], two["workers"]) == (0, 1, 2)
    assert one["env_steps"] == two["env_steps"] > 0 and one["theta"] == two["theta"]   # the same work at each count
    assert set(run) == {"seed", "sweep"}   # the sweep alone: no ES or ARS on the scaling host
    assert result["commit"] == "abc123" and result["host"]["gymnasium"] and one["load_average_before"] >= 0
    assert json.loads(spec.read_text()) == result["spec"] and result["spec"]["env_id"] == "CartPole-v1"


def test_workers_must_start_at_one(spec, tmp_path):
    with pytest.raises(SystemExit) as exit_:
        scaling.main(["--spec", str(spec), "--workers", "2", "4", "--out", str(tmp_path / "x.json")])
    assert exit_.value.code == 2 and not (tmp_path / "x.json").exists()


def test_bad_spec_or_merge_input_names_the_file_and_writes_nothing(spec, tmp_path, capsys):
    out = tmp_path / "x.json"
    broken = tmp_path / "broken.json"
    broken.write_text("{not json")
    older = tmp_path / "older.json"   # a spec from before a key existed
    older.write_text(json.dumps({k: v for k, v in json.loads(spec.read_text()).items() if k != "max_retries"}))
    not_a_result = tmp_path / "other.json"
    not_a_result.write_text(json.dumps({"seeds": [0]}))
    cases = [(["--spec", str(tmp_path / "absent.json")], "absent.json: no such spec file"),
             (["--spec", str(broken)], "broken.json: not valid JSON"),
             (["--spec", str(not_a_result.with_name("list.json"))], "list.json: not a spec"),
             (["--spec", str(older), "--workers", "1", "--seeds", "0", "--backend", "serial"],
              "older.json: the spec has no key 'max_retries'"),
             (["--merge", str(broken)], "broken.json: not valid JSON"),
             (["--merge", str(not_a_result)], "other.json: not a scaling result (no 'summary', 'runs', 'spec', 'host')")]
    (tmp_path / "list.json").write_text("[1, 2]")
    for argv, message in cases:
        with pytest.raises(SystemExit) as exit_:
            scaling.main(argv + ["--out", str(out)])
        assert exit_.value.code == 2 and message in capsys.readouterr().err and not out.exists(), argv
