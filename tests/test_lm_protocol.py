"""hsokv/benchmarks/lm/protocol.py and report.py: every method scored on the same targets, end to end on a tiny text."""
import math

import pytest
import torch

from hsokv.benchmarks.lm.data import load_corpus
from hsokv.benchmarks.lm.protocol import corpus_info, make_deterministic, run_ngram, run_seed, run_seeds, score, summary
from hsokv.benchmarks.lm.report import markdown_table, write_plots
from hsokv.benchmarks.lm.config import LanguageModelConfig

CFG = LanguageModelConfig(n_layer=1, n_head=2, n_embd=16, block_size=16, batch_size=8, max_iters=30, warmup_iters=5,
                          learning_rate=3e-3, eval_interval=10, eval_iters=2, ngram_orders=[2, 3], knn_datastore=300,
                          knn_k=[4, 8], knn_temperature=[1.0], knn_lambda=[0.1, 0.5])


def test_score_units():
    s = score(torch.log(torch.tensor([0.5, 0.25])))
    assert s["loss"] == pytest.approx(1.5 * math.log(2)) and s["bits_per_token"] == pytest.approx(1.5)
    assert s["perplexity"] == pytest.approx(2 ** 1.5) and s["tokens"] == 2


def test_tiny_run_end_to_end(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat on the mat. the dog sat on the log.\n" * 60)
    corpus = load_corpus(path, "char", 0.9, 16)
    make_deterministic(1)
    ngram = run_ngram(corpus, CFG)
    runs = [run_seed(corpus, CFG, seed, torch.device("cpu")) for seed in (0, 1)]
    for r in runs:
        assert r["transformer"]["val"]["tokens"] == r["knn_lm"]["val"]["tokens"] == ngram["val"]["tokens"] == \
            len(corpus.splits["val"]) - 1
        assert r["knn_lm"]["datastore"] == 300 and r["knn_lm"]["chosen"] in r["knn_lm"]["val_grid"]
        assert r["knn_lm"]["val"]["loss"] == pytest.approx(r["knn_lm"]["chosen"]["loss"], rel=1e-5)
    metrics = summary(corpus_info(corpus), ngram, runs, CFG, "t")
    metrics["timing"]["stage_seconds"] = 1.0
    assert metrics["methods"]["transformer"]["test"]["loss"]["n_seeds"] == 2 and metrics["seeds"] == [0, 1]
    assert metrics["methods"]["ngram"]["order"] in (2, 3)
    assert "| kNN-LM (same transformer) |" in markdown_table(metrics)
    write_plots(metrics, runs, tmp_path / "plots")
    assert {p.name for p in (tmp_path / "plots").iterdir()} == {"loss_curve.csv", "loss.csv", "language_model.png"}


def test_seeds_in_two_processes_equal_a_serial_run(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("the cat sat on the mat. the dog sat on the log.\n" * 60)
    corpus = load_corpus(path, "char", 0.9, 16)
    cfg = CFG.model_copy(update={"threads": 1, "max_iters": 10, "eval_interval": 5})
    make_deterministic(1)
    serial = run_seeds(corpus, cfg, [0, 1], torch.device("cpu"))
    side_by_side = run_seeds(corpus, cfg.model_copy(update={"workers": 2}), [0, 1], torch.device("cpu"))
    def figures(r):   # everything but the clock readings
        return {**{k: v for k, v in r.items() if k not in ("timing", "history")},
                "history": [{k: v for k, v in h.items() if k != "seconds"} for h in r["history"]]}
    assert [figures(r) for r in serial] == [figures(r) for r in side_by_side]
    assert [r["seed"] for r in side_by_side] == [0, 1]


def test_val_shorter_than_a_block(tmp_path):
    path = tmp_path / "short_val.txt"
    path.write_text("to be or not to be, that is the question. " * 8)  # 344 characters: val 17, test 18
    corpus = load_corpus(path, "char", 0.9, 16)
    cfg = CFG.model_copy(update={"block_size": 32, "max_iters": 2, "knn_datastore": 64})
    r = run_seed(corpus, cfg, 0, torch.device("cpu"))
    assert r["transformer"]["test"]["tokens"] == len(corpus.splits["test"]) - 1 < cfg.block_size
