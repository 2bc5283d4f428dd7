"""What every sentence encoder under few-shot GLUE provides, and their registry.

A backbone turns examples into token ids (0 = padding) and builds fresh modules that map ids to
one vector per example: `tokenize(examples)`, `dim`, `pretrained`, `encoder(train_ids,
train_labels)` and `bag_of_words()` (the knn baseline's mean-pooled input embeddings);
`make_backbone` sets `name`. Pairs are one sequence, first [SEP] second (mpnet: its own pair template).
"""
from __future__ import annotations

from hsokv.benchmarks.glue.data import Example
from hsokv.config import PipelineConfig
from hsokv.registry import Registry

BACKBONES = Registry("backbone")
SEP = "[SEP]"


def make_backbone(name: str, train: list[Example], num_labels: int, max_length: int, cfg: PipelineConfig):
    backbone = BACKBONES.get(name)(train, num_labels, max_length, cfg)
    backbone.name = name  # keys the frozen-vector cache (hsokv.benchmarks.glue.frozen)
    return backbone
