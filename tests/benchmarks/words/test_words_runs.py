"""The word protocol's runs side by side (spawned worker processes) give the figures of the same
runs one after another in one process, and the controls read text whatever the backbone."""
import pytest
import torch

from conftest import without_timing
from hsokv.benchmarks.words.data import prepare
from hsokv.benchmarks.words.runs import MethodRun, input_of, run_methods
from hsokv.jobs import set_threads
from hsokv.benchmarks.words.specs import load_word_specs


@pytest.fixture(scope="module")
def prepared(tmp_path_factory):
    from conftest import REPO
    from hsokv.config import resolve
    cfg = resolve({"preset": "t", "presets": {"t": {
        "seeds": [0, 1], "data": {"num_words": 24},
        "model": {"num_layers": 1, "d_model": 16, "num_heads": 2, "ff_dim": 32},
        "train": {"epochs": 2}}}, "data": {"word_specs": str(REPO / "data/rare_words.yaml")},
        "synthetic": {"tasks": ["recognition", "recall"]}})
    data = tmp_path_factory.mktemp("synthetic")
    prepare(load_word_specs(cfg.data.word_specs), cfg.data, cfg.seeds, data, cfg.synthetic.candidates)
    return cfg, data


def _runs(data, live, models):
    return [MethodRun(m, seed, data, live / m, models if m == "hsokv" else None)
            for m in ("hsokv", "lookup") for seed in (0, 1)]


def test_side_by_side_equals_one_after_another(prepared, tmp_path):
    cfg, data = prepared
    threads = torch.get_num_threads()
    try:
        set_threads(1)   # what each worker sets: the same kernels, so the same rounding
        alone = run_methods(_runs(data, tmp_path / "a", tmp_path / "ma"), cfg, "scratch", workers=1)
    finally:
        torch.set_num_threads(threads)
    pooled = run_methods(_runs(data, tmp_path / "b", tmp_path / "mb"), cfg, "scratch", workers=2, threads=1)
    assert [(r["method"], r["seed"]) for r in pooled] == [("hsokv", 0), ("hsokv", 1), ("lookup", 0), ("lookup", 1)]
    assert without_timing(pooled) == without_timing(alone)
    assert [r["backbone"] for r in pooled] == ["scratch", "scratch", "text", "text"]
    for models in ("ma", "mb"):   # the workers saved H-SOKV's models where the parent asked
        assert sorted(p.name for p in (tmp_path / models).iterdir()) == ["seed_0", "seed_1"]
    assert (tmp_path / "b/hsokv/seed_1").is_dir()   # DVCLive logs too


def test_the_controls_read_text_whatever_the_backbone():
    assert input_of("lookup", "minilm") == input_of("bm25", "scratch") == "text"
    assert input_of("hsokv", "minilm") == "minilm" and input_of("knn", "scratch") == "scratch"


def test_a_pretrained_backbone_is_encoded_once_then_shared_with_the_workers(prepared, tmp_path):
    """The parent encodes every sentence of the seeds; the workers read those vectors from a file
    (their encoder refuses to encode), and give the figures of a one-process run."""
    from conftest import fake_sentence_encoder
    from hsokv.benchmarks.words.inputs import _VECTORS
    cfg, data = prepared
    encoder = fake_sentence_encoder()
    runs = [MethodRun("finetune", seed, data, tmp_path / "live" / str(seed)) for seed in (0, 1)]
    _VECTORS.clear()
    threads = torch.get_num_threads()
    try:
        set_threads(1)
        alone = run_methods(runs, cfg, encoder, workers=1)
    finally:
        torch.set_num_threads(threads)
    _VECTORS.clear()   # the pooled run encodes afresh in this process
    pooled = run_methods(runs, cfg, encoder, workers=2, threads=1)
    _VECTORS.clear()
    assert without_timing(pooled) == without_timing(alone) and pooled[0]["backbone"] == "fake"
