"""scratch: H-SOKV's own transformer (hsokv.model.Encoder) at the active preset's size, random
init, with a word-level tokenizer fitted on the k-shot training text only."""
from __future__ import annotations

import torch
import torch.nn as nn

from hsokv.benchmarks.glue.backbones.base import BACKBONES, SEP
from hsokv.benchmarks.glue.data import Example
from hsokv.config import PipelineConfig
from hsokv.model import Encoder, MeanPooled
from hsokv.tokenizer import fit_tokenizer


@BACKBONES.register("scratch")
class ScratchBackbone:
    pretrained = False

    def __init__(self, train: list[Example], num_labels: int, max_length: int, cfg: PipelineConfig):
        self.tokenizer = fit_tokenizer([t for e in train for t in (e.text_a, e.text_b) if t])
        self.tokenizer.add_special_tokens([SEP])
        self.num_labels, self.max_length, self.cfg = num_labels, max_length, cfg
        self.dim = cfg.model.d_model

    def tokenize(self, examples: list[Example]) -> list[list[int]]:
        texts = [e.text_a if e.text_b is None else f"{e.text_a} {SEP} {e.text_b}" for e in examples]
        return [enc.ids[: self.max_length] for enc in self.tokenizer.encode_batch(texts)]

    def encoder(self, train_ids: torch.Tensor, train_labels: torch.Tensor) -> nn.Module:
        enc = Encoder(self.tokenizer.get_vocab_size(), self.num_labels, self.max_length, self.cfg.model)
        enc.pool.observe(train_ids, train_labels)  # the novelty prior counts training text only
        return enc

    def bag_of_words(self) -> nn.Module:
        return MeanPooled(nn.Embedding(self.tokenizer.get_vocab_size(), self.cfg.baselines.knn_embedding_dim,
                                       padding_idx=0))
