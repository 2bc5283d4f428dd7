"""Shared training pieces: device choice, seeding, encoding stories, and the classifier loop."""
from __future__ import annotations

import random
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from hsokv.config import TrainConfig
from hsokv.lifecycle import ContextBoost, consolidate, forget, initial_confidence, update_confidence, write_decision
from hsokv.model import BaselineTransformer, TransformerWithKV

StepLogger = Callable[[dict], None]


def pick_device(name: str = "auto") -> torch.device:
    if name == "cuda" and not torch.cuda.is_available():
        raise RuntimeError("device is 'cuda' but no CUDA device is available; use 'auto' or 'cpu'")
    if name == "auto":
        name = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(name)


def seed_everything(seed: int) -> None:
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.cuda.manual_seed_all(seed)


def pad(sequences: list[list[int]], max_length: int) -> torch.Tensor:
    width = max(1, min(max_length, max(len(s) for s in sequences)))
    out = torch.zeros(len(sequences), width, dtype=torch.long)
    for i, s in enumerate(sequences):
        out[i, : min(len(s), width)] = torch.tensor(s[:width], dtype=torch.long)
    return out


def _batches(n: int, batch_size: int, generator: torch.Generator):
    order = torch.randperm(n, generator=generator)
    return order.split(batch_size)


def train_classifier(model: BaselineTransformer, ids: torch.Tensor, probes: torch.Tensor, labels: torch.Tensor,
                     sources: torch.Tensor, cfg: TrainConfig, device: torch.device, generator: torch.Generator,
                     step: int = 0, phase: int = 1, log: StepLogger | None = None, desc: str = "train",
                     label_domains: torch.Tensor | None = None) -> tuple[int, list[dict]]:
    """Train on one phase's stories; returns (next global step, per-step history).

    Each step classifies a batch of stories and their probes (the same usage sentence among
    other filler, no definition). For TransformerWithKV both are offered to memory the first time
    they are seen (hsokv.lifecycle decides whether to write: by default, always). Both entries of
    an item are hidden from that item's own queries (leave-one-out), so memory can only help by
    recalling the word from another of its stories: the skill the test asks for. Memory evidence
    is added only where the label has an entry left to find: otherwise it could only push toward
    wrong labels, teaching the encoder to flatten memory scores. Keys are re-encoded at the end of
    every epoch, so retrieval never compares against a stale encoder; consolidation and
    forgetting, when switched on, run there too.
    """
    with_memory = isinstance(model, TransformerWithKV)
    model.encoder.pool.observe(ids, labels)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    steps_per_epoch = -(-len(ids) // cfg.batch_size)
    if with_memory:
        memory, mcfg = model.memory, model.memory_cfg
        if mcfg.context_boosts:
            num_domains = int(label_domains.max()) + 1 if label_domains is not None else 1
            memory.context_boost = ContextBoost(mcfg, num_domains, steps_per_epoch)
        counters = {"consolidated": 0, "forgotten": 0}
    history: list[dict] = []
    epochs = tqdm(range(cfg.epochs), desc=desc, leave=False, disable=None)
    for epoch in epochs:
        model.train()
        for idx in _batches(len(ids), cfg.batch_size, generator):
            x, p, y, src = ids[idx].to(device), probes[idx].to(device), labels[idx].to(device), sources[idx].to(device)
            width = max(x.shape[1], p.shape[1])
            queries = torch.cat([F.pad(x, (0, width - x.shape[1])), F.pad(p, (0, width - p.shape[1]))])
            targets, exclude = torch.cat([y, y]), torch.cat([src, src])
            h = model.encoder(queries)
            if with_memory:
                logits = model.head(h, exclude, memory_rows=memory.has_label(targets, exclude))
            else:
                logits = model.classifier(h)
            row_loss = F.cross_entropy(logits, targets, reduction="none")
            loss = row_loss.mean()
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            record = {"phase": phase, "epoch": epoch, "step": step, "loss": loss.item(),
                      "batch_accuracy": float((logits.argmax(-1) == targets).float().mean())}
            if with_memory:  # after the update: the step's graph still reads the old memory
                record.update(_memory_step(model, h.detach(), queries, targets, exclude, row_loss.detach(),
                                           len(y), step, label_domains))
                record.update(memory_size=len(memory), memory_writes=memory.writes,
                              memory_evictions=memory.evictions, memory_consolidated=counters["consolidated"],
                              memory_forgotten=counters["forgotten"])
            history.append(record)
            if log is not None:
                log(record)
            step += 1
        if with_memory:
            model.eval()
            memory.refresh_keys(model.encoder)
            if mcfg.consolidation:
                counters["consolidated"] += consolidate(mcfg, model, opt)["consolidation_deleted"]
            if mcfg.forgetting:
                counters["forgotten"] += forget(mcfg, memory, step, steps_per_epoch)
            history[-1].update(memory_size=len(memory), memory_consolidated=counters["consolidated"],
                               memory_forgotten=counters["forgotten"])
        epochs.set_postfix(loss=f"{history[-1]['loss']:.3f}")
    model.eval()
    return step, history


@torch.no_grad()
def _memory_step(model: TransformerWithKV, h, queries, targets, exclude, row_loss, n_stories: int, step: int,
                 label_domains: torch.Tensor | None) -> dict:
    """Record which entries the batch retrieved, update confidence, and offer new items to memory."""
    memory, mcfg = model.memory, model.memory_cfg
    if memory.context_boost is not None:
        memory.context_boost.now = step
    _, hit = memory.record_use(h, targets, step, exclude)
    update_confidence(mcfg, memory)
    y, src = targets[:n_stories], exclude[:n_stories]
    new = ~memory.contains_sources(src)
    if new.any():
        write, first = write_decision(mcfg, memory, h[:n_stories], y, row_loss[:n_stories])
        both, first = torch.cat([new & write, new & write]), torch.cat([first, first])
        if both.any():
            domains = None if label_domains is None else label_domains.to(targets.device)[targets[both]]
            memory.write(h[both], targets[both], queries[both], exclude[both], step,
                         initial_confidence(mcfg, first[both]), first[both], domains)
    return {"memory_hit_rate": float(hit.float().mean()) if len(hit) else 0.0}
