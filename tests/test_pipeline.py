"""End to end: `dvc repro` of quick_test in a temporary git copy of the repository.

The tests share that copy and run in file order: one repro, a forced rerun of the stages that
train (each its own training loop) that must give the same metrics, a stage killed mid-training,
the experiment workflow on a cheap stage, checks on the outputs, and a missing dataset failing
first. What unit tests already prove in-process (each method's determinism, the search backends'
equality, checkpoint round trips) is not run again here; this file proves what only whole runs can:
across processes, through DVC."""
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from conftest import REPO, without_timing


def _env() -> dict:
    """This interpreter's folder first on PATH: the stages' `python` is then the one running the tests,
    also when the virtual environment was not activated (`.venv/bin/python -m pytest`)."""
    return {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
            "DVC_NO_ANALYTICS": "1", "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t",
            "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t"}


def _run(cmd, cwd, check=True):
    p = subprocess.run(cmd, cwd=cwd, env=_env(), capture_output=True, text=True, shell=isinstance(cmd, str))
    if check and p.returncode:
        raise AssertionError(f"{cmd} failed ({p.returncode}):\n{p.stdout[-3000:]}\n{p.stderr[-3000:]}")
    return p


@pytest.fixture(scope="module")
def repo_copy(tmp_path_factory):
    dst = tmp_path_factory.mktemp("repo")
    files = _run(["git", "ls-files", "-co", "--exclude-standard"], REPO).stdout.split()
    for f in files:
        if (REPO / f).is_file() and not f.startswith(("metrics/", "plots/")) and f != "dvc.lock":
            (dst / f).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / f, dst / f)
    params = yaml.safe_load((dst / "params.yaml").read_text())
    params["preset"] = "quick_test"
    params["ablation"]["variants"] = ["full", "seed_prototype"]  # the full grid runs in `dvc repro`, not CI
    # Tiny data wherever the stages allow it: what is proved here does not depend on the size.
    params["presets"]["quick_test"]["data"]["num_words"] = 40
    params["presets"]["quick_test"]["glue"]["max_eval_examples"] = 64
    params["glue"]["tasks"] = ["SST-2"]   # MNLI runs the same stage code (its pair encoding: unit tests)
    # ASHA and PBT start Ray Tune (tens of seconds each): tests/test_search_peers.py runs them
    # The swarm and the no-search control end to end; the peers' budgets and determinism: tests/test_search_*.py
    params["swarm"]["strategies"] = ["swarm", "default"]
    params["search_sst2"]["strategies"] = ["swarm", "default"]
    params["search_meaning"]["strategies"] = ["swarm", "default"]   # the peers share search_sst2's code path
    params["search_continual"]["strategies"] = ["swarm"]   # CIFAR steps cost seconds: one stage, one seed (quick_test)
    # recognition (the lookup-prone task) and recall (a new-task path); comprehension and cloze: unit tests
    params["synthetic"]["tasks"] = ["recognition", "recall"]
    shared = REPO.parent / "shared" / "data"
    if not (shared / "glue" / "SST-2").is_dir():
        pytest.skip(f"the GLUE stages need the real SST-2 copy in {shared}")
    params["data"]["mirror"] = str(shared)  # the copy sits outside the repository
    (dst / "params.yaml").write_text(yaml.safe_dump(params, sort_keys=False))
    _run("git init -q && git add -A && git commit -qm init", dst)
    return dst


DVC = [sys.executable, "-m", "dvc"]


