"""One evaluation path for every row of the table.

Each method yields ln p(target) for the same targets: tokens 1 .. n-1 of the val and of the test
split, each predicted from the tokens before it in that split (the transformer and kNN-LM see up
to block_size of them, the n-gram up to order - 1). `score` turns them into loss (nats per token),
bits per token and perplexity. Choices (n-gram order; kNN-LM's k, temperature, lambda) are made on
val; test is scored once, afterwards.
"""
from __future__ import annotations

import math
import os
import time

import numpy as np
import torch

from hsokv.benchmarks.lm.data import Corpus
from hsokv.benchmarks.lm.methods.knn_lm import KnnLM
from hsokv.benchmarks.lm.methods.ngram import KneserNey, select_order
from hsokv.benchmarks.lm.methods.transformer import Transformer
from hsokv.benchmarks.lm.config import LanguageModelConfig
from hsokv.jobs import starmap_spawned
from hsokv.report import summarize
from hsokv.training import seed_everything

SPLITS = ("val", "test")
METHODS = ("ngram", "transformer", "knn_lm")
FIGURES = ("loss", "bits_per_token", "perplexity")


def make_deterministic(threads: int) -> None:
    """Same seed, same machine, same thread count -> the same figures, bit for bit. On a GPU, cuBLAS
    needs a fixed workspace for that; an op with no deterministic kernel warns instead of failing."""
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True, warn_only=True)


def score(log_p) -> dict:
    log_p = torch.as_tensor(log_p, dtype=torch.float64)
    loss = float(-log_p.mean())
    return {"loss": loss, "bits_per_token": loss / math.log(2), "perplexity": math.exp(loss), "tokens": len(log_p)}


