"""What few-shot GLUE's methods share: the registry, padded batches, the classifier with memory
evidence, prediction, and the two ways a method learns: trained end to end with dev-set epoch
selection (`trained`), or a frozen encoder's vectors written to memory (`frozen_memory`).

Every method is a function (backbone, task, train, dev, evals, cfg, device, generator) -> its
record's figures, registered in METHODS, and each gets the same examples and backbone
(hsokv.benchmarks.glue.protocol.run_seed).
"""
from __future__ import annotations

import copy
from typing import Callable

import torch
import torch.nn as nn
import torch.nn.functional as F

from hsokv.benchmarks.glue.data import Example
from hsokv.config import PipelineConfig
from hsokv.episodic import EpisodicMemory
from hsokv.fit import fit
from hsokv.registry import Registry
from hsokv.retrieval import Retrieval
from hsokv.training import make_optimizer

METHODS = Registry("GLUE method")


class Batches:
    """Token id lists, padded per batch; sorted by length for evaluation, so little is padding."""

    def __init__(self, seqs: list[list[int]], labels: list[int]):
        self.seqs, self.labels = seqs, torch.tensor(labels, dtype=torch.long)

    def __len__(self):
        return len(self.seqs)

    def ids(self, idx) -> torch.Tensor:
        rows = [self.seqs[i] for i in idx]
        out = torch.zeros(len(rows), max(1, max(len(r) for r in rows)), dtype=torch.long)
        for i, r in enumerate(rows):
            out[i, : len(r)] = torch.tensor(r, dtype=torch.long)
        return out

    def in_length_order(self, batch_size: int):
        order = sorted(range(len(self.seqs)), key=lambda i: len(self.seqs[i]))
        for start in range(0, len(order), batch_size):
            idx = order[start:start + batch_size]
            yield torch.tensor(idx), self.ids(idx)


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


@torch.no_grad()
def predict(fn: Callable[[torch.Tensor], torch.Tensor], data: Batches, batch_size: int, device) -> torch.Tensor:
    pred = torch.empty(len(data), dtype=torch.long)
    for idx, ids in data.in_length_order(batch_size):
        pred[idx] = fn(ids.to(device)).argmax(-1).cpu()
    return pred


def _accuracy(pred: torch.Tensor, data: Batches) -> float:
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
            model.memory.refresh_keys(model.encoder)
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
                model.memory.refresh_keys(model.encoder)
        dev_acc = _accuracy(predict(model, self.dev, self.batch_size, self.device), self.dev)
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


def trained(with_memory: bool):
    def run(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
        enc = backbone.encoder(train.ids(range(len(train))), train.labels)
        model = MemoryClassifier(enc, backbone.dim, len(task.label_names),
                                 _memory(backbone.dim, cfg, True) if with_memory else None, _retrieval(cfg)).to(device)
        if cfg.glue.label_init:
            _label_init(model, backbone, task, device)
        out = _train(model, train, dev, cfg, backbone.pretrained, device, generator)
        bs = cfg.glue.eval_batch_size
        for split, data in evals.items():
            out[split] = _accuracy(predict(model, data, bs, device), data)
            if with_memory:
                out[f"{split}_without_memory"] = _accuracy(
                    predict(lambda x: model(x, use_memory=False), data, bs, device), data)
        return out
    return run


def frozen_memory(make_encoder):
    def run(backbone, task, train, dev, evals, cfg, device, generator) -> dict:
        encoder = make_encoder(backbone, train).to(device).eval().requires_grad_(False)
        probe = encoder(train.ids([0]).to(device))
        memory, retrieval = _memory(probe.shape[-1], cfg, False).to(device), _retrieval(cfg)
        memory.add(encoder(train.ids(range(len(train))).to(device)), label=train.labels)

        def nearest_label(x):
            return F.one_hot(retrieval.nearest_label(memory, encoder(x)), len(task.label_names)).float()
        out = {"dev_accuracy": _accuracy(predict(nearest_label, dev, cfg.glue.eval_batch_size, device), dev)}
        for split, data in evals.items():
            out[split] = _accuracy(predict(nearest_label, data, cfg.glue.eval_batch_size, device), data)
        return out
    return run
