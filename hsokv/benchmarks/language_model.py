"""The language-model benchmark: one seed trains one model and measures it with and without memory."""
from __future__ import annotations

import time

import torch

from hsokv.config import PipelineConfig
from hsokv.language_model import (TransformerLM, build_datastore, evaluate_lm, fit_lm_tokenizer, token_stream,
                                  train_lm, windows)
from hsokv.report import summarize
from hsokv.training import pick_device, seed_everything

SPLITS = ("valid", "test")


def run_seed(train: list[str], valid: list[str], test: list[str], cfg: PipelineConfig, seed: int) -> dict:
    lm = cfg.language_model
    seed_everything(seed)
    device = pick_device(cfg.device)
    tok = fit_lm_tokenizer(train)
    data = {name: windows(token_stream(tok, lines), lm.context_length)
            for name, lines in (("train", train), ("valid", valid), ("test", test))}
    model = TransformerLM(tok.get_vocab_size(), lm.context_length, cfg.model).to(device)
    start = time.perf_counter()
    history = train_lm(model, *data["train"], lm, cfg.train, device, torch.Generator().manual_seed(seed))
    train_seconds = time.perf_counter() - start
    memory = build_datastore(model, *data["train"], lm.eval_batch_size, device)
    result = {"seed": seed, "device": str(device), "vocab_size": tok.get_vocab_size(), "datastore_entries": len(memory),
              "train_tokens_per_second": sum(int((y != -100).sum()) for y in data["train"][1]) * lm.epochs
              / train_seconds, "history": history}
    unk = tok.token_to_id("[UNK]")
    for name in SPLITS:
        targets = data[name][1]
        result[name] = {"without_memory": evaluate_lm(model, *data[name], lm, device),
                        "with_memory": evaluate_lm(model, *data[name], lm, device, memory),
                        "oov_rate": float((targets == unk).sum() / (targets != -100).sum())}
    return result


def summary(per_seed: list[dict], cfg: PipelineConfig, corpus: str) -> dict:
    """Mean, std and 95% CI over seeds of every figure; timings under their own keys."""
    out = {"preset": cfg.preset, "seeds": [r["seed"] for r in per_seed], "corpus": corpus,
           "knn_lambda": cfg.language_model.knn_lambda, "knn_k": cfg.language_model.knn_k}
    for name in SPLITS:
        out[name] = {f"perplexity_{m}": summarize([r[name][m]["perplexity"] for r in per_seed])
                     for m in ("without_memory", "with_memory")}
        out[name]["oov_rate"] = per_seed[0][name]["oov_rate"]
        out[name]["tokens"] = per_seed[0][name]["without_memory"]["tokens"]
    out["memory_lowers_test_perplexity_in"] = sum(
        r["test"]["with_memory"]["perplexity"] < r["test"]["without_memory"]["perplexity"] for r in per_seed)
    out["timing"] = {"train_tokens_per_second": summarize([r["train_tokens_per_second"] for r in per_seed]),
                     **{f"eval_tokens_per_second_{m}": summarize([r["test"][m]["tokens_per_second"] for r in per_seed])
                        for m in ("without_memory", "with_memory")}}
    return out
