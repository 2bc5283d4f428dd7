"""The research runner: pydantic-free, one file per (method, seed), baselines at the swarm's steps, resumable."""
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
BLOCK = "import sys; sys.modules.update(pydantic=None, dvc=None); "


def test_protocol_imports_without_pydantic_or_dvc():
    code = BLOCK + "import hsokv.benchmarks.rl.protocol, hsokv.benchmarks.rl.runner; print('ok')"
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.stdout.strip() == "ok", out.stderr


def test_grid_writes_one_file_per_run_and_resumes(tmp_path):
    spec = tmp_path / "spec.json"
    subprocess.run([sys.executable, "-m", "hsokv.benchmarks.rl.runner", "--write-spec", spec, "--preset", "quick_test"],
                   cwd=REPO, check=True, timeout=120)
    s = json.loads(spec.read_text())
    assert s["env_id"] == "CartPole-v1" and s["seeds"] == [0, 1]
    s.update(eval_episodes=2, curve_episodes=1, curve_points=2)
    spec.write_text(json.dumps(s))
    out = tmp_path / "runs"
    run = [sys.executable, "-c", BLOCK + "from hsokv.benchmarks.rl.runner import main; main()",
           "--spec", spec, "--out", out, "--seeds", "0", "--parallel", "2", "--commit", "abc"]
    subprocess.run(run, cwd=REPO, check=True, timeout=300)
    files = sorted(p.name for p in out.glob("*.json"))
    assert files == ["ars-s0.json", "es-s0.json", "lineage-s0.json", "swarm-s0.json"]
    swarm, ars, lin = (json.loads((out / f).read_text()) for f in ("swarm-s0.json", "ars-s0.json", "lineage-s0.json"))
    assert ars["budget"] == swarm["env_steps"] <= ars["env_steps"] and ars["commit"] == "abc" and ars["cpu_count"]
    assert lin["budget"] == swarm["env_steps"] >= lin["env_steps"]
    before = (out / "ars-s0.json").stat().st_mtime_ns
    subprocess.run(run, cwd=REPO, check=True, timeout=120)   # everything exists: nothing reruns
    assert (out / "ars-s0.json").stat().st_mtime_ns == before


def test_rl_research_aggregates_complete_seeds(tmp_path):
    spec = {"preset": "p", "env_id": "CartPole-v1", "policy": "linear", "swarm_tunes": "ars", "eval_episodes": 3,
            "solved_return": None, "es": {}, "ars": {}}
    runs = tmp_path / "runs"
    runs.mkdir()
    for seed, methods in ((0, ("swarm", "es", "ars", "lineage")), (1, ("swarm", "es", "ars", "lineage")), (2, ("swarm",))):
        for i, m in enumerate(methods):
            r = {"method": m, "seed": seed, "spec": spec, "env_steps": 100, "wall_seconds": 1.0, "job_seconds": 1.0,
                 "evaluation": {"mean_return": 10.0 * (seed + 1) + i}, "cpu_count": 2, "versions": {}, "commit": "c",
                 "curve": [{"env_steps": 100, "wall_seconds": 1.0, "return": 1.0}]}
            (runs / f"{m}-s{seed}.json").write_text(json.dumps(r))
    out = tmp_path / "m.json"
    subprocess.run([sys.executable, "-m", "stages.rl_research", "--runs", runs, "--metrics", out, "--plots",
                    tmp_path / "plots"], cwd=REPO, check=True, timeout=120)
    m = json.loads(out.read_text())["p CartPole-v1"]
    assert m["seeds"] == [0, 1] and m["methods"]["swarm"]["per_seed"] == [10.0, 20.0]
    assert m["swarm_minus_ars"]["mean"] == -2.0 and m["swarm_minus_ars"]["swarm_not_lower_seeds"] == 0
    assert m["lineage_minus_ars"]["mean"] == 1.0 and m["lineage_minus_ars"]["lineage_not_lower_seeds"] == 2
    assert (tmp_path / "plots" / "returns.csv").is_file() and "| ES" in out.with_suffix(".md").read_text()
    (runs / "x.json").write_text('{"foo": 1}')   # another kind of file among the runs: named, not a KeyError
    bad = subprocess.run([sys.executable, "-m", "stages.rl_research", "--runs", runs, "--metrics", tmp_path / "m2.json",
                          "--plots", tmp_path / "p2"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "x.json: not a policy-search run result" in bad.stderr, bad.stderr
    assert not (tmp_path / "m2.json").exists()


def test_a_baseline_without_its_seeds_swarm_is_not_started(tmp_path):
    spec = tmp_path / "spec.json"
    spec.write_text(json.dumps({"env_id": "CartPole-v1", "seeds": [0]}))   # read no further: no job can start
    run = subprocess.run([sys.executable, "-m", "hsokv.benchmarks.rl.runner", "--spec", spec, "--out", tmp_path / "runs",
                          "--methods", "es"], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert run.returncode == 1 and "cannot start [('es', 0)]: their seed's swarm result is missing" in run.stderr
    assert not list((tmp_path / "runs").glob("*.json"))
