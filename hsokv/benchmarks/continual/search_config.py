"""The params section of Split-CIFAR-10's search problem (`search_continual`, issue 21 (a)): which
continual method a trial trains, the swarm's shape, the searched dimensions and the peers' common
budget (hsokv.benchmarks.continual.search runs it). The stream itself (dataset, backbone, batch
sizes, augmentation, the per-class subsets, each method's default hyperparameters) is the
`continual` section's, so the search trains exactly what the continual stage trains.

Ranges (the DER paper's grid for seq-cifar10, Buzzega et al. 2020, was lr {0.01, 0.03, 0.1}, alpha
{0.1, 0.2, 0.5, 1.0}, beta {0.5, 1.0}; the CPU demo's small CNN on a 100-image-a-class subset,
trained for a few hundred steps, is far from their ResNet-18 at 50 epochs a task, so each range
reaches past that grid on both sides):
- learning_rate [0.003, 0.3], log: SGD's step (no momentum, as the protocol's methods), a decade
  either side of the published 0.03; above ~0.3 the small CNN diverges in the first task.
- alpha [0.01, 2], log: the weight of the MSE between replayed logits and the stored ones (DER++'s
  and H-SOKV's distillation term); a weight's effect is multiplicative, hence log; the published
  0.1-0.2 sit near the middle.
- beta [0.05, 2], log: the weight of cross-entropy on replayed labels (DER++'s second replay batch,
  H-SOKV's replay batch); the published 0.5 near the middle.
Batch size is not searched: a trial's position in the stream is counted in steps, and a larger
batch would reach further into a task with the same steps, so trials of equal steps would no longer
sit at the same point of the stream (what successive halving compares).
"""
from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import Field, field_validator, model_validator

from hsokv.config import distinct_non_negative_seeds, section
from hsokv.search.config import DimensionSpec, SearchProblemConfig

SEARCHABLE = ("learning_rate", "alpha", "beta")
# the searched name -> the method's own hyperparameter (continual.method_args[method])
METHOD_ARG = {"learning_rate": "lr", "alpha": "alpha", "beta": "beta"}


def _default_space() -> dict[str, DimensionSpec]:
    return {"learning_rate": DimensionSpec(low=3e-3, high=0.3, log=True),
            "alpha": DimensionSpec(low=0.01, high=2.0, log=True),
            "beta": DimensionSpec(low=0.05, high=2.0, log=True)}


@section("search_continual")
class ContinualSearchConfig(SearchProblemConfig):
    """The search problem of Split-CIFAR-10: the method searched, the swarm's shape and the peers' budget."""
    searchable: ClassVar[tuple[str, ...]] = SEARCHABLE
    # the continual methods with both a distillation (alpha) and a replay (beta) weight: DER++, and H-SOKV's
    # replay-batch design (its merged replay trains on the memory as ordinary examples: alpha 0 and beta 1)
    method: Literal["derpp", "hsokv_batch_replay"] = Field(
        "derpp", description="the continual method a trial trains; its defaults are continual.method_args[method]")
    buffer: int = Field(200, ge=1, le=1_000_000, description="memory entries of the method")
    space: dict[str, DimensionSpec] = Field(default_factory=_default_space, min_length=1)
    seeds: list[int] = Field([0, 1, 2, 3, 4], min_length=1,
                             description="training seeds (model init, batch order); the stream's split is fixed")
    finished_first: bool = Field(True, description="an unfinished trial (short of the stream's end) scores its "
                                                   "accuracy - 1, below every finished one; false = plain accuracy")
    agent_steps: int = Field(10, ge=1, le=1_000_000)
    meta_iterations: int = Field(3, ge=1, le=1000)
    trial_steps: int | None = Field(None, ge=1, description="random/grid steps per config and the stream's length; "
                                                            "null = a swarm team's longest lineage")
    grid_dims: list[str] = Field(["learning_rate", "alpha"], min_length=1)
    heatmap_dims: list[str] = Field(["learning_rate", "alpha"], min_length=2, max_length=2)
    train_per_class: int | None = Field(None, ge=1, description="null = continual.train_per_class")
    val_per_class: int | None = Field(None, ge=1, description="the validation split searched on; null = continual.val_per_class")
    test_per_class: int | None = Field(None, ge=1, description="null = continual.test_per_class")

    _seeds_are_distinct = field_validator("seeds")(distinct_non_negative_seeds)

    @model_validator(mode="after")
    def _known_names(self):
        return self._check_names("search_continual", ("space", "heatmap_dims", "grid_dims"))