def run_ngram(corpus: Corpus, cfg: LanguageModelConfig) -> dict:
    start = time.perf_counter()
    ids = {name: corpus.splits[name].numpy() for name in ("train", *SPLITS)}
    feasible = int(62 // math.log2(max(corpus.vocab_size, 2)))  # orders whose codes fit in 64 bits
    orders = sorted(o for o in set(cfg.ngram_orders) if o <= feasible) or [feasible]
    model = KneserNey(corpus.vocab_size, max(orders)).fit(ids["train"])
    order, val_by_order = select_order(model, ids["val"], orders)
    return {"order": order, "val_loss_by_order": val_by_order,
            **{name: score(model.log_probs(ids[name], order)) for name in SPLITS},
            "timing": {"seconds": time.perf_counter() - start}}


def run_seeds(corpus: Corpus, cfg: LanguageModelConfig, seeds: list[int], device: torch.device) -> list[dict]:
    """run_seed for every seed, in order; with cfg.workers > 1 in that many processes of cfg.threads
    threads each. A seed's figures do not depend on which process trains it: each is seeded alone and
    runs at the same thread count, so the results equal a serial run's, bit for bit (on the CPU)."""
    if cfg.workers <= 1 or len(seeds) <= 1:
        return [_seed_job(corpus, cfg, seed, device) for seed in seeds]
    return starmap_spawned(_seed_job, [(corpus, cfg, seed, device) for seed in seeds], min(cfg.workers, len(seeds)),
                           make_deterministic, (cfg.threads,))


def _seed_job(corpus: Corpus, cfg: LanguageModelConfig, seed: int, device: torch.device) -> dict:
    r = run_seed(corpus, cfg, seed, device, log=lambda h: print(
        f"  seed {seed} step {h['step']}: train {h['train_loss']:.3f}, val {h['val_loss']:.3f} (estimates), "
        f"{h['seconds']:.0f} s", flush=True))
    print(f"seed {seed}: val loss {r['transformer']['val']['loss']:.4f} without memory, "
          f"{r['knn_lm']['val']['loss']:.4f} with kNN-LM {r['knn_lm']['chosen']}; "
          f"training {r['timing']['train_seconds']:.0f} s on {device}", flush=True)
    return r


def run_seed(corpus: Corpus, cfg: LanguageModelConfig, seed: int, device: torch.device, log=None) -> dict:
    seed_everything(seed)
    model = Transformer(corpus.vocab_size, cfg, device)
    start, cpu_start = time.perf_counter(), time.process_time()
    history = model.fit(corpus.splits, seed, log)
    # CPU time as well as wall time: on a shared machine the wall clock also counts other people's work
    train_seconds, train_cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    targets = {name: corpus.splits[name][1:] for name in SPLITS}
    # (ln p(target), {key: states}) for every kind of key kNN-LM tries
    scored = {name: model.score(corpus.splits[name], tuple(cfg.knn_keys)) for name in SPLITS}
    start = time.perf_counter()
    knn = KnnLM(model, corpus.splits["train"], cfg, seed)
    neighbours = {name: knn.neighbours(scored[name][1]) for name in SPLITS}
    grid = knn.select(scored["val"][0], neighbours["val"], targets["val"])
    knn_log_p = {name: knn.log_probs(scored[name][0], neighbours[name], targets[name]) for name in SPLITS}
    return {"seed": seed, "params": model.model.num_params(), "history": history, "kept_step": model.kept_step,
            "transformer": {name: score(scored[name][0]) for name in SPLITS},
            "knn_lm": {**{name: score(knn_log_p[name]) for name in SPLITS}, "chosen": knn.chosen,
                       "datastore": len(knn.values), "val_grid": grid},
            "timing": {"train_seconds": train_seconds, "train_cpu_seconds": train_cpu_seconds,
                       "knn_seconds": time.perf_counter() - start,
                       "train_tokens_per_second": cfg.max_iters * cfg.batch_size * cfg.block_size / train_seconds}}


def corpus_info(corpus: Corpus) -> dict:
    """What the tables say about a corpus (also stored in each GPU run's result)."""
    return {"source": corpus.source, "level": corpus.level, "vocab_size": corpus.vocab_size,
            "tokens": {name: len(t) for name, t in corpus.splits.items()}, "oov": corpus.oov}


def summary(corpus: dict, ngram: dict, per_seed: list[dict], cfg: LanguageModelConfig, preset: str) -> dict:
    """Mean, std and 95% CI over seeds of every figure (the n-gram has no seed: one value);
    `corpus` is corpus_info's dict."""
    methods = {"ngram": {name: {f: summarize([ngram[name][f]]) for f in FIGURES} for name in SPLITS}}
    methods["ngram"]["order"] = ngram["order"]
    for method in ("transformer", "knn_lm"):
        methods[method] = {name: {f: summarize([r[method][name][f] for r in per_seed]) for f in FIGURES}
                           for name in SPLITS}
    methods["transformer"]["kept_step"] = [r["kept_step"] for r in per_seed]
    methods["knn_lm"]["chosen_on_val"] = [r["knn_lm"]["chosen"] for r in per_seed]
    methods["knn_lm"]["datastore"] = per_seed[0]["knn_lm"]["datastore"]
    gain = {name: summarize([r["transformer"][name]["loss"] - r["knn_lm"][name]["loss"] for r in per_seed])
            for name in SPLITS}
    return {"preset": preset, "seeds": [r["seed"] for r in per_seed],
            "corpus": corpus,
            "model": {"n_layer": cfg.n_layer, "n_head": cfg.n_head, "n_embd": cfg.n_embd, "block_size": cfg.block_size,
                      "params": per_seed[0]["params"], "max_iters": cfg.max_iters, "batch_size": cfg.batch_size},
            "methods": methods,
            "knn_lm_loss_reduction": gain,  # transformer loss - kNN-LM loss, per seed: > 0 = the memory helps
            "timing": {"ngram_seconds": ngram["timing"]["seconds"],
                       **{key: summarize([r["timing"][key] for r in per_seed])
                          for key in ("train_seconds", "train_cpu_seconds", "knn_seconds", "train_tokens_per_second")}}}