def test_repro_quick_test(repo_copy):
    dvc = DVC
    _run(dvc + ["repro"], repo_copy)
    metrics = json.loads((repo_copy / "metrics/synthetic.json").read_text())
    assert metrics["preset"] == "quick_test" and metrics["seeds"] == [0, 1]
    assert set(metrics["methods"]) == {"hsokv", "finetune", "kv_only", "knn", "knn_novelty", "lookup", "bm25",
                                       "minilm/hsokv", "minilm/finetune", "minilm/knn"}
    for name, m in metrics["methods"].items():   # the lookup and bm25 controls train nothing: no FLOPs
        assert m["one_shot_accuracy"]["n_seeds"] == 2
        assert (m["flops"] is None) == (name in ("lookup", "bm25")) and (m["flops"] is None or m["flops"]["mean"] > 0)
    for png in ("synthetic/comparison.png", "synthetic/retention.png", "synthetic/learning_curves.png",
                "ablations/variants.png", "memory_scale/throughput.png"):
        assert (repo_copy / "plots" / png).stat().st_size > 0
    ablations = json.loads((repo_copy / "metrics/ablations.json").read_text())
    assert set(ablations["variants"]) == {"full", "seed_prototype"}
    assert "default" in ablations["swarm_variants"]["kv_only (memory, no swarm)"]
    search = json.loads((repo_copy / "metrics/search.json").read_text())
    assert set(search["strategies"]) == {"swarm", "default"}
    assert search["strategies"]["swarm"]["steps_used"]["mean"] == search["budget_steps"]
    sst2 = json.loads((repo_copy / "metrics/search_sst2.json").read_text())
    assert set(sst2["strategies"]) == {"swarm", "default"} and sst2["seeds"] == [13, 21]
    cont = json.loads((repo_copy / "metrics/search_continual.json").read_text())
    assert set(cont["strategies"]) == {"swarm"} and cont["seeds"] == [0]
    assert cont["strategies"]["swarm"]["test_other"]["stream_position"]["mean"] == 1.0   # a finished trial chosen
    backends = json.loads((repo_copy / "metrics/search_backends.json").read_text())
    assert all(r["same_result_as_serial"] for r in backends["runs"])
    from hsokv.model import TransformerWithKV
    best = TransformerWithKV.from_pretrained(repo_copy / "models/search/swarm/seed_1")  # a checkpoint directory
    assert len(best.memory) > 0 and json.loads((repo_copy / "models/search/swarm/seed_1/config.json").read_text())["seed"] == 1
    for png in ("best_so_far.png", "heatmap.png", "diversity.png"):
        assert (repo_copy / "plots/search" / png).stat().st_size > 0
    glue = json.loads((repo_copy / "metrics/glue.json").read_text())["SST-2"]
    assert glue["eval_examples"] == {"dev": 64}
    assert set(glue["minilm"]) == {"hsokv", "hsokv_proto", "hsokv_anchor", "finetune", "zero_shot", "logreg",
                                   "kv_only", "knn", "majority"}
    assert {"hsokv", "finetune", "kv_only", "knn", "majority"} <= set(glue["scratch"])
    assert glue["minilm"]["hsokv"]["dev"]["n_seeds"] == 2 and glue["minilm"]["hsokv"]["seeds"] == [13, 21]
    assert (repo_copy / "plots/glue/accuracy.png").stat().st_size > 0
    evaluate = json.loads((repo_copy / "metrics/evaluate.json").read_text())  # reloaded == trained, else no file
    assert evaluate["figures_checked"] == 2 * 2 * 6 and evaluate["retention"]["accuracy"]["n_seeds"] == 2
    assert sorted(p.name for p in (repo_copy / "models/hsokv").iterdir()) == ["seed_0", "seed_1"]
    lm = json.loads((repo_copy / "metrics/language_model.json").read_text())
    assert lm["seeds"] == [0, 1] and lm["methods"]["knn_lm"]["test"]["loss"]["n_seeds"] == 2
    assert (repo_copy / "plots/language_model/language_model.png").stat().st_size > 0
    continual = json.loads((repo_copy / "metrics/continual.json").read_text())
    assert continual["dataset"] == "cifar10" and continual["tasks"] == 5 and continual["seeds"] == [0, 1]
    assert {"finetune", "er-50", "er-50 [ncm]", "hsokv-50", "hsokv-50 [head]"} <= set(continual["rows"])
    assert len(continual["rows"]["er-50"]["class_il"]["matrix"]) == 5
    assert set(continual["comparisons"]) == {"hsokv-50"}   # against the best other row, paired over seeds
    assert (repo_copy / "plots/continual/accuracy_matrix.png").stat().st_size > 0
    assert (repo_copy / "metrics/continual.md").read_text().startswith("Split-cifar10")
    research = json.loads((repo_copy / "metrics/continual_research.json").read_text())   # the committed GPU runs
    assert research["epochs_5"]["device"] == ["NVIDIA H200"]
    distributed = json.loads((repo_copy / "metrics/distributed.json").read_text())
    assert distributed["timing"]["backend"] == "simulate" and set(distributed["timing"]["by_workers"]) == {"1", "2"}
    assert distributed["timing"]["by_workers"]["2"]["speedup"]["mean"] > 1.0  # the modelled clock, two nodes
    assert (repo_copy / "data/sources_checked.txt").is_file()   # check_sources ran (first: tests/test_house.py)
    assert "up to date" in _run(dvc + ["status"], repo_copy).stdout.lower()
    _run("git add -A && git commit -qm repro", repo_copy)


