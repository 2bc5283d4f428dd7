"""The params section of the meaning-level word search (`search_meaning`, issue 21 problem (c)):
H-SOKV on frozen MiniLM sentence vectors, searched on cloze (hsokv.benchmarks.words.meaning_search).

The searchable names are those of H-SOKV's own settings that the MiniLM path uses: its train
section and its memory's retrieval. The from-scratch encoder's settings (novelty_prior, dropout,
d_model, num_layers) do nothing on this path (the encoder is replaced by attention over frozen
sentence vectors, hsokv.benchmarks.words.inputs.SentenceStories), so they are not searchable here.
Unsearched names, and the `default` strategy, take the active preset's train/memory values.
"""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from hsokv.config import distinct_non_negative_seeds, section
from hsokv.search.config import DimensionSpec, SearchProblemConfig

SEARCHABLE = ("optimizer", "learning_rate", "weight_decay", "batch_size", "top_k", "temperature")


def _default_space() -> dict[str, DimensionSpec]:
    return {"learning_rate": DimensionSpec(low=1e-4, high=3e-2, log=True),
            "weight_decay": DimensionSpec(low=1e-4, high=0.3, log=True),
            "batch_size": DimensionSpec(choices=[8, 16, 32, 64]),
            "top_k": DimensionSpec(choices=[1, 2, 4, 8]),
            # memory logits are similarity / temperature; the classifier's are cosines in [-1, 1]
            "temperature": DimensionSpec(low=0.1, high=10.0, log=True)}


@section("search_meaning")
class MeaningSearchConfig(SearchProblemConfig):
    """The meaning search problem: the swarm's shape and the peers' common budget."""
    searchable: ClassVar[tuple[str, ...]] = SEARCHABLE
    space: dict[str, DimensionSpec] = Field(default_factory=_default_space, min_length=1)
    seeds: list[int] = Field([0, 1, 2, 3, 4], min_length=1, description="word-split seeds; one search each")
    agent_steps: int = Field(10, ge=1, le=1_000_000)
    meta_iterations: int = Field(3, ge=1, le=1000)
    grid_dims: list[str] = Field(["learning_rate", "temperature"], min_length=1)
    heatmap_dims: list[str] = Field(["learning_rate", "temperature"], min_length=2, max_length=2)

    _seeds_are_distinct = field_validator("seeds")(distinct_non_negative_seeds)

    @model_validator(mode="after")
    def _known_names(self):
        return self._check_names("search_meaning", ("space", "heatmap_dims", "grid_dims"))
