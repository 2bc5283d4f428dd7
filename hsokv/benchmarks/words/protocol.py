"""The synthetic one-shot protocol: learn phase 1, test; learn phase 2, test retention.

`run_seed` is the only path from a method to its numbers, so every method is measured the same
way. FLOPs come from torch's FlopCounterMode over everything a method does (learning and
evaluation); it counts matrix products and attention, not embedding look-ups or top-k.
"""
from __future__ import annotations

import contextlib
import time
from types import SimpleNamespace
from typing import Callable

import torch
from tokenizers import Tokenizer
from torch.utils.flop_counter import FlopCounterMode

from hsokv.benchmarks.words.data import SyntheticSplits
from hsokv.benchmarks.words.methods import METHODS
from hsokv.benchmarks.words.methods.base import predict_with_memory
from hsokv.benchmarks.words.tensors import eval_tensors, label_domains, training_tensors
from hsokv.config import PipelineConfig
from hsokv.model import TransformerWithKV
from hsokv.training import StepLogger, pick_device, seed_everything


def _rate(hit: torch.Tensor, mask: torch.Tensor) -> float | None:
    return float(hit[mask].float().mean()) if mask.any() else None


def evaluate(method, ids: torch.Tensor, labels: torch.Tensor, exposures: torch.Tensor, batch_size: int) -> dict:
    parts = [method.predict(ids[i:i + batch_size]) for i in range(0, len(ids), batch_size)]
    pred = torch.cat([p.pred.cpu() for p in parts])
    hit = pred == labels
    one, few = exposures == 1, exposures > 1
    out = {"accuracy": _rate(hit, torch.ones_like(one)), "one_shot_accuracy": _rate(hit, one),
           "few_shot_accuracy": _rate(hit, few), "kv_hit_rate": None, "kv_utility": None,
           "n": len(labels), "n_one_shot": int(one.sum()), "n_few_shot": int(few.sum())}
    if parts[0].top1_label is not None:
        out["kv_hit_rate"] = float((torch.cat([p.top1_label.cpu() for p in parts]) == labels).float().mean())
    if parts[0].pred_without_memory is not None:
        without = torch.cat([p.pred_without_memory.cpu() for p in parts]) == labels
        out["kv_utility"] = out["accuracy"] - float(without.float().mean())
    return out


def run_seed(method_name: str, splits: SyntheticSplits, tok: Tokenizer, cfg: PipelineConfig, seed: int,
             log: StepLogger | None = None, count_flops: bool = True,
             on_done: Callable[[object], None] | None = None) -> dict:
    """One method, one seed, the whole protocol. count_flops=False skips the FLOP counter, which
    roughly doubles the run time of a small model; flops is then None. on_done(method) runs after
    the protocol (e.g. to save the trained model)."""
    make_method = METHODS.get(method_name)
    seed_everything(seed)
    device = pick_device(cfg.device)
    L = cfg.data.max_length
    train1 = training_tensors(tok, splits.train_phase1, L, 0)
    train2 = training_tensors(tok, splits.train_phase2, L, len(splits.train_phase1))
    test, test2, retention = (eval_tensors(tok, s, L) for s in (splits.test, splits.test_phase2, splits.retention))
    generator = torch.Generator().manual_seed(seed)
    method = make_method(tok.get_vocab_size(), len(splits.words), L, cfg, device, generator, log, label_domains(splits))
    bs = cfg.eval.batch_size
    flops = FlopCounterMode(display=False) if count_flops else contextlib.nullcontext()
    start = time.perf_counter()
    with flops:
        history = method.learn(*train1, phase=1)
        result = {"test": evaluate(method, *test, bs)}
        history += method.learn(*train2, phase=2)
        result["retention"] = evaluate(method, *retention, bs)
        result["test_phase2"] = evaluate(method, *test2, bs)
    result.update(seed=seed, method=method_name, device=str(device),
                  flops=int(flops.get_total_flops()) if count_flops else None,
                  wall_seconds=time.perf_counter() - start, history=history)
    if on_done is not None:
        on_done(method)
    return result


# What a trained H-SOKV model is measured on at the end of the protocol: the figures its
# checkpoint must reproduce (stages/evaluate.py).
FINAL_SPLITS = ("retention", "test_phase2")


def evaluate_final(model: TransformerWithKV, tok: Tokenizer, splits: SyntheticSplits, max_length: int,
                   batch_size: int, device: torch.device) -> dict:
    """run_seed's end-of-protocol figures for an H-SOKV model (e.g. one reloaded from disk)."""
    method = SimpleNamespace(predict=lambda ids: predict_with_memory(model, ids, device))
    return {name: evaluate(method, *eval_tensors(tok, getattr(splits, name), max_length), batch_size)
            for name in FINAL_SPLITS}