DETERMINISTIC = ("synthetic", "language_model", "continual")


def test_forced_rerun_gives_identical_metrics(repo_copy):
    before = {m: json.loads((repo_copy / f"metrics/{m}.json").read_text()) for m in DETERMINISTIC}
    # One stage per training loop (the word benchmark's, the LM's, continual's), in a fresh process:
    # what in-process unit tests cannot see (thread counts, hash seeds). finetune shares hsokv's loop;
    # evaluate already proved, in the repro, that reloaded checkpoints give the trained figures.
    _run(DVC + ["repro", "--force", "--single-item", "synthetic", "report_synthetic", "language_model",
                "continual"], repo_copy)
    for m in DETERMINISTIC:
        after = json.loads((repo_copy / f"metrics/{m}.json").read_text())
        assert without_timing(after) == without_timing(before[m]), f"metrics/{m}.json changed on a rerun"
    assert before["synthetic"]["methods"]["hsokv"]["wall_seconds"]  # the timing keys exist (and were skipped)


def test_stage_killed_mid_training_leaves_nothing_partial(repo_copy):
    models, result = repo_copy / "models", repo_copy / "results/synthetic/hsokv.json"
    proc = subprocess.Popen(DVC + ["repro", "--force", "--single-item", "synthetic"], cwd=repo_copy, env=_env(),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while not list(models.glob(".hsokv.tmpdir-*/seed_0")):  # seed 0 saved: training of seed 1 under way
        assert proc.poll() is None and time.time() < deadline, "the stage ended before it could be killed"
        time.sleep(0.05)
    os.killpg(proc.pid, signal.SIGKILL)  # dvc and the stage, without any chance to clean up
    proc.wait()
    assert not result.exists() and not (models / "hsokv").exists()  # DVC removed them; nothing half-written
    # Nothing changed since the last complete run, so DVC restores that run's outputs from its cache;
    # the killed run's hidden temporary goes when the stage next runs (tests/test_io.py).
    _run(DVC + ["repro"], repo_copy)
    assert (models / "hsokv/seed_1/model.safetensors").is_file() and json.loads(result.read_text())["seeds"]
    assert "up to date" in _run(DVC + ["status"], repo_copy).stdout.lower()


def test_experiment_workflow(repo_copy, tmp_path):
    dvc = DVC
    _run("git add -A && git commit -qm rerun --allow-empty", repo_copy)
    # An experiment on a param only memory_scale reads reruns that stage alone (a cheap one: the
    # property is DVC's params narrowing, the same for every stage; tests/test_house.py checks the lists).
    out = _run(dvc + ["exp", "run", "-S", "memory_scale.top_k=[1]"], repo_copy).stdout
    assert "Running stage 'memory_scale'" in out
    for untouched in ("check_sources", "synthetic", "evaluate", "language_model", "prepare_synthetic",
                      "search@swarm", "report_search", "download_glue@SST-2", "glue@SST-2", "continual"):
        assert f"Running stage '{untouched}'" not in out
    diff = json.loads(_run(dvc + ["metrics", "diff", "--json"], repo_copy).stdout)["metrics/memory_scale.json"]
    assert "results.cpu/n=1000/k=10.ratio_to_faiss" in diff  # nested keys, dotted; top-10 rows gone
    assert diff["results.cpu/n=1000/k=10.ratio_to_faiss"]["new"] is None
    params = json.loads(_run(dvc + ["params", "diff", "--json"], repo_copy).stdout)["params.yaml"]
    assert params == {"memory_scale.top_k": {"old": "[1, 10]", "new": "[1]"}}   # dvc prints lists as text
    shown = _run(dvc + ["exp", "show", "--csv"], repo_copy).stdout
    assert "memory_scale.top_k" in shown and "strategies.swarm.best_validation_accuracy.mean" in shown
    html = tmp_path / "plots"
    _run(dvc + ["plots", "diff", "--out", str(html)], repo_copy)  # offline: only writes files
    page = (html / "index.html").read_text()
    assert "one_shot_accuracy_by_method" in page and "language_model_loss" in page


def test_evaluate_refuses_figures_its_checkpoints_do_not_reproduce(repo_copy, tmp_path):
    if not (repo_copy / "models/hsokv").is_dir():
        pytest.skip("needs the repro above")
    training = json.loads((repo_copy / "results/synthetic/hsokv.json").read_text())
    training["seeds"][1]["retention"]["accuracy"] += 0.01
    tampered = tmp_path / "hsokv.json"
    tampered.write_text(json.dumps(training))
    out = tmp_path / "evaluate.json"
    p = _run([sys.executable, "-m", "stages.evaluate", "--training", str(tampered), "--metrics", str(out)],
             repo_copy, check=False)
    assert p.returncode != 0 and "seed 1 retention.accuracy" in p.stderr and not out.exists()


def test_bad_params_stop_before_any_output(repo_copy, tmp_path):
    bad = tmp_path / "params.yaml"
    params = yaml.safe_load((repo_copy / "params.yaml").read_text())
    params["train"] = {"learning_rate": "fast"}
    bad.write_text(yaml.safe_dump(params))
    out = tmp_path / "synthetic"
    p = _run([sys.executable, "-m", "stages.prepare_synthetic", "--params", str(bad), "--out", str(out)],
             repo_copy, check=False)
    assert p.returncode == 2
    assert "train.learning_rate" in p.stderr and "'fast'" in p.stderr
    assert not out.exists()


def test_a_missing_dataset_fails_first_in_seconds(repo_copy):
    """Issue 17: with no mirror and no download, `dvc repro` stops at check_sources, before any long
    stage (check_params, which passes, is the only one before it), naming what is missing and the three
    ways to provide it."""
    params_file = repo_copy / "params.yaml"
    kept = params_file.read_text()
    params = yaml.safe_load(kept)
    params["data"].update(mirror=str(repo_copy / "no-mirror"), allow_download=False)
    params_file.write_text(yaml.safe_dump(params, sort_keys=False))
    env_mirror = os.environ.pop("HSOKV_DATA_MIRROR", None)
    try:
        start = time.perf_counter()
        p = _run(DVC + ["repro"], repo_copy, check=False)
        seconds = time.perf_counter() - start
    finally:
        params_file.write_text(kept)
        if env_mirror is not None:
            os.environ["HSOKV_DATA_MIRROR"] = env_mirror
    assert p.returncode != 0 and seconds < 60, (seconds, p.stdout[-2000:])
    assert [line for line in p.stdout.splitlines() if line.startswith("Running stage")] == [
        "Running stage 'check_params':", "Running stage 'check_sources':"]
    assert "no source for GLUE SST-2, LM-BFF SST-2 k-shot samples, CIFAR-10, Tiny Shakespeare" in p.stderr
    assert "data.mirror" in p.stderr and "data.allow_download: true" in p.stderr and "place the files" in p.stderr
