"""The language-model task: next-token prediction with H-SOKV's encoder, and its KV memory as kNN-LM.

Data flows: corpus lines -> word-level tokens (tokenizer fitted on the training lines, [EOS]
after each line) -> one stream per split -> windows of context_length + 1 tokens. The encoder runs
causally (hsokv.model.Encoder.token_states); a linear layer maps each state to next-token logits.

The memory (Khandelwal et al. 2020, kNN-LM): after training, every training position's state is
written to a KeyValueMemory as key, with the token that followed it as label. At evaluation the
knn_k nearest keys of each state vote for their next tokens with softmax(similarity / T), and

    p(y) = lambda * p_knn(y) + (1 - lambda) * p_model(y).

Perplexity is reported with and without that memory for the same trained model, so the
difference is the memory's alone.
"""
from __future__ import annotations

import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F
from tokenizers import Tokenizer

from hsokv.config import LanguageModelConfig, ModelConfig, TrainConfig
from hsokv.data.tokenizer import fit_tokenizer
from hsokv.memory import KeyValueMemory
from hsokv.model import Encoder
from hsokv.training import make_optimizer

EOS = "[EOS]"


def fit_lm_tokenizer(train_lines: list[str]) -> Tokenizer:
    tok = fit_tokenizer(train_lines)
    tok.add_special_tokens([EOS])
    return tok


def token_stream(tok: Tokenizer, lines: list[str]) -> torch.Tensor:
    eos = tok.token_to_id(EOS)
    return torch.tensor([i for enc in tok.encode_batch(lines) for i in [*enc.ids, eos]], dtype=torch.long)


def windows(stream: torch.Tensor, context_length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """(inputs, targets), each [n, context_length]: non-overlapping windows over the stream, the
    last one padded with 0 ([PAD]), whose targets are then ignored (-100)."""
    n = -(-(len(stream) - 1) // context_length)
    inputs = torch.zeros(n * context_length, dtype=torch.long)
    targets = torch.full((n * context_length,), -100, dtype=torch.long)
    inputs[:len(stream) - 1] = stream[:-1]
    targets[:len(stream) - 1] = stream[1:]
    return inputs.view(n, context_length), targets.view(n, context_length)


class TransformerLM(nn.Module):
    def __init__(self, vocab_size: int, context_length: int, cfg: ModelConfig):
        super().__init__()
        self.encoder = Encoder(vocab_size, 1, context_length, cfg)
        self.encoder.pool = None  # a language model reads every position; nothing is pooled
        # Not tied to the input embedding: that one starts at N(0, 1), which against layer-normed
        # states gives logits of std ~sqrt(d_model) and a first loss near 25 nats.
        self.out = nn.Linear(cfg.d_model, vocab_size)

    def states(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.encoder.token_states(input_ids, causal=True)[0]

    def logits(self, states: torch.Tensor) -> torch.Tensor:
        return self.out(states)

    def forward(self, input_ids: torch.Tensor) -> torch.Tensor:
        return self.logits(self.states(input_ids))


def train_lm(model: TransformerLM, inputs: torch.Tensor, targets: torch.Tensor, cfg: LanguageModelConfig,
             train_cfg: TrainConfig, device: torch.device, generator: torch.Generator) -> list[dict]:
    """Epochs of shuffled windows; returns the mean training loss of each epoch."""
    opt = make_optimizer(model, train_cfg.model_copy(update={"learning_rate": cfg.learning_rate}))
    history = []
    for epoch in range(cfg.epochs):
        model.train()
        total, tokens = 0.0, 0
        for idx in torch.randperm(len(inputs), generator=generator).split(cfg.batch_size):
            x, y = inputs[idx].to(device), targets[idx].to(device)
            loss = F.cross_entropy(model(x).flatten(0, 1), y.flatten(), ignore_index=-100)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), train_cfg.grad_clip)
            opt.step()
            n = int((y != -100).sum())
            total, tokens = total + loss.item() * n, tokens + n
        history.append({"epoch": epoch + 1, "train_loss": total / tokens})
    model.eval()
    return history


@torch.no_grad()
def build_datastore(model: TransformerLM, inputs: torch.Tensor, targets: torch.Tensor, batch_size: int,
                    device: torch.device) -> KeyValueMemory:
    """Every training position's state as key, the token after it as label."""
    keep = targets.flatten() != -100
    memory = KeyValueMemory(model.encoder.token_emb.embedding_dim, int(keep.sum()), 1, "dot", device=device)
    offset = 0
    for i in range(0, len(inputs), batch_size):
        h = model.states(inputs[i:i + batch_size].to(device)).flatten(0, 1)
        y = targets[i:i + batch_size].flatten().to(device)
        h, y = h[y != -100], y[y != -100]
        slots = torch.arange(offset, offset + len(y), device=device)
        memory.write(h, y, torch.zeros(len(y), 1, dtype=torch.long), slots, 0)
        offset += len(y)
    return memory


def knn_log_probs(memory: KeyValueMemory, states: torch.Tensor, vocab_size: int, k: int, temperature: float,
                  chunk: int = 1024) -> torch.Tensor:
    """log p_knn [n, vocab] (-inf where no neighbour voted), queried in chunks to bound memory use."""
    out = []
    for q in states.split(chunk):
        sims, slots = memory.retrieve(q, k)
        weights = torch.softmax(sims / temperature, dim=-1)
        p = torch.zeros(len(q), vocab_size, device=q.device).scatter_add_(1, memory.labels[slots], weights)
        out.append(p.log())
    return torch.cat(out)


def interpolate(log_p_model: torch.Tensor, log_p_knn: torch.Tensor, knn_lambda: float) -> torch.Tensor:
    """log(lambda * p_knn + (1 - lambda) * p_model), exact at lambda 0 and 1."""
    if knn_lambda == 0:
        return log_p_model
    if knn_lambda == 1:
        return log_p_knn
    return torch.logaddexp(log_p_model + math.log1p(-knn_lambda), log_p_knn + math.log(knn_lambda))


@torch.no_grad()
def evaluate_lm(model: TransformerLM, inputs: torch.Tensor, targets: torch.Tensor, cfg: LanguageModelConfig,
                device: torch.device, memory: KeyValueMemory | None = None) -> dict:
    """Perplexity over every real target token; with `memory`, interpolated kNN-LM style."""
    model.eval()
    nll, tokens = 0.0, 0
    if device.type == "cuda":
        torch.cuda.synchronize()
    start = time.perf_counter()
    for i in range(0, len(inputs), cfg.eval_batch_size):
        y = targets[i:i + cfg.eval_batch_size].flatten().to(device)
        h = model.states(inputs[i:i + cfg.eval_batch_size].to(device)).flatten(0, 1)[y != -100]
        y = y[y != -100]
        log_p = F.log_softmax(model.logits(h), dim=-1)
        if memory is not None:
            log_p = interpolate(log_p, knn_log_probs(memory, h, log_p.shape[-1], cfg.knn_k, cfg.knn_temperature),
                                cfg.knn_lambda)
        nll -= float(log_p.gather(1, y.unsqueeze(1)).sum())
        tokens += len(y)
    if device.type == "cuda":
        torch.cuda.synchronize()
    seconds = time.perf_counter() - start
    return {"perplexity": math.exp(nll / tokens), "tokens": tokens, "tokens_per_second": tokens / seconds}
