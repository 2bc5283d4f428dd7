"""Every method through the one evaluation path, on a tiny split."""
import pytest
import torch

from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.protocol import run_seed
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.tokenizer import fit_tokenizer


@pytest.fixture(scope="module")
def tiny(request):
    from conftest import REPO
    from hsokv.config import resolve
    cfg = resolve({"preset": "t", "presets": {"t": {
        "seeds": [0], "data": {"num_words": 40},
        "model": {"num_layers": 1, "d_model": 32, "num_heads": 2, "ff_dim": 64},
        "train": {"epochs": 6, "learning_rate": 3e-3}}}, "data": {"word_specs": str(REPO / "data/rare_words.yaml")}})
    splits = build_splits(load_word_specs(cfg.data.word_specs), cfg.data, 0)
    return cfg, splits, fit_tokenizer(splits.training_text())


@pytest.mark.parametrize("method", sorted(METHODS))
def test_method_runs_and_reports(tiny, method):
    cfg, splits, tok = tiny
    torch.set_num_threads(1)
    r = run_seed(method, splits, tok, cfg, seed=0)
    for split in ("test", "retention", "test_phase2"):
        assert 0.0 <= r[split]["accuracy"] <= 1.0
    assert r["test"]["n"] == len(splits.test) and r["retention"]["n"] == len(splits.retention)
    assert r["flops"] > 0
    assert (r["test"]["kv_hit_rate"] is None) == (method == "finetune")
    assert (r["test"]["kv_utility"] is None) == (method != "hsokv")


def test_hsokv_learns_the_tiny_task(tiny):
    """Trained end to end, H-SOKV recalls its words far above chance (1/40) and above B3."""
    cfg, splits, tok = tiny
    r = run_seed("hsokv", splits, tok, cfg, seed=0)
    knn = run_seed("knn", splits, tok, cfg, seed=0)
    assert r["history"][-1]["loss"] < 0.5 * r["history"][0]["loss"]
    assert r["test"]["accuracy"] > 0.25 and r["test"]["accuracy"] > knn["test"]["accuracy"] + 0.15
    assert r["history"][-1]["memory_size"] == 2 * (len(splits.train_phase1) + len(splits.train_phase2))


def test_same_seed_same_result(tiny):
    cfg, splits, tok = tiny
    a, b = (run_seed("hsokv", splits, tok, cfg, seed=0) for _ in range(2))
    assert a["test"] == b["test"] and a["retention"] == b["retention"]


def test_unknown_method(tiny):
    cfg, splits, tok = tiny
    with pytest.raises(ValueError, match="unknown method 'nope'"):
        run_seed("nope", splits, tok, cfg, seed=0)
