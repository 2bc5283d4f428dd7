"""The language-model benchmark's params section (`language_model`), registered with hsokv.config."""
from __future__ import annotations

from typing import Literal

from pydantic import Field, field_validator, model_validator

from hsokv.config import Section, distinct_non_negative_seeds, section


@section("language_model")
class LanguageModelConfig(Section):
    """A causal transformer LM (hsokv/benchmarks/lm, nanoGPT's GPT) on data.lm_corpus, beside a
    Kneser-Ney n-gram and kNN-LM (Khandelwal et al. 2020) over the same model:
    p = lambda * p_knn + (1 - lambda) * p_model, where p_knn spreads softmax(-distance / T) of the
    k nearest training contexts over the tokens that followed them. The n-gram order and kNN-LM's
    lambda, k and T are chosen on the validation split; the test split is scored once."""
    level: Literal["char", "word"] = Field("char", description="tokens: characters, or words/punctuation/newlines")
    train_fraction: float = Field(0.9, gt=0.0, lt=1.0, description="first share of the tokens; the rest is halved into val / test")
    seeds: list[int] | None = Field(None, min_length=1, description="null = the top-level seeds")
    threads: int = Field(2, ge=1, le=256, description="torch CPU threads, fixed so reruns repeat exactly")
    workers: int = Field(1, ge=1, le=64, description="processes training seeds side by side, `threads` threads each")
    # the model (nanoGPT's names)
    n_layer: int = Field(4, ge=1, le=48)
    n_head: int = Field(4, ge=1, le=64)
    n_embd: int = Field(128, ge=8, le=4096)
    block_size: int = Field(64, ge=2, le=4096, description="context length in tokens")
    dropout: float = Field(0.0, ge=0.0, lt=1.0)
    # training: AdamW, linear warmup then cosine decay to min_learning_rate
    max_iters: int = Field(2000, ge=1, le=10_000_000)
    batch_size: int = Field(12, ge=1, le=65_536, description="random windows of block_size tokens per step")
    learning_rate: float = Field(1e-3, gt=0.0, le=1.0)
    min_learning_rate: float = Field(1e-4, ge=0.0, le=1.0)
    warmup_iters: int = Field(100, ge=0)
    weight_decay: float = Field(0.1, ge=0.0, le=10.0)
    beta2: float = Field(0.99, gt=0.0, lt=1.0)
    grad_clip: float = Field(1.0, ge=0.0, description="0 = no clipping")
    eval_interval: int = Field(250, ge=1, description="steps between loss-curve points")
    eval_iters: int = Field(20, ge=1, description="random batches per loss-curve point (train and val)")
    keep_best_val: bool = Field(True, description="end with the weights of the loss-curve point with the lowest val "
                                                  "estimate, as nanoGPT keeps its best checkpoint")
    eval_batch_size: int = Field(64, ge=1, le=65_536, description="windows per batch when scoring a whole split")
    # baselines and memory
    ngram_orders: list[int] = Field([2, 3, 4, 5, 6, 7, 8], min_length=1, description="Kneser-Ney orders tried on val")
    knn_datastore: int = Field(50_000, ge=1, description="training positions in kNN-LM's datastore (seeded random windows)")
    knn_keys: list[Literal["final", "ffn_input"]] = Field(
        ["final", "ffn_input"], min_length=1,
        description="the states kNN-LM keys by, tried on val: final (the output layer's input) | ffn_input "
                    "(the last block's MLP input after its LayerNorm, Khandelwal et al.'s best)")
    knn_k: list[int] = Field([8, 32, 64, 256, 1024], min_length=1, description="neighbours per token, tried on val")
    knn_temperature: list[float] = Field([1.0, 3.0, 10.0, 30.0, 100.0], min_length=1, description="tried on val")
    knn_lambda: list[float] = Field([0.05, 0.1, 0.2, 0.3, 0.5], min_length=1, description="tried on val")

    @field_validator("seeds")
    @classmethod
    def _seeds_are_distinct(cls, seeds):
        return seeds if seeds is None else distinct_non_negative_seeds(seeds)

    @model_validator(mode="after")
    def _check(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"language_model.n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        if self.min_learning_rate > self.learning_rate:
            raise ValueError(f"language_model.min_learning_rate ({self.min_learning_rate}) must be <= learning_rate "
                             f"({self.learning_rate}): the cosine schedule decays from one to the other")
        if max(self.knn_k) > self.knn_datastore:
            raise ValueError(f"language_model.knn_k: {[k for k in self.knn_k if k > self.knn_datastore]} exceed "
                             f"knn_datastore ({self.knn_datastore}): no more neighbours than stored positions")
        checks = {"knn_lambda": (self.knn_lambda, lambda x: 0 < x < 1, "in (0, 1)"),
                  "knn_temperature": (self.knn_temperature, lambda x: x > 0, "> 0"),
                  "knn_k": (self.knn_k, lambda x: x >= 1, ">= 1"),
                  "ngram_orders": (self.ngram_orders, lambda x: x >= 1, ">= 1")}
        for key, (values, ok, rule) in checks.items():
            bad = [v for v in values if not ok(v)]
            if bad:
                raise ValueError(f"language_model.{key}: every value must be {rule} (got {bad})")
        return self
