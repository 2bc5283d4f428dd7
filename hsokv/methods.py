"""The methods compared on the synthetic benchmark, behind one small registry.

Every method answers the same two calls, so one evaluation path serves them all:
    learn(ids, probes, labels, sources, phase) -> per-step history
    predict(ids) -> Predictions
- hsokv:     TransformerWithKV trained end to end; memory written with every training story.
- finetune:  B1, BaselineTransformer with the same optimiser, epochs and batches (no memory).
- kv_only:   B2, the same transformer left at its random initialisation, frozen; memory writes only.
- knn:       B3, nearest neighbour over mean-pooled random (untrained) word embeddings.
- knn_novelty: B3 with H-SOKV's novelty-prior pooling instead of the mean: what the prior alone
             achieves, so the table shows what training and memory add beyond it.
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from hsokv.config import PipelineConfig
from hsokv.memory import KeyValueMemory
from hsokv.model import BaselineTransformer, Encoder, MeanPooled, NoveltyPooling, TransformerWithKV
from hsokv.registry import Registry
from hsokv.training import StepLogger, train_classifier

METHODS = Registry("method")


@dataclass
class Predictions:
    pred: torch.Tensor
    pred_without_memory: torch.Tensor | None = None  # only where a non-memory path exists
    top1_label: torch.Tensor | None = None           # label of the nearest memory entry


class _Method:
    name = ""
    reads: tuple[str, ...] = ()  # params it reads beyond the protocol's (stages/synthetic.py READS)

    def __init__(self, vocab_size: int, num_labels: int, max_length: int, cfg: PipelineConfig,
                 device: torch.device, generator: torch.Generator, log: StepLogger | None = None,
                 label_domains: torch.Tensor | None = None):
        self.vocab_size, self.num_labels, self.max_length = vocab_size, num_labels, max_length
        self.label_domains = label_domains
        self.cfg, self.device, self.generator, self.log = cfg, device, generator, log
        self.step = 0


class _Trained(_Method):
    """A transformer trained with the shared loop (hsokv.training.train_classifier)."""

    def learn(self, ids, probes, labels, sources, phase):
        self.step, history = train_classifier(self.model, ids, probes, labels, sources, self.cfg.train, self.device,
                                              self.generator, self.step, phase, self.log,
                                              f"{self.name} phase {phase}", self.label_domains)
        return history


@METHODS.register("hsokv")
class HSOKV(_Trained):
    reads = ("model", "memory", "train")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = TransformerWithKV(self.vocab_size, self.num_labels, self.max_length, self.cfg.model,
                                       self.cfg.memory, self.device).to(self.device)

    def predict(self, ids):
        return predict_with_memory(self.model, ids, self.device)


@torch.no_grad()
def predict_with_memory(model: TransformerWithKV, ids: torch.Tensor, device: torch.device) -> Predictions:
    """H-SOKV's predictions, and what its classifier alone and its nearest memory entry say; also
    used on a model reloaded from its checkpoint (stages/evaluate.py)."""
    h = model.encoder(ids.to(device))
    _, top = model.memory.retrieve(h, 1)
    return Predictions(model.head(h).argmax(-1), model.classifier(h).argmax(-1), model.memory.labels[top[:, 0]])


@METHODS.register("finetune")
class FineTune(_Trained):
    reads = ("model", "train")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.model = BaselineTransformer(self.vocab_size, self.num_labels, self.max_length,
                                         self.cfg.model).to(self.device)

    @torch.no_grad()
    def predict(self, ids):
        return Predictions(self.model(ids.to(self.device)).argmax(-1))


class NoveltyPooledEmbedding(nn.Module):
    """Random embeddings pooled by H-SOKV's novelty prior alone: no transformer, no training."""

    def __init__(self, vocab_size: int, num_labels: int, dim: int, prior_weight: float):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, dim, padding_idx=0)
        self.pool = NoveltyPooling(dim, vocab_size, num_labels, prior_weight)
        nn.init.zeros_(self.pool.query)  # the prior alone decides where to look

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        return self.pool(self.emb(ids), ids)


class _MemoryOnly(_Method):
    """A frozen, untrained encoder whose outputs are written to a KeyValueMemory; no training."""

    def _setup(self, encoder: nn.Module, dim: int, similarity: str):
        self.encoder = encoder.to(self.device).eval().requires_grad_(False)
        m = self.cfg.memory
        self.memory = KeyValueMemory(dim, m.capacity, self.max_length, similarity, 1, 1.0, m.eviction, self.device)

    @torch.no_grad()
    def learn(self, ids, probes, labels, sources, phase):
        if hasattr(self.encoder, "pool"):
            self.encoder.pool.observe(ids, labels)
        bs = self.cfg.eval.batch_size
        for texts in (ids, probes):  # the same training examples every method sees
            for chunk in torch.arange(len(texts)).split(bs):
                x = texts[chunk].to(self.device)
                self.memory.write(self.encoder(x), labels[chunk], x, sources[chunk], self.step)
                self.step += 1
        return [{"phase": phase, "step": self.step, "memory_size": len(self.memory)}]

    @torch.no_grad()
    def predict(self, ids):
        _, top = self.memory.retrieve(self.encoder(ids.to(self.device)), 1)
        label = self.memory.labels[top[:, 0]]
        return Predictions(label, None, label)


@METHODS.register("kv_only")
class KVOnly(_MemoryOnly):
    reads = ("model", "memory.capacity", "memory.eviction", "memory.similarity")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._setup(Encoder(self.vocab_size, self.num_labels, self.max_length, self.cfg.model), self.cfg.model.d_model,
                    self.cfg.memory.similarity)


@METHODS.register("knn")
class NearestNeighbour(_MemoryOnly):
    reads = ("baselines", "memory.capacity", "memory.eviction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dim = self.cfg.baselines.knn_embedding_dim
        self._setup(MeanPooled(nn.Embedding(self.vocab_size, dim, padding_idx=0)), dim, "dot")


@METHODS.register("knn_novelty")
class NoveltyNearestNeighbour(_MemoryOnly):
    reads = ("baselines", "model.novelty_prior", "memory.capacity", "memory.eviction")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        dim = self.cfg.baselines.knn_embedding_dim
        self._setup(NoveltyPooledEmbedding(self.vocab_size, self.num_labels, dim, self.cfg.model.novelty_prior),
                    dim, "dot")
