"""Few-shot GLUE's params section (`glue`), registered with hsokv.config."""
from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, field_validator

from hsokv.config import Section, distinct_non_negative_seeds, name_field, section


@section("glue")
class GlueConfig(Section):
    """Few-shot GLUE as LM-BFF (Gao et al. 2021): k examples per class to train, k more as a dev set
    for model selection, one sample per seed; evaluation on the full original GLUE dev sets."""
    tasks: list[Literal["SST-2", "MNLI"]] = Field(["SST-2"], min_length=1)
    backbones: list[str] = name_field("hsokv.benchmarks.glue.backbones:BACKBONES", ["scratch", "minilm"], min_length=1)
    methods: list[str] = name_field("hsokv.benchmarks.glue.methods:METHODS",
                                    ["hsokv", "hsokv_proto", "hsokv_anchor", "finetune", "zero_shot", "logreg", "kv_only",
                                     "knn", "majority"], min_length=1)
    k: int = Field(16, ge=1, le=10_000, description="examples per class, for training and again for the dev set")
    seeds: list[int] = Field([13, 21, 42, 87, 100], min_length=1, description="LM-BFF's sampling seeds")
    k_shot_source: Literal["lm_bff", "sample"] = Field(
        "lm_bff", description="lm_bff = LM-BFF's published samples (k=16); sample = draw from GLUE train")
    max_length: int = Field(128, ge=8, le=512, description="tokens per example (pairs: both sentences)")
    epochs: int = Field(15, ge=1, le=10_000)
    batch_size: int = Field(8, ge=1, le=4096)
    pretrained_learning_rate: float = Field(3e-5, gt=0.0, le=1.0, description="a pretrained backbone's fine-tuning rate")
    # LM-BFF's grid is learning rate {1e-5, 2e-5, 5e-5} x batch {2, 4, 8} for 1,000 steps; every point is
    # trained and the best on the k-shot dev set is kept (hsokv and finetune alike).
    grid_learning_rates: list[Annotated[float, Field(gt=0.0, le=1.0)]] | None = Field(
        None, min_length=1, description="pretrained fine-tuning rates tried; null = [pretrained_learning_rate]")
    grid_batch_sizes: list[Annotated[int, Field(ge=1, le=4096)]] | None = Field(None, min_length=1, description="batch sizes tried; null = [batch_size]")
    steps: int | None = Field(None, ge=1, le=1_000_000,
                              description="optimiser steps per grid point (whole epochs, rounded up); null = epochs")
    label_init: bool = Field(True, description="a pretrained backbone's classifier starts at its vectors of label sentences")
    memory_temperature: float = Field(0.2, gt=0.0, description="memory logits are cosine similarity / this")
    eval_batch_size: int = Field(64, ge=1, le=65_536)
    max_eval_examples: int | None = Field(None, ge=1, description="evaluate on the first n dev examples; null = all")
    eval_sample_seed: int | None = Field(
        None, ge=0, description="with max_eval_examples: a random sample of n drawn with this seed instead of the first n")
    threads: int | None = Field(None, ge=1, le=1024,
                                description="torch CPU threads of each process; null = torch's default (every core)")
    workers: int = Field(1, ge=1, le=64, description="processes running work units side by side (protocol.work_units)")
    setfit_iterations: int = Field(20, ge=1, le=1000, description="SetFit's pair-generation iterations (its default)")
    _seeds_are_distinct = field_validator("seeds")(distinct_non_negative_seeds)
