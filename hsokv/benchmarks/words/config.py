"""The word benchmark's own params sections: `eval` (its evaluation batch) and `ablation` (the
variants and the preset they borrow). The sections it shares (data, model, memory, train,
baselines) and the model search's `swarm` are core (hsokv.config)."""
from __future__ import annotations

from pydantic import Field

from hsokv.config import Section, section


@section("eval")
class EvalConfig(Section):
    batch_size: int = Field(256, ge=1, le=65536)


@section("ablation")
class AblationConfig(Section):
    variants: list[str] = Field(min_length=1, default_factory=lambda: ["full", "seed_prototype"])
    preset: str | None = Field(None, description="preset whose data/model/train the ablation uses; null = the active one")
