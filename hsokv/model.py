"""H-SOKV's models: a small transformer encoder, with and without key-value memory.

Data flows: token ids -> embeddings + positions -> transformer encoder -> novelty pooling
(attention from a learned query plus a novelty prior, so the story's vector centres on its novel
word instead of averaging it with filler) -> one vector h per story.

BaselineTransformer predicts classifier(h). TransformerWithKV predicts
    logits = classifier(h) + retrieval.label_logits(memory, h)
The memory term is a fixed function of retrieved similarities with no learned weight in front of
it, so training cannot learn to ignore memory (the seed prototype's sigmoid gate learned exactly
that). Keys and queries are the same vector h, so a word written once is retrievable at once.
The memory (hsokv.episodic) is a submodule holding each entry's key, label, source id and token
ids (so keys can be re-encoded); hooks given to the model add the values they need.
"""
from __future__ import annotations

from pathlib import Path

import torch
import torch.nn as nn
from tokenizers import Tokenizer

from hsokv.checkpoint import load_checkpoint, save_checkpoint
from hsokv.config import MemoryConfig, ModelConfig
from hsokv.episodic import EpisodicMemory
from hsokv.errors import CheckpointError
from hsokv.retrieval import Retrieval


class NoveltyPooling(nn.Module):
    """Attention pooling whose score is a learned match plus a novelty prior.

    score_t = x_t . q / sqrt(d) + w * novelty(token_t), with
    novelty = log((1 + labels seen) / (1 + labels this token was seen with)) + 1,
    an inverse document frequency counted over labels instead of stories (`observe`). A word's
    own token has been seen with one label however often it was seen, while template and filler
    words are shared by many labels; the prior points attention at the word from the first step,
    which a from-scratch encoder cannot learn from a few hundred stories. Tokens no training
    story has shown, [PAD] and [UNK] get no novelty. `prior_weight` 0 switches the prior off: the
    prior hard-codes token lookup (a token seen with one label points at it), the ablation
    `no_novelty_prior` measures what is left without it.
    """

    def __init__(self, d_model: int, vocab_size: int, num_labels: int, prior_weight: float = 1.0):
        super().__init__()
        self.query = nn.Parameter(torch.randn(d_model) / d_model**0.5)
        if prior_weight > 0:
            self.prior_weight = nn.Parameter(torch.tensor(float(prior_weight)))
        else:  # switched off: a fixed 0 (as a parameter, training would switch it back on)
            self.register_buffer("prior_weight", torch.tensor(0.0))
        self.register_buffer("token_label_seen", torch.zeros(vocab_size, num_labels, dtype=torch.bool))

    @torch.no_grad()
    def observe(self, input_ids: torch.Tensor, labels: torch.Tensor) -> None:
        ids = input_ids.to(self.token_label_seen.device)
        self.token_label_seen[ids, labels.to(ids.device).unsqueeze(1).expand_as(ids)] = True

    def novelty(self) -> torch.Tensor:
        label_freq = self.token_label_seen.sum(1).float()
        labels_seen = self.token_label_seen.any(0).sum().float()
        novelty = (torch.log((1 + labels_seen) / (1 + label_freq)) + 1.0).masked_fill(label_freq == 0, 0.0)
        novelty[:2] = 0.0  # [PAD], [UNK]
        return novelty

    def forward(self, x: torch.Tensor, input_ids: torch.Tensor) -> torch.Tensor:
        scores = x @ self.query / x.shape[-1] ** 0.5 + self.prior_weight * self.novelty()[input_ids]
        scores = scores.masked_fill(input_ids == 0, float("-inf"))
        return (torch.softmax(scores, dim=-1).unsqueeze(-1) * x).sum(dim=1)


