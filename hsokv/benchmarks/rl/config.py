"""The `distributed` section of params.yaml: the RL benchmark's settings, registered with
hsokv.config (which never imports a benchmark) when a stage imports this module."""
from __future__ import annotations

from typing import ClassVar

from pydantic import Field, model_validator

from hsokv.config import Section, name_field, section
from hsokv.search.config import DimensionSpec, SwarmShape

ES_SEARCHABLE = ("learning_rate", "sigma", "directions")


class _Algorithm(Section):
    learning_rate: float = Field(0.01, gt=0.0, le=100.0)
    sigma: float = Field(0.02, gt=0.0, le=10.0, description="std of the parameter perturbations (ARS's nu)")
    directions: int = Field(8, ge=1, le=100_000, description="antithetic pairs per generation (ARS's N)")
    normalize: bool = Field(True, description="normalise observations by running statistics of every state seen")
    reward_shift: float = Field(0.0, ge=0.0, le=1000.0, description="subtracted from every training reward")


class ESConfig(_Algorithm):
    """Salimans et al. 2017's MuJoCo settings (Adam 0.01, noise 0.02, L2 0.005, observation
    normalisation), at a population that fits the budget."""
    learning_rate: float = Field(0.01, gt=0.0, le=100.0, description="Adam's step size")
    directions: int = Field(20, ge=1, le=100_000, description="antithetic pairs per generation (population / 2)")
    weight_decay: float = Field(0.005, ge=0.0, le=10.0, description="L2 coefficient added to the Adam step")


class ARSConfig(_Algorithm):
    """ARS V2-t at its published Hopper settings (Mania et al. 2018): alpha 0.01, nu 0.025, N 8, b 4,
    the survival bonus of 1 removed from training rewards; V1-t with normalize: false."""
    sigma: float = Field(0.025, gt=0.0, le=10.0, description="std of the parameter perturbations (ARS's nu)")
    top_fraction: float = Field(0.5, gt=0.0, le=1.0, description="share of directions kept (b = fraction x N)")
    reward_shift: float = Field(1.0, ge=0.0, le=1000.0, description="subtracted from every training reward "
                                                                    "(Hopper's survival bonus; 0 for CartPole)")


def _es_space() -> dict[str, DimensionSpec]:
    return {"learning_rate": DimensionSpec(low=0.002, high=0.05, log=True),
            "sigma": DimensionSpec(low=0.005, high=0.1, log=True),
            "directions": DimensionSpec(low=4, high=32, log=True, integer=True)}


class PolicySwarmConfig(SwarmShape):
    """The swarm searching ES/ARS settings: an agent's "training step" is one generation, its score
    the mean return of its policy over `score_episodes` episodes."""
    searchable: ClassVar[tuple[str, ...]] = ES_SEARCHABLE
    space: dict[str, DimensionSpec] = Field(default_factory=_es_space, min_length=1)
    num_managers: int = Field(2, ge=1, le=64)
    agents_per_manager: int = Field(2, ge=1, le=64)
    meta_iterations: int = Field(3, ge=1, le=1000)
    agent_steps: int = Field(3, ge=1, le=100_000, description="generations of successive halving's first rung")
    plateau_tolerance: float = Field(5.0, ge=0.0, description="return gain that counts as progress")
    heatmap_dims: list[str] = Field(["learning_rate", "sigma"], min_length=2, max_length=2)

    @model_validator(mode="after")
    def _known_names(self):
        return self._check_names("distributed.swarm", ("space", "heatmap_dims"))


class LineageConfig(Section):
    """The swarm's lineage mode (hsokv.benchmarks.rl.lineage): every trial continues one policy, the
    agents exploring configs around the last winner's; agents, regions and rules as in `swarm`."""
    enabled: bool = Field(True, description="run it beside the halving swarm, at that swarm's env steps; "
                                            "false = the halving swarm alone (the swarm before issue 22's fix)")
    configs_per_agent: int = Field(1, ge=1, le=64, description="configs each agent proposes every meta-iteration")
    agent_steps: int = Field(1, ge=1, le=100_000, description="generations of successive halving's first rung")
    eta: int = Field(2, ge=2, le=10, description="each rung keeps 1/eta of the configs and runs them eta times longer")
    rungs: int = Field(3, ge=1, le=6)
    anchor: bool = Field(False, description="agent 0 proposes the tuned algorithm's own settings every meta-iteration "
                                            "(never moved or cloned), so a drift of the others cannot leave them behind")


@section("distributed")
class RLConfig(Section):
    """Policies on a gymnasium environment: the swarm against ES and ARS at equal environment steps,
    and the swarm's trials spread over `node_counts` workers."""
    env_id: str = Field("Hopper-v5", description="a gymnasium id: CartPole-v1, Hopper-v5, HalfCheetah-v5, ...")
    policy: str = name_field("hsokv.benchmarks.rl.policies:POLICIES", "linear")
    hidden_size: int = Field(16, ge=1, le=4096, description="mlp policy: units of its hidden layer")
    es: ESConfig = ESConfig()
    ars: ARSConfig = ARSConfig()
    swarm_tunes: str = name_field("hsokv.benchmarks.rl.es:ALGORITHMS", "ars",
                                  description="the algorithm whose settings the swarm searches (the rest as es/ars)")
    score_episodes: int = Field(3, ge=1, le=1000, description="episodes scoring each swarm trial (counted as budget)")
    curve_points: int = Field(10, ge=1, le=1000, description="points of ES's and ARS's return-vs-steps curves")
    curve_episodes: int = Field(5, ge=1, le=1000, description="held-out episodes per curve point (not counted)")
    eval_episodes: int = Field(100, ge=1, le=100_000, description="held-out episodes of the final evaluation")
    solved_return: float | None = Field(None, description="mean evaluation return that counts as solved; null = none")
    swarm: PolicySwarmConfig = PolicySwarmConfig()
    lineage: LineageConfig = LineageConfig()
    backend: str = name_field("hsokv.search.backends:BACKENDS", "auto", also=("auto",),
                              description="auto = ray when importable, else multiprocessing")
    node_counts: list[int] = Field([1, 2, 4], min_length=1, description="workers of each run of the scaling sweep")
    ray_address: str | None = Field(None, description="join this Ray cluster; null = start a local Ray")
    max_retries: int = Field(2, ge=0, le=100, description="times a task whose worker died is resubmitted")
    # Bounded so the modelled clock stays finite (a huge step cost summed over a run overflows to inf).
    simulate_step_seconds: float = Field(2e-5, gt=0.0, le=1.0, description="simulate: cost of one environment step")
    simulate_latency_seconds: float = Field(0.005, ge=0.0, le=60.0, description="simulate: per-task dispatch latency of a node")

    @model_validator(mode="after")
    def _check(self):
        bad = [n for n in self.node_counts if n < 1]
        if bad:
            raise ValueError(f"distributed.node_counts must be >= 1 (got {bad})")
        return self
