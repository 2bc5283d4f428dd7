"""The word benchmark's own params sections: `eval` (its evaluation batch), `ablation` (the
variants and the preset they borrow) and `synthetic` (the task variants, hsokv.benchmarks.words.tasks). The sections it shares (data, model, memory, train,
baselines) and the model search's `swarm` are core (hsokv.config)."""
from __future__ import annotations

from typing import Literal

from pydantic import Field

from hsokv.config import Section, section


@section("eval")
class EvalConfig(Section):
    batch_size: int = Field(256, ge=1, le=65536)


@section("ablation")
class AblationConfig(Section):
    variants: list[str] = Field(min_length=1, default_factory=lambda: ["full", "seed_prototype"])
    preset: str | None = Field(None, description="preset whose data/model/train the ablation uses; null = the active one")


TASKS = ("recognition", "recall", "comprehension", "cloze")


@section("synthetic")
class SyntheticConfig(Section):
    tasks: list[Literal[TASKS]] = Field(min_length=1, default_factory=lambda: list(TASKS),
                                        description="task variants every method is measured on")
    candidates: int = Field(4, ge=2, le=16, description="comprehension: definitions to choose from (1 right)")
