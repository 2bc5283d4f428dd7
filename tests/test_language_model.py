"""The language model: causal states, windows, kNN-LM interpolation, one small seed end to end."""
import math

import pytest
import torch

from hsokv.benchmarks.language_model import run_seed
from hsokv.config import LanguageModelConfig, ModelConfig, resolve
from hsokv.language_model import (TransformerLM, build_datastore, evaluate_lm, fit_lm_tokenizer, interpolate,
                                  knn_log_probs, token_stream, windows)

CFG = ModelConfig(num_layers=1, d_model=16, num_heads=2, ff_dim=32, dropout=0.0)
LINES = [f"the {w} sat on the {p} near the {q} ." for w in ("cat", "dog", "owl", "fox") for p in ("mat", "log")
         for q in ("door", "tree", "lake")]


def test_causal_states_do_not_see_the_future():
    torch.manual_seed(0)
    model = TransformerLM(20, 8, CFG).eval()
    ids = torch.randint(2, 20, (1, 8))
    changed = ids.clone()
    changed[0, 5:] = (changed[0, 5:] + 1) % 18 + 2
    with torch.no_grad():
        a, b = model.states(ids), model.states(changed)
    assert torch.equal(a[0, :5], b[0, :5]) and not torch.equal(a[0, 5:], b[0, 5:])


def test_windows_shift_targets_and_ignore_padding():
    inputs, targets = windows(torch.arange(1, 12), 4)  # 11 tokens -> 10 (input, target) pairs
    assert inputs.shape == targets.shape == (3, 4)
    assert inputs.flatten()[:10].tolist() == list(range(1, 11)) and targets.flatten()[:10].tolist() == list(range(2, 12))
    assert inputs.flatten()[10:].tolist() == [0, 0] and targets.flatten()[10:].tolist() == [-100, -100]


def test_eos_ends_every_line():
    tok = fit_lm_tokenizer(LINES)
    stream = token_stream(tok, LINES[:2])
    eos = tok.token_to_id("[EOS]")
    assert (stream == eos).sum() == 2 and stream[-1] == eos


def test_interpolation_is_a_distribution_and_exact_at_the_ends():
    log_model = torch.log_softmax(torch.randn(3, 5), -1)
    log_knn = torch.log(torch.tensor([[1.0, 0, 0, 0, 0], [0.5, 0.5, 0, 0, 0], [0.2] * 5]))
    assert torch.equal(interpolate(log_model, log_knn, 0.0), log_model)
    assert torch.equal(interpolate(log_model, log_knn, 1.0), log_knn)
    mixed = interpolate(log_model, log_knn, 0.3)
    assert torch.allclose(mixed.exp().sum(-1), torch.ones(3))
    assert torch.allclose(mixed.exp(), 0.3 * log_knn.exp() + 0.7 * log_model.exp())


@pytest.fixture
def untrained_lm():
    """(vocab size, inputs, targets, an untrained model, its datastore over LINES)."""
    torch.manual_seed(0)
    tok = fit_lm_tokenizer(LINES)
    inputs, targets = windows(token_stream(tok, LINES), 8)
    model = TransformerLM(tok.get_vocab_size(), 8, CFG).eval()
    return tok.get_vocab_size(), inputs, targets, model, build_datastore(model, inputs, targets, 4, torch.device("cpu"))


def test_datastore_votes_for_the_tokens_that_followed(untrained_lm):
    vocab_size, inputs, targets, model, memory = untrained_lm
    assert len(memory) == int((targets != -100).sum())
    with torch.no_grad():
        states = model.states(inputs[:1])[0]
    log_knn = knn_log_probs(memory, states, vocab_size, k=1, temperature=1.0)
    # its own training context is its nearest neighbour, so 1-NN puts all mass on the true next token
    assert torch.equal(log_knn.argmax(-1), targets[0]) and torch.allclose(log_knn.exp().sum(-1), torch.ones(8))


def test_zero_lambda_memory_changes_nothing(untrained_lm):
    _, inputs, targets, model, memory = untrained_lm
    cfg = LanguageModelConfig(knn_lambda=0.0, knn_k=4)
    without = evaluate_lm(model, inputs, targets, cfg, torch.device("cpu"))
    with_zero = evaluate_lm(model, inputs, targets, cfg, torch.device("cpu"), memory)
    assert with_zero["perplexity"] == without["perplexity"] and without["tokens"] == len(memory)


def test_one_seed_reports_both_perplexities():
    cfg = resolve({"preset": "t", "presets": {"t": {"seeds": [0], "model": CFG.model_dump()}}, "device": "cpu",
                   "language_model": {"epochs": 3, "context_length": 8, "batch_size": 4, "knn_lambda": 0.25,
                                      "knn_k": 4, "learning_rate": 3e-3}})
    result = run_seed(LINES[:18], LINES[18:21], LINES[21:], cfg, 0)
    for split in ("valid", "test"):
        for which in ("with_memory", "without_memory"):
            ppl = result[split][which]["perplexity"]
            assert math.isfinite(ppl) and 1.0 < ppl < result["vocab_size"]
    assert result["datastore_entries"] == sum(len(line.split()) + 1 for line in LINES[:18]) - 1
    assert [h["epoch"] for h in result["history"]] == [1, 2, 3]
    assert result["history"][-1]["train_loss"] < result["history"][0]["train_loss"]
