"""The params section of few-shot SST-2's search problem (`search_sst2`, issue 21): the swarm's shape,
the searched dimensions and the peers' common budget (hsokv.benchmarks.glue.search runs it)."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from hsokv.config import distinct_non_negative_seeds, section
from hsokv.search.config import DimensionSpec, SearchProblemConfig

SEARCHABLE = ("learning_rate", "weight_decay", "batch_size", "memory_weight", "memory_temperature")
DEFAULTS = {"learning_rate": 1e-2, "weight_decay": 1e-2, "batch_size": 8, "memory_weight": 1.0,
            "memory_temperature": 0.2}   # glue.batch_size and glue.memory_temperature; lr/wd: AdamW's usual


def _default_space() -> dict[str, DimensionSpec]:
    return {"learning_rate": DimensionSpec(low=1e-4, high=1.0, log=True),
            "weight_decay": DimensionSpec(low=1e-5, high=1.0, log=True),
            "batch_size": DimensionSpec(choices=[2, 4, 8]),   # LM-BFF's batch grid
            "memory_weight": DimensionSpec(low=0.0, high=2.0),
            "memory_temperature": DimensionSpec(low=0.02, high=1.0, log=True)}


@section("search_sst2")
class Sst2SearchConfig(SearchProblemConfig):
    """The search problem of few-shot SST-2: the swarm's shape and the peers' common budget."""
    searchable: ClassVar[tuple[str, ...]] = SEARCHABLE
    space: dict[str, DimensionSpec] = Field(default_factory=_default_space, min_length=1)
    seeds: list[int] = Field([13, 21, 42, 87, 100], min_length=1, description="LM-BFF's samples; one search each")
    agent_steps: int = Field(20, ge=1, le=1_000_000)
    meta_iterations: int = Field(3, ge=1, le=1000)
    grid_dims: list[str] = Field(["learning_rate", "batch_size"], min_length=1)
    heatmap_dims: list[str] = Field(["learning_rate", "memory_weight"], min_length=2, max_length=2)

    _seeds_are_distinct = field_validator("seeds")(distinct_non_negative_seeds)

    @model_validator(mode="after")
    def _known_names(self):
        return self._check_names("search_sst2", ("space", "heatmap_dims", "grid_dims"))
