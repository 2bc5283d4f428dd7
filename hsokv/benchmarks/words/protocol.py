"""The synthetic one-shot protocol: learn phase 1, test; learn phase 2, test retention.

`run_seed` is the only path from a method to its numbers, so every method is measured the same
way: on recognition (top-level `test`, `retention`, `test_phase2`, as always), on each task of
`synthetic.tasks` (`tasks`) and on the word probes (`probes`: accuracy with the word masked, and
the share of predictions that follow a swapped-in word; hsokv.benchmarks.words.tasks). FLOPs come from torch's FlopCounterMode over everything a method does (learning and
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
from hsokv.benchmarks.words.inputs import SentenceEncoder, make_inputs
from hsokv.benchmarks.words.tasks import PROBES, task_items
from hsokv.benchmarks.words.tensors import eval_tensors, label_domains
from hsokv.config import ConfigError, PipelineConfig
from hsokv.model import TransformerWithKV
from hsokv.training import StepLogger, pick_device, seed_everything


def _rate(hit: torch.Tensor, mask: torch.Tensor) -> float | None:
    return float(hit[mask].float().mean()) if mask.any() else None


def evaluate(method, ids: torch.Tensor, labels: torch.Tensor, exposures: torch.Tensor, batch_size: int,
             choices: tuple | None = None, other: torch.Tensor | None = None) -> dict:
    """Accuracy overall, one-shot and few-shot. With `choices` = (candidate inputs, answers), the
    method chooses among each item's candidates (comprehension) instead of naming the word; with
    `other` (the swapped-in labels) also the share of predictions that are the swapped-in word."""
    parts = [method.predict(ids[i:i + batch_size]) for i in range(0, len(ids), batch_size)]
    pred = torch.cat([p.pred.cpu() for p in parts])
    hit = pred == labels
    if choices is not None:
        candidates, answers = choices
        hit = choose(method, ids, parts, candidates, len(candidates) // len(labels), batch_size) == answers
    one, few = exposures == 1, exposures > 1
    out = {"accuracy": _rate(hit, torch.ones_like(one)), "one_shot_accuracy": _rate(hit, one),
           "few_shot_accuracy": _rate(hit, few), "kv_hit_rate": None, "kv_utility": None,
           "n": len(labels), "n_one_shot": int(one.sum()), "n_few_shot": int(few.sum())}
    if parts[0].top1_label is not None:
        out["kv_hit_rate"] = float((torch.cat([p.top1_label.cpu() for p in parts]) == labels).float().mean())
    if parts[0].pred_without_memory is not None:
        without = torch.cat([p.pred_without_memory.cpu() for p in parts]) == labels
        out["kv_utility"] = out["accuracy"] - float(without.float().mean())
    if other is not None:
        out["follows_swap"] = float((pred == other).float().mean())
    return out


def choose(method, ids, parts, candidates, per_item: int, batch_size: int) -> torch.Tensor:
    """Each item's chosen candidate: the method's own rule where it has one (the lexical controls),
    else the candidate most likely to name the same word as the item (the inner product of the
    two softmaxes over words: comprehension = recognising the usage's word x recalling the
    word a definition describes)."""
    if hasattr(method, "choose"):
        return method.choose(ids, candidates, per_item)
    item_p = torch.cat([p.scores.float().cpu() for p in parts]).softmax(-1)
    cand_p = torch.cat([method.predict(candidates[i:i + batch_size]).scores.float().cpu()
                        for i in range(0, len(candidates), batch_size)]).softmax(-1)
    return torch.einsum("nw,ncw->nc", item_p, cand_p.view(len(item_p), per_item, -1)).argmax(-1)


def _items(inputs, items: list) -> dict:
    """evaluate()'s arguments for a list of items."""
    args = {"ids": inputs([it.text for it in items]),
            "labels": torch.tensor([it.label for it in items], dtype=torch.long),
            "exposures": torch.tensor([it.exposures for it in items], dtype=torch.long)}
    if items and items[0].candidates is not None:
        args["choices"] = (inputs([c for it in items for c in it.candidates]),
                           torch.tensor([it.answer for it in items], dtype=torch.long))
    if items and items[0].other is not None:
        args["other"] = torch.tensor([it.other for it in items], dtype=torch.long)
    return args


def _training(inputs, items: list, source_offset: int):
    """(stories, probes, labels, source ids) for one learning phase."""
    return (inputs([it.text for it in items]), inputs([it.probe for it in items]),
            torch.tensor([it.label for it in items], dtype=torch.long),
            torch.arange(len(items), dtype=torch.long) + source_offset)


def run_seed(method_name: str, splits: SyntheticSplits, tok: Tokenizer, cfg: PipelineConfig, seed: int,
             log: StepLogger | None = None, count_flops: bool = True,
             on_done: Callable[[object], None] | None = None, backbone: str | SentenceEncoder = "scratch",
             method_class: type | None = None) -> dict:
    """One method, one seed, the whole protocol. count_flops=False skips the FLOP counter, which
    roughly doubles the run time of a small model; flops is then None. on_done(method) runs after
    the protocol (e.g. to save the trained model). `backbone`: what the method reads stories as
    (hsokv.benchmarks.words.inputs): "scratch", "text" or a pretrained SentenceEncoder. `method_class`
    replaces METHODS[method_name] (key selection's hsokv_sentences that trains once for every key setting)."""
    make_method = method_class or METHODS.get(method_name)
    name = backbone if isinstance(backbone, str) else backbone.name
    if (name if name in ("scratch", "text") else "pretrained") not in make_method.backbones:
        raise ConfigError(f"method {method_name!r} runs on {list(make_method.backbones)}, not on backbone {name!r}")
    seed_everything(seed)
    device = pick_device(cfg.device)
    inputs = make_inputs(backbone, splits, tok, cfg.data.max_length)
    train1 = _training(inputs, splits.train_phase1, 0)
    train2 = _training(inputs, splits.train_phase2, len(splits.train_phase1))
    tasks = {task: {split: _items(inputs, items) for split, items in task_items(splits, task).items()}
             for task in cfg.synthetic.tasks}
    probes = {name: _items(inputs, splits.tasks[name]["test"]) for name in PROBES if splits.tasks.get(name)}
    recognition = {split: _items(inputs, items) for split, items in task_items(splits, "recognition").items()}
    generator = torch.Generator().manual_seed(seed)
    method = make_method(inputs.vocab_size, len(splits.words), cfg.data.max_length, cfg, device, generator, log,
                         label_domains(splits), inputs=inputs)
    bs = cfg.eval.batch_size
    flops = FlopCounterMode(display=False) if count_flops else contextlib.nullcontext()
    start = time.perf_counter()
    with flops:
        history = method.learn(*train1, phase=1)
        result = {"test": evaluate(method, **recognition["test"], batch_size=bs),
                  "tasks": {task: {"test": evaluate(method, **d["test"], batch_size=bs)} for task, d in tasks.items()},
                  "probes": {name: evaluate(method, **d, batch_size=bs) for name, d in probes.items()}}
        history += method.learn(*train2, phase=2)
        for split in ("retention", "test_phase2"):
            result[split] = evaluate(method, **recognition[split], batch_size=bs)
            for task, d in tasks.items():
                result["tasks"][task][split] = evaluate(method, **d[split], batch_size=bs)
    result.update(seed=seed, method=method_name, backbone=name, device=str(device),
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
