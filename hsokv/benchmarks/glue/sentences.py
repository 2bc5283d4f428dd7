"""A pretrained backbone of the registry (minilm, ...), frozen, as a plain sentence encoder for
other benchmarks: the word benchmark's meaning search reads its vectors through it (stages wrap it
in hsokv.benchmarks.words.inputs.SentenceEncoder; no benchmark imports another)."""
from __future__ import annotations

from typing import Callable

import torch

from hsokv.benchmarks.glue.backbones import make_backbone
from hsokv.benchmarks.glue.frozen import FrozenEncoder
from hsokv.training import pick_device

# the params frozen_sentences reads: a stage that calls it lists these in its READS
READS = ("device", "data.max_length", "eval.batch_size")


def frozen_sentences(name: str, cfg) -> tuple[int, Callable[[list[str]], torch.Tensor]]:
    """(vector width, sentences -> [n, width] on the CPU) of backbone `name`'s frozen encoder."""
    backbone = make_backbone(name, [], 0, cfg.data.max_length, cfg)
    frozen = FrozenEncoder(backbone, "encoder", lambda: backbone.encoder(None, None), cfg.eval.batch_size,
                           pick_device(cfg.device))
    return backbone.dim, frozen.sentences
