"""What few-shot GLUE's methods share: the registry, the classifier with memory evidence,
prediction, and the two ways a method learns: trained end to end over a (learning rate, batch size)
grid with dev-set epoch and point selection (`trained`), or a frozen encoder's vectors written to
memory (`frozen_memory`).

Every method is a function (backbone, task, train, dev, evals, cfg, device, generator) -> its
record's figures, registered in METHODS, and each gets the same examples and backbone
(hsokv.benchmarks.glue.protocol.run_seed).
"""
from __future__ import annotations

import copy
import math
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from hsokv.benchmarks.glue.batches import Batches
from hsokv.benchmarks.glue.data import Example
from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.config import PipelineConfig
from hsokv.episodic import EpisodicMemory
from hsokv.fit import fit
from hsokv.padding import trimmed
from hsokv.registry import Registry
from hsokv.retrieval import Retrieval
from hsokv.training import make_optimizer, seed_everything

METHODS = Registry("GLUE method")


class MemoryClassifier(nn.Module):
    """encoder -> h -> classifier(h) [+ memory evidence]: H-SOKV's additive fusion, any backbone."""

    def __init__(self, encoder: nn.Module, dim: int, num_labels: int, memory: EpisodicMemory | None,
                 retrieval: Retrieval | None = None):
        super().__init__()
        self.encoder, self.classifier, self.memory, self.num_labels = encoder, nn.Linear(dim, num_labels), memory, num_labels
        self.retrieval = retrieval

    def forward(self, ids: torch.Tensor, exclude_sources: torch.Tensor | None = None, use_memory: bool = True):
        h = self.encoder(ids)
        logits = self.classifier(h)
        if self.memory is not None and use_memory:
            logits = logits + self.retrieval.label_logits(self.memory, h, self.num_labels, exclude_sources)[0]
        return logits

    def readouts(self, ids: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(logits with memory, without) from one encoder pass: evaluation reports both."""
        h = self.encoder(ids)
        logits = self.classifier(h)
        return logits + self.retrieval.label_logits(self.memory, h, self.num_labels)[0], logits


@torch.no_grad()
def predict(fn: Callable[[torch.Tensor], torch.Tensor], data: Batches, batch_size: int, device) -> torch.Tensor:
    return predict_each(lambda x: (fn(x),), data, batch_size, device)[0]


@torch.no_grad()
def predict_each(fn: Callable[[torch.Tensor], tuple[torch.Tensor, ...]], data: Batches, batch_size: int,
                 device) -> list[torch.Tensor]:
    """One prediction per readout `fn` returns, from one pass over `data`."""
    preds = None
    for idx, ids in data.in_length_order(batch_size):
        logits = fn(ids.to(device))
        preds = preds or [torch.empty(len(data), dtype=torch.long) for _ in logits]
        for pred, out in zip(preds, logits):
            pred[idx] = out.argmax(-1).cpu()
    return preds


def accuracy(pred: torch.Tensor, data: Batches) -> float:
    return float((pred == data.labels).float().mean())


def _label_init(model: MemoryClassifier, backbone, task, device) -> None:
    if not (backbone.pretrained and task.label_sentences):
        return
    ids = Batches(backbone.tokenize([Example(s, None, 0) for s in task.label_sentences]), [0] * len(task.label_sentences))
    with torch.no_grad():
        model.classifier.weight.copy_(model.encoder(ids.ids(range(len(ids))).to(device)) * 10.0)
        model.classifier.bias.zero_()


def _train(model: MemoryClassifier, train: Batches, dev: Batches, cfg: PipelineConfig, pretrained: bool,
           device, generator: torch.Generator) -> dict:
    g = cfg.glue
    train_cfg = cfg.train.model_copy(update={"learning_rate": g.pretrained_learning_rate} if pretrained else {})
    opt = make_optimizer(model, train_cfg)
    sources = torch.arange(len(train))
    if model.memory is not None:
        with torch.no_grad():
            model.eval()
            all_ids = train.ids(range(len(train))).to(device)
            width = model.memory.value("tokens").shape[1]
            model.memory.add(model.encoder(all_ids), label=train.labels, source=sources,
                             tokens=F.pad(all_ids, (0, width - all_ids.shape[1])))
    selection = _BestEpoch(model, dev, g.eval_batch_size, device)

    def batches(epoch: int):
        return torch.randperm(len(train), generator=generator).split(g.batch_size)

    def loss(idx: torch.Tensor) -> torch.Tensor:
        logits = model(train.ids(idx.tolist()).to(device), sources[idx].to(device))
        return F.cross_entropy(logits, train.labels[idx].to(device))
    fit(model, batches, loss, opt, epochs=g.epochs, hooks=[selection], grad_clip=train_cfg.grad_clip)
    model.load_state_dict(selection.state)
    if model.memory is not None:
        with torch.no_grad():
            model.memory.refresh_keys(trimmed(model.encoder))
    return selection.best


class _BestEpoch:
    """The fit hook of dev-set model selection: at each epoch's end, re-encode the memory's keys,
    score dev, keep the best epoch's state (ties keep the earlier epoch)."""

    def __init__(self, model: MemoryClassifier, dev: Batches, batch_size: int, device):
        self.model, self.dev, self.batch_size, self.device = model, dev, batch_size, device
        self.best, self.state = {"dev_accuracy": -1.0, "epoch": -1}, None

    def end_epoch(self, epoch: int, step: int) -> None:
        model = self.model
        model.eval()
        if model.memory is not None:
            with torch.no_grad():
                model.memory.refresh_keys(trimmed(model.encoder))
        dev_acc = accuracy(predict(model, self.dev, self.batch_size, self.device), self.dev)
        if dev_acc > self.best["dev_accuracy"]:
            self.best = {"dev_accuracy": dev_acc, "epoch": epoch}
            self.state = copy.deepcopy(model.state_dict())


def _memory(dim: int, cfg: PipelineConfig, reencoded: bool) -> EpisodicMemory:
    """Labels, and where keys are re-encoded as the encoder trains, the token ids and source ids."""
    values = {"label": ((), torch.long)}
    if reencoded:
        values.update(tokens=((cfg.glue.max_length,), torch.long), source=((), torch.long))
    return EpisodicMemory(cfg.memory.capacity, values, dim, cfg.memory.eviction)


def _retrieval(cfg: PipelineConfig) -> Retrieval:
    return Retrieval("cosine", 1, cfg.glue.memory_temperature)


def grid(cfg: PipelineConfig, pretrained: bool) -> list[tuple[float, int]]:
    """(learning rate, batch size) points tried; a scratch encoder keeps train.learning_rate."""
    g = cfg.glue
    rates = (g.grid_learning_rates or [g.pretrained_learning_rate]) if pretrained else [cfg.train.learning_rate]
    return [(lr, bs) for lr in rates for bs in (g.grid_batch_sizes or [g.batch_size])]


def point_config(cfg: PipelineConfig, learning_rate: float, batch_size: int, n_train: int) -> PipelineConfig:
    """cfg with one grid point's rate and batch size; glue.steps becomes whole epochs (rounded up),
    as the dev set is read after every epoch."""
    g = cfg.glue
    epochs = g.epochs if g.steps is None else math.ceil(g.steps / math.ceil(n_train / batch_size))
    glue = g.model_copy(update={"batch_size": batch_size, "epochs": epochs, "pretrained_learning_rate": learning_rate})
    return cfg.model_copy(update={"glue": glue, "train": cfg.train.model_copy(update={"learning_rate": learning_rate})})


def trained(with_memory: bool):
    def run(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
        seed, best, points = generator.initial_seed(), None, []
        for lr, bs in grid(cfg, backbone.pretrained):
            seed_everything(seed)  # every grid point starts from the same initialisation and batch order
            point = point_config(cfg, lr, bs, len(train))
            enc = backbone.encoder(train.ids(range(len(train))), train.labels)
            model = MemoryClassifier(enc, backbone.dim, len(task.label_names),
                                     _memory(backbone.dim, point, True) if with_memory else None,
                                     _retrieval(point)).to(device)
            if point.glue.label_init:
                _label_init(model, backbone, task, device)
            out = _train(model, train, dev, point, backbone.pretrained, device, torch.Generator().manual_seed(seed))
            points.append({"learning_rate": lr, "batch_size": bs, "epochs": point.glue.epochs, **out})
            if best is None or out["dev_accuracy"] > best[0]["dev_accuracy"]:  # ties keep the earlier point
                best = (points[-1], model)
        chosen, model = best
        out = {**chosen, "grid": points}
        bs = cfg.glue.eval_batch_size
        for split, data in evals.items():
            if with_memory:
                both = predict_each(model.readouts, data, bs, device)
                out[split], out[f"{split}_without_memory"] = (accuracy(p, data) for p in both)
            else:
                out[split] = accuracy(predict(model, data, bs, device), data)
        return out
    run.grid_points = True   # each (learning rate, batch size) point can run as its own job (glue/grid.py)
    return run


def is_trained(method: str) -> bool:
    """Whether METHODS' `method` trains its encoder over a (learning rate, batch size) grid (`trained`)."""
    return getattr(METHODS.get(method), "grid_points", False)


def frozen_memory(kind: str, make_encoder):
    """Nearest training example's label under a frozen encoder (vectors cached per backbone, see frozen.py)."""
    def run(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
        encoder = FrozenEncoder(backbone, kind, lambda: make_encoder(backbone, train), cfg.glue.eval_batch_size, device)

        def vectors(data: Batches) -> torch.Tensor:
            return encoder.vectors(data.seqs).to(device)
        keys = vectors(train)
        memory, retrieval = _memory(keys.shape[-1], cfg, False).to(device), _retrieval(cfg)
        memory.add(keys, label=train.labels)

        def nearest(data: Batches) -> float:
            h = vectors(data)
            pred = torch.cat([retrieval.nearest_label(memory, q).cpu() for q in h.split(cfg.glue.eval_batch_size)])
            return accuracy(pred, data)
        return {"dev_accuracy": nearest(dev), **{split: nearest(data) for split, data in evals.items()}}
    return run
