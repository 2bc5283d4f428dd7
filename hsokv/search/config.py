"""The model search's params section (`swarm`) and the shape every hierarchical swarm shares
(SwarmShape: the CartPole policy swarm has one too), with the searched dimensions."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, field_validator, model_validator

from hsokv.sections import Section, name_field, section

class DimensionSpec(Section):
    """One searched hyperparameter: `choices`, or a numeric range [low, high] (log-scaled if `log`)."""
    choices: list[str | int | float] | None = Field(None, min_length=1)
    low: float | None = None
    high: float | None = None
    log: bool = False
    integer: bool = False

    @model_validator(mode="after")
    def _shape(self):
        if self.choices is not None:
            if self.low is not None or self.high is not None:
                raise ValueError("give either choices or low/high, not both")
            return self
        if self.low is None or self.high is None or not self.low < self.high:
            raise ValueError(f"needs choices, or low < high (got low={self.low}, high={self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"a log-scaled range needs low > 0 (got {self.low})")
        return self


# Which config key each searchable name sets (section, key).
SEARCHABLE: dict[str, tuple[str, str]] = {
    "optimizer": ("train", "optimizer"), "learning_rate": ("train", "learning_rate"),
    "weight_decay": ("train", "weight_decay"), "batch_size": ("train", "batch_size"),
    "dropout": ("model", "dropout"), "novelty_prior": ("model", "novelty_prior"),
    "d_model": ("model", "d_model"), "num_layers": ("model", "num_layers"),
    "top_k": ("memory", "top_k"), "temperature": ("memory", "temperature"),
    "write_policy": ("memory", "write_policy"), "surprise_loss_threshold": ("memory", "surprise_loss_threshold"),
}


def _default_space() -> dict[str, DimensionSpec]:
    return {"optimizer": DimensionSpec(choices=["sgd", "adam", "adamw", "rmsprop"]),
            "learning_rate": DimensionSpec(low=1e-4, high=1e-2, log=True),
            "weight_decay": DimensionSpec(low=0.0, high=0.1),
            "dropout": DimensionSpec(low=0.0, high=0.3)}


class SwarmShape(Section):
    """What the hierarchical swarm (hsokv.search.swarm) reads: its space, its size and its rules.
    SwarmConfig (the model search) and PolicySwarmConfig (the CartPole policies) add their own keys."""
    searchable: ClassVar[tuple[str, ...]] = ()  # the names a subclass's space may hold
    space: dict[str, DimensionSpec] = Field(min_length=1)
    num_managers: int = Field(2, ge=1, le=64)
    agents_per_manager: int = Field(2, ge=1, le=64)
    meta_iterations: int = Field(4, ge=1, le=1000)
    agent_steps: int = Field(10, ge=1, le=1_000_000, description="training steps of successive halving's first rung")
    eta: int = Field(3, ge=2, le=10, description="each rung keeps 1/eta of the configs and trains them eta times longer")
    rungs: int = Field(2, ge=1, le=6)
    configs_per_region: int = Field(3, ge=1, le=64, description="configs an agent tries in its region each iteration")
    region_width: float = Field(0.5, gt=0.0, le=1.0, description="side of an agent's region, in normalised units")
    local_move_scale: float = Field(0.1, gt=0.0, le=1.0, description="std of local moves around a team's best config")
    min_distance: float = Field(0.05, ge=0.0, le=1.0, description="a manager never revisits a config this close to one explored")
    plateau_patience: int = Field(2, ge=1, description="iterations without improvement before an agent is reassigned")
    plateau_tolerance: float = Field(0.005, ge=0.0)
    overlap_threshold: float = Field(0.5, gt=0.0, le=1.0, description="shared share of two regions that counts as overlap")
    clone: bool = Field(True, description="the weakest team copies the strongest team's weights and config, then perturbs it")
    clone_perturb: float = Field(0.1, ge=0.0, le=1.0)
    heatmap_dims: list[str] = Field(["learning_rate", "dropout"], min_length=2, max_length=2)
    heatmap_bins: int = Field(8, ge=2, le=100)

    def _check_names(self, section: str, fields: tuple[str, ...]):
        for where in fields:
            names = list(getattr(self, where))
            bad = [n for n in names if n not in self.searchable]
            if bad:
                raise ValueError(f"{section}.{where}: unknown hyperparameter(s) {bad}; searchable: {sorted(self.searchable)}")
            missing = [n for n in names if n not in self.space]
            if where != "space" and missing:
                raise ValueError(f"{section}.{where} names {missing}, which {section}.space does not search")
        return self


class SearchProblemConfig(SwarmShape):
    """What the benchmarks' search problems (search_continual, search_sst2, search_meaning; hsokv.search_runs)
    share beside the swarm's shape: the strategies compared, the null control, the peers' budget, where
    trials run and how many seeds are searched at once."""
    strategies: list[str] = name_field("hsokv.search.strategies:STRATEGIES",
                                       ["swarm", "random", "grid", "optuna_tpe", "asha", "pbt", "default"],
                                       min_length=1)
    null_control: bool = Field(True, description="also run each strategy with every config set to the default")
    trial_steps: int | None = Field(None, ge=1, description="random/grid steps per config; null = a swarm team's longest lineage")
    backend: str = name_field("hsokv.search.backends:BACKENDS", "serial")
    workers: int = Field(1, ge=1, le=1024)
    max_retries: int = Field(2, ge=0, le=100)
    ray_address: str | None = None
    seed_workers: int = Field(1, ge=1, le=64, description="searches side by side (a seed's real run and its null control "
                                                          "are one each), each in a spawned process with its own backend "
                                                          "(serial or ray); the same figures as one at a time")

    @model_validator(mode="after")
    def _seed_workers_fit_the_backend(self):
        # a seed's process is a pool worker, which may not start a pool of its own
        if self.seed_workers > 1 and self.backend == "multiprocessing":
            raise ValueError(f"seed_workers: {self.seed_workers} needs backend serial or ray (got multiprocessing: "
                             "a seed's process cannot start a process pool); set seed_workers: 1 or another backend")
        return self


@section("swarm")
class SwarmConfig(SwarmShape):
    """The search of H-SOKV's model/train/memory settings (hsokv.search.strategies): the swarm's
    shape, the baselines' budget, where trials run."""
    searchable: ClassVar[tuple[str, ...]] = tuple(SEARCHABLE)
    space: dict[str, DimensionSpec] = Field(default_factory=_default_space, min_length=1)
    strategies: list[str] = name_field("hsokv.search.strategies:STRATEGIES", ["swarm", "random", "grid", "default"],
                                       min_length=1)
    preset: str | None = Field(None, description="preset whose model/train the search starts from; null = the active one")
    trial_steps: int | None = Field(None, ge=1, description="random/grid search steps per config; null = a swarm team's longest lineage")
    grid_dims: list[str] = Field(["optimizer", "learning_rate"], min_length=1)
    backend: str = name_field("hsokv.search.backends:BACKENDS", "multiprocessing")
    workers: int = Field(2, ge=1, le=1024)
    ray_address: str | None = Field(None, description="join this Ray cluster; null = start a local Ray")
    max_retries: int = Field(2, ge=0, le=100, description="times a failed agent task is resubmitted")
    timing_backends: list[str] = name_field("hsokv.search.backends:BACKENDS", ["serial", "multiprocessing", "ray"],
                                            min_length=1, description="backends the search_backends stage times")
    timing_workers: list[int] = Field([2], min_length=1, description="worker counts the search_backends stage times")

    @field_validator("timing_workers")
    @classmethod
    def _at_least_one_worker(cls, counts):
        if min(counts) < 1:
            raise ValueError(f"every worker count must be >= 1 (got {counts})")
        return counts

    @model_validator(mode="after")
    def _known_names(self):
        return self._check_names("swarm", ("space", "heatmap_dims", "grid_dims"))