class Encoder(nn.Module):
    def __init__(self, vocab_size: int, num_labels: int, max_length: int, cfg: ModelConfig):
        super().__init__()
        self.token_emb = nn.Embedding(vocab_size, cfg.d_model, padding_idx=0)
        self.pos_emb = nn.Embedding(max_length, cfg.d_model)
        layer = nn.TransformerEncoderLayer(cfg.d_model, cfg.num_heads, cfg.ff_dim, cfg.dropout,
                                           batch_first=True, norm_first=True)
        # enable_nested_tensor=False: the nested fast path changes results between train and eval.
        self.layers = nn.TransformerEncoder(layer, cfg.num_layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(cfg.d_model)
        self.pool = NoveltyPooling(cfg.d_model, vocab_size, num_labels, cfg.novelty_prior)

    def token_states(self, input_ids: torch.Tensor, causal: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """(contextual states, token embeddings), each [batch, length, d_model]. causal=True lets
        each position see only itself and earlier ones (the language model); padding must then
        come last, where no real position can see it, so no padding mask is needed."""
        pos = torch.arange(input_ids.shape[1], device=input_ids.device)
        tokens = self.token_emb(input_ids)
        if causal:
            mask = nn.Transformer.generate_square_subsequent_mask(input_ids.shape[1], device=input_ids.device)
            x = self.layers(tokens + self.pos_emb(pos), mask=mask, is_causal=True)
        else:
            x = self.layers(tokens + self.pos_emb(pos), src_key_padding_mask=input_ids == 0)
        return self.norm(x), tokens

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        x, tokens = self.token_states(input_ids)
        # The token's own embedding rides along with its context: recalling a word needs its
        # identity intact, and attention layers blur it with the neighbours'.
        return self.pool(x + tokens, input_ids)


class MeanPooled(nn.Module):
    """Mean of token embeddings over non-padding positions: the bag-of-words nearest-neighbour key
    (the synthetic B3 baseline and GLUE's knn)."""

    def __init__(self, embedding: nn.Embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        mask = (ids != 0).unsqueeze(-1).float()
        return (self.embedding(ids) * mask).sum(1) / mask.sum(1).clamp_min(1.0)


class BaselineTransformer(nn.Module):
    def __init__(self, vocab_size: int, num_labels: int, max_length: int, cfg: ModelConfig):
        super().__init__()
        self.num_labels, self.max_length, self.model_cfg = num_labels, max_length, cfg
        self.encoder = Encoder(vocab_size, num_labels, max_length, cfg)
        self.classifier = nn.Linear(cfg.d_model, num_labels)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.encoder(input_ids))


class TransformerWithKV(BaselineTransformer):
    def __init__(self, vocab_size: int, num_labels: int, max_length: int, cfg: ModelConfig,
                 memory_cfg: MemoryConfig, hooks=()):
        super().__init__(vocab_size, num_labels, max_length, cfg)
        self.memory_cfg = memory_cfg
        values = {"tokens": ((max_length,), torch.long), "label": ((), torch.long), "source": ((), torch.long)}
        self.memory = EpisodicMemory(memory_cfg.capacity, values, cfg.d_model, memory_cfg.eviction, hooks)
        self.retrieval = Retrieval(memory_cfg.similarity, memory_cfg.top_k, memory_cfg.temperature,
                                   memory_cfg.aggregation)
        if memory_cfg.fusion == "gate":
            # The seed prototype's fusion, kept as a switch: a learned gate between h and the
            # retrieved vector, which training is free to close.
            self.gate = nn.Linear(2 * cfg.d_model, cfg.d_model)

    def head(self, h: torch.Tensor, exclude_sources: torch.Tensor | None = None,
             memory_rows: torch.Tensor | None = None) -> torch.Tensor:
        """Logits from pooled vectors; memory_rows (bool [batch]) limits which rows may use memory."""
        if self.memory_cfg.fusion == "gate":
            retrieved, found = self.retrieval.read(self.memory, h, exclude_sources)
            use = found if memory_rows is None else found & memory_rows
            g = torch.sigmoid(self.gate(torch.cat([h, retrieved], dim=-1)))
            return self.classifier(torch.where(use.unsqueeze(1), g * h + (1 - g) * retrieved, h))
        mem_logits, _ = self.retrieval.label_logits(self.memory, h, self.num_labels, exclude_sources)
        if memory_rows is not None:
            mem_logits = mem_logits * memory_rows.unsqueeze(1)
        return self.classifier(h) + mem_logits

    def forward(self, input_ids: torch.Tensor, exclude_sources: torch.Tensor | None = None,
                use_memory: bool = True) -> tuple[torch.Tensor, torch.Tensor]:
        """Returns (logits, h). exclude_sources hides each example's own entry while training."""
        h = self.encoder(input_ids)
        return (self.head(h, exclude_sources) if use_memory else self.classifier(h)), h

    def save_pretrained(self, directory, tokenizer, extra: dict | None = None) -> Path:
        """config.json, model.safetensors, kv_memory.safetensors(+.json), tokenizer.json (hsokv.checkpoint)."""
        config = {"vocab_size": self.encoder.token_emb.num_embeddings, "num_labels": self.num_labels,
                  "max_length": self.max_length, "model": self.model_cfg.model_dump(mode="json"),
                  "memory": self.memory_cfg.model_dump(mode="json"), **(extra or {})}
        weights = {k: v for k, v in self.state_dict().items() if not k.startswith("memory.")}
        return save_checkpoint(directory, config, weights, self.memory, tokenizer)

    @classmethod
    def from_pretrained(cls, directory, device: str | torch.device = "cpu") -> "TransformerWithKV":
        """The model a save_pretrained directory holds, in eval mode; never runs pickled code.
        load_pretrained also returns its tokenizer and config."""
        return load_pretrained(directory, device)[0]


def load_pretrained(directory, device: str | torch.device = "cpu") -> tuple[TransformerWithKV, Tokenizer, dict]:
    """(model, tokenizer, config) from a directory written by TransformerWithKV.save_pretrained."""
    config, weights, memory, tokenizer = load_checkpoint(directory, device)
    model = TransformerWithKV(config["vocab_size"], config["num_labels"], config["max_length"],
                              ModelConfig(**config["model"]), MemoryConfig(**config["memory"]))
    model.memory = memory  # the saved one: it holds whatever values its training hooks declared
    try:
        model.load_state_dict({**weights, **{f"memory.{k}": v for k, v in memory.state_dict().items()}})
    except RuntimeError as err:
        raise CheckpointError(f"{Path(directory) / 'model.safetensors'}: weights do not fit config.json ({err})"
                              ) from None
    return model.to(device).eval(), tokenizer, config
