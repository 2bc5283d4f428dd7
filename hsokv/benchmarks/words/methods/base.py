"""What the word benchmark's methods share: the registry, the Predictions they return, and the
two kinds of neural method: trained with the shared loop (_Trained) or writing a frozen encoder's
vectors to memory (_MemoryOnly). `backbones` says what a method can read stories as
(hsokv.benchmarks.words.inputs): "scratch" token ids, "pretrained" sentence vectors, "text"."""
from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn as nn

from hsokv.benchmarks.words.inputs import CosineClassifier, SentenceStories
from hsokv.benchmarks.words.training import train_classifier
from hsokv.config import PipelineConfig
from hsokv.episodic import EpisodicMemory
from hsokv.model import TransformerWithKV
from hsokv.registry import Registry
from hsokv.retrieval import Retrieval
from hsokv.training import StepLogger

METHODS = Registry("method")


@dataclass
class Predictions:
    pred: torch.Tensor
    pred_without_memory: torch.Tensor | None = None  # only where a non-memory path exists
    top1_label: torch.Tensor | None = None           # label of the nearest memory entry
    scores: torch.Tensor | None = None               # [batch, num_labels]: what comprehension compares


class _Method:
    name = ""
    reads: tuple[str, ...] = ()  # params it reads beyond the protocol's (stages/synthetic.py READS)
    backbones: tuple[str, ...] = ("scratch",)

    def __init__(self, vocab_size: int, num_labels: int, max_length: int, cfg: PipelineConfig,
                 device: torch.device, generator: torch.Generator, log: StepLogger | None = None,
                 label_domains: torch.Tensor | None = None, inputs=None):
        self.vocab_size, self.num_labels, self.max_length = vocab_size, num_labels, max_length
        self.inputs = inputs
        self.label_domains = label_domains
        self.cfg, self.device, self.generator, self.log = cfg, device, generator, log
        self.step = 0


class _Trained(_Method):
    """A transformer trained with the shared loop (hsokv.benchmarks.words.training.train_classifier);
    on a pretrained backbone, the frozen sentence vectors pooled by a trained SentenceStories in
    its encoder's place (and, beside memory, a CosineClassifier in its classifier's)."""
    backbones = ("scratch", "pretrained")

    def _model_config(self):
        """The model section, with the pretrained vectors' width where the encoder is replaced."""
        if self.inputs is None or not self.inputs.pretrained:
            return self.cfg.model
        return self.cfg.model.model_copy(update={"d_model": self.inputs.dim, "num_heads": 1, "num_layers": 1,
                                                 "ff_dim": 8})

    def _replace_encoder(self, cosine_classifier: bool = False):
        """cosine_classifier: for a classifier beside memory (CosineClassifier says why); alone,
        the linear one trains far better (cosine logits in [-1, 1] leave fine-tuning at 0.29
        recognition one-shot on the held-out list's demo, 0.88 with the linear one on the main list)."""
        if self.inputs is not None and self.inputs.pretrained:
            self.model.encoder = SentenceStories(self.inputs.table).to(self.device)
            if cosine_classifier:
                self.model.classifier = CosineClassifier(self.inputs.dim, self.num_labels).to(self.device)

    def learn(self, ids, probes, labels, sources, phase):
        self.step, history = train_classifier(self.model, ids, probes, labels, sources, self.cfg.train, self.device,
                                              self.generator, self.step, phase, self.log,
                                              f"{self.name} phase {phase}", self.label_domains)
        return history


@torch.no_grad()
def predict_with_memory(model: TransformerWithKV, ids: torch.Tensor, device: torch.device) -> Predictions:
    """H-SOKV's predictions, and what its classifier alone and its nearest memory entry say; also
    used on a model reloaded from its checkpoint (stages/evaluate.py)."""
    h = model.encoder(ids.to(device))
    nearest = model.retrieval.nearest_label(model.memory, h)
    logits = model.head(h)
    return Predictions(logits.argmax(-1), model.classifier(h).argmax(-1), nearest, logits)


class _MemoryOnly(_Method):
    """A frozen, untrained encoder whose outputs are written to memory with their labels; no training."""

    def _setup(self, encoder: nn.Module, dim: int, similarity: str):
        self.encoder = encoder.to(self.device).eval().requires_grad_(False)
        m = self.cfg.memory
        self.memory = EpisodicMemory(m.capacity, {"label": ((), torch.long)}, dim, m.eviction).to(self.device)
        self.retrieval = Retrieval(similarity)

    @torch.no_grad()
    def learn(self, ids, probes, labels, sources, phase):
        if hasattr(self.encoder, "pool"):
            self.encoder.pool.observe(ids, labels)
        bs = self.cfg.eval.batch_size
        for texts in (ids, probes):  # the same training examples every method sees
            for chunk in torch.arange(len(texts)).split(bs):
                x = texts[chunk].to(self.device)
                self.memory.add(self.encoder(x), self.step, label=labels[chunk])
                self.step += 1
        return [{"phase": phase, "step": self.step, "memory_size": len(self.memory)}]

    @torch.no_grad()
    def predict(self, ids):
        h = self.encoder(ids.to(self.device))
        label = self.retrieval.nearest_label(self.memory, h)
        return Predictions(label, None, label, self.retrieval.label_logits(self.memory, h, self.num_labels)[0])
