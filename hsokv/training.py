"""Shared training pieces: device choice, seeding, encoding stories, and the classifier loop."""
from __future__ import annotations

import random
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F
from tqdm import tqdm

from hsokv.config import TrainConfig
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
                     sources: torch.Tensor,
                     cfg: TrainConfig, device: torch.device, generator: torch.Generator, step: int = 0,
                     phase: int = 1, log: StepLogger | None = None, desc: str = "train") -> tuple[int, list[dict]]:
    """Train on one phase's stories; returns (next global step, per-step history).

    Each step classifies a batch of stories and their probes (the same usage sentence among
    other filler, no definition). For TransformerWithKV both are written to memory the first time
    they are seen (write-all). Both entries of an item are hidden from that item's own queries
    (leave-one-out), so memory can only help by matching the word in another of its stories:
    the skill the test asks for. Memory evidence is added only where the label has an entry left
    to find: otherwise it could only push toward wrong labels, teaching the encoder to flatten
    memory scores. Keys are re-encoded at the end of every epoch, so retrieval never compares
    against a stale encoder.
    """
    with_memory = isinstance(model, TransformerWithKV)
    model.encoder.pool.observe(ids, labels)
    opt = torch.optim.AdamW(model.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
    history: list[dict] = []
    epochs = tqdm(range(cfg.epochs), desc=desc, leave=False, disable=None)
    for epoch in epochs:
        model.train()
        for idx in _batches(len(ids), cfg.batch_size, generator):
            x, p, y, src = ids[idx].to(device), probes[idx].to(device), labels[idx].to(device), sources[idx].to(device)
            width = max(x.shape[1], p.shape[1])
            queries = torch.cat([F.pad(x, (0, width - x.shape[1])), F.pad(p, (0, width - p.shape[1]))])
            targets = torch.cat([y, y])
            h = model.encoder(queries)
            logits = model.classifier(h)
            if with_memory:
                exclude = torch.cat([src, src])
                mem_logits, _ = model.memory.label_logits(h, model.num_labels, exclude_sources=exclude)
                has_positive = model.memory.has_label(targets, exclude_sources=exclude)
                logits = logits + mem_logits * has_positive.unsqueeze(1)
            loss = F.cross_entropy(logits, targets)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
            opt.step()
            if with_memory:  # written after the update: the step's graph still reads the old memory
                new = ~model.memory.contains_sources(src)
                if new.any():
                    both = torch.cat([new, new])
                    model.memory.write(h[both].detach(), targets[both], queries[both], exclude[both], step)
            record = {"phase": phase, "epoch": epoch, "step": step, "loss": loss.item(),
                      "batch_accuracy": float((logits.argmax(-1) == targets).float().mean())}
            if with_memory:
                record["memory_size"] = len(model.memory)
                record["memory_evictions"] = model.memory.evictions
            history.append(record)
            if log is not None:
                log(record)
            step += 1
        if with_memory:
            model.eval()
            model.memory.refresh_keys(model.encoder)
        epochs.set_postfix(loss=f"{history[-1]['loss']:.3f}")
    model.eval()
    return step, history
