"""Typed configuration: params.yaml -> one frozen object per section.

params.yaml holds `preset` (which preset to start from), `presets` (each preset's values) and
one section per concern. A key written in a section overrides the preset's value; a key left out
(or null) takes the preset's value, and one set nowhere takes the default below. Every value is
validated before any work starts: an unknown key, a wrong type or an out-of-range value raises
ConfigError naming the key and what is allowed.

The shared sections (data, model, memory, train, baselines) live here. A benchmark's own section
lives in its package and registers itself (`@section("glue")`), so this module never imports a
benchmark: a stage imports the benchmarks it runs, and their sections are validated with the
rest. A section no imported module registered is kept as given and cannot be read
(hsokv.reads); a top-level key that looks like a misspelt known name is refused.
"""
from __future__ import annotations

import difflib
import math
import sys
from pathlib import Path
from typing import Any, ClassVar, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hsokv.errors import ConfigError
from hsokv.io import load_yaml
from hsokv.reads import as_dict, restrict  # noqa: F401  (as_dict: re-exported for the stages)
from hsokv.registry import Registry

# Benchmark sections: name -> Section class, filled by @section as their packages are imported.
SECTIONS = Registry("params section")


def section(name: str):
    """Class decorator: `name` is a params.yaml section validated by this class."""
    return SECTIONS.register(name)


class Section(BaseModel):
    # Numbers must be finite: a NaN or an infinity passes every range check and would surface
    # only in a result (NaN in a metrics file, a run that never ends).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _booleans_only_where_booleans_belong(cls, value, info):
        """pydantic takes `true` for the number 1; in a params file it is always a slip."""
        if cls.model_fields[info.field_name].annotation is not bool:
            items = value if isinstance(value, list) else [value]
            if any(isinstance(item, bool) for item in items):
                raise ValueError("a boolean where a number or a name belongs")
        return value


def distinct_non_negative_seeds(seeds: list[int]) -> list[int]:
    """Each seed names its own outputs (seed_N): a repeated seed would overwrite itself, and
    numpy's generators refuse negative seeds (after minutes of work)."""
    negative = [s for s in seeds if s < 0]
    if negative:
        raise ValueError(f"seeds must be >= 0 (got {negative})")
    repeated = sorted({s for s in seeds if seeds.count(s) > 1})
    if repeated:
        raise ValueError(f"each seed may appear once (repeated: {repeated})")
    return seeds


def name_field(registry: str, default: Any, also: tuple[str, ...] = (), **kwargs) -> Any:
    """A field holding names of registered parts, checked by resolve() against `registry`
    ("module:ATTRIBUTE", a hsokv.registry.Registry) when that module is loaded. config.py never
    imports it: a stage imports the parts it uses before it loads params, so each stage checks
    the names it can run, and no core module depends on a benchmark. `also`: names that are not
    registered parts (distributed.backend's "auto")."""
    return Field(default, json_schema_extra={"registry": registry, "also": list(also)}, **kwargs)


class DataConfig(Section):
    word_specs: str = "data/rare_words.yaml"
    num_words: int | None = Field(None, ge=10, description="words drawn from the spec file; null = all")
    phase2_fraction: float = Field(0.5, gt=0.0, lt=1.0, description="share of words learned in phase 2")
    one_shot_fraction: float = Field(0.45, ge=0.4, le=1.0, description="share of words seen exactly once")
    max_exposures: int = Field(5, ge=1, le=5)
    filler_sentences: int = Field(2, ge=0, le=10, description="filler sentences in each story")
    distractor_sentences: int = Field(4, ge=0, le=20, description="noise sentences around retention items")
    max_length: int = Field(96, ge=16, le=512)
    # Real datasets (hsokv.data.fetch): copied from a local mirror, or downloaded when allowed;
    # checksum-verified either way. HSOKV_DATA_MIRROR, when set, is tried after `mirror`.
    mirror: str | None = Field(None, description="folder holding dataset copies in their official layout")
    allow_download: bool = Field(True, description="fetch from the official URLs when no mirror has the files")
    download_origin: str | None = Field(
        None, pattern=r"^https?://[^/?#\s]+(/[^?#\s]*)?$",
        description="http(s)://host[:port][/prefix] serving the official URLs' paths in their place; null = the official hosts")
    lm_corpus: str = Field("data/raw/tinyshakespeare/input.txt",
                           description="UTF-8 text for the language model; the default is download_lm_corpus's copy")


class ModelConfig(Section):
    num_layers: int = Field(4, ge=1, le=24)
    d_model: int = Field(256, ge=8, le=4096)
    num_heads: int = Field(8, ge=1, le=64)
    ff_dim: int = Field(512, ge=8, le=16384)
    dropout: float = Field(0.1, ge=0.0, lt=1.0)
    novelty_prior: float = Field(3.0, ge=0.0, le=100.0, description="initial weight of the novelty prior in pooling; 0 = none")

    @model_validator(mode="after")
    def _heads_divide(self):
        if self.d_model % self.num_heads:
            raise ValueError(f"model.d_model ({self.d_model}) must be divisible by model.num_heads ({self.num_heads})")
        return self


class MemoryConfig(Section):
    # `policy` names a bundle of defaults for the keys below (MEMORY_POLICIES); any key set
    # explicitly, in a preset or in params.yaml, wins over the bundle.
    policy: Literal["fixed", "seed_prototype"] = "fixed"
    # Every entry is preallocated (keys, token ids, counters): beyond 10 million entries the tensors
    # outgrow any one machine's memory, and the failure would come only after data loading.
    capacity: int = Field(4096, ge=1, le=10_000_000)
    eviction: Literal["lru", "fifo", "error"] = "lru"
    # retrieval
    similarity: Literal["dot", "cosine"] = Field("dot", description="cosine = the seed's L2 normalisation")
    top_k: int = Field(1, ge=1, le=64, description="1 = nearest entry per label; >1 = top-k vote")
    aggregation: Literal["weighted", "mean"] = Field("weighted", description="top-k votes: softmax-weighted or plain average")
    temperature: float = Field(1.0, gt=0.0, description="memory logits are similarity / temperature")
    fusion: Literal["additive", "gate"] = Field("additive", description="gate = the seed's learned sigmoid gate")
    context_boosts: bool = False
    recency_decay: float = Field(0.95, gt=0.0, le=1.0, description="per epoch since last use")
    domain_boost: float = Field(1.5, gt=0.0)
    emotion_scale: float = Field(0.3, ge=0.0)
    importance: float = Field(0.5, ge=0.0)
    # writing and confidence
    write_policy: Literal["all", "surprise"] = "all"
    surprise_loss_threshold: float = Field(0.3, ge=0.0)
    first_exposure_loss_threshold: float = Field(0.15, ge=0.0)
    novelty_threshold: float = Field(0.7, ge=0.0, le=2.0, description="1 - max cosine similarity to memory")
    initial_confidence: float = Field(0.5, ge=0.0, le=1.0)
    first_exposure_boost: float = Field(0.5, ge=0.0, le=1.0)
    protection_window: int = Field(50, ge=0, description="retrievals a first-exposure entry is protected for")
    confidence_decay: float = Field(0.01, ge=0.0, le=1.0, description="boost lost per retrieval")
    # consolidation: fine-tune on confident, successful memories, then delete those the model has absorbed
    consolidation: bool = False
    consolidation_confidence: float = Field(0.85, ge=0.0, le=1.0)
    consolidation_success: float = Field(0.8, ge=0.0, le=1.0)
    consolidation_steps: int = Field(5, ge=1, le=1000)
    consolidation_scope: Literal["classifier", "model"] = Field(
        "classifier", description="what the consolidation fine-tune trains; model = the seed (moves every key)")
    consolidation_verify: bool = Field(True, description="delete only memories verified as absorbed (False = the seed)")
    # forgetting: remove low-utility memories outside their protection window
    forgetting: bool = False
    forgetting_threshold: float = Field(0.10, ge=0.0, le=1.0)
    forgetting_weights: list[float] = Field([0.4, 0.2, 0.3, 0.1], min_length=4, max_length=4,
                                            description="confidence, usage, success, recency")


# The seed prototype's memory, kept reachable so the pipeline can show its failure beside the fix.
MEMORY_POLICIES: dict[str, dict] = {
    "fixed": {},
    "seed_prototype": {
        "similarity": "cosine", "top_k": 5, "aggregation": "mean", "context_boosts": True,
        "write_policy": "surprise", "surprise_loss_threshold": 0.3, "first_exposure_loss_threshold": 0.15,
        "novelty_threshold": 0.7, "first_exposure_boost": 0.25, "protection_window": 20, "confidence_decay": 0.025,
        "consolidation": True, "consolidation_confidence": 0.85, "consolidation_verify": False,
        "consolidation_scope": "model",
        "forgetting": True, "forgetting_threshold": 0.10, "fusion": "gate",
    },
}


class TrainConfig(Section):
    optimizer: Literal["adamw", "adam", "sgd", "rmsprop"] = "adamw"
    epochs: int = Field(30, ge=1, le=10_000)
    batch_size: int = Field(32, ge=1, le=4096)
    learning_rate: float = Field(3e-4, gt=0.0, le=1.0)
    weight_decay: float = Field(0.01, ge=0.0, le=1.0)
    grad_clip: float = Field(1.0, gt=0.0)


class BaselinesConfig(Section):
    knn_embedding_dim: int = Field(64, ge=1, le=4096, description="B3's random embedding width")


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
    knn_k: list[int] = Field([8, 32, 64], min_length=1, description="neighbours per token, tried on val")
    knn_temperature: list[float] = Field([1.0, 3.0, 10.0], min_length=1, description="tried on val")
    knn_lambda: list[float] = Field([0.05, 0.1, 0.2, 0.3, 0.5], min_length=1, description="tried on val")

    @model_validator(mode="after")
    def _check(self):
        if self.n_embd % self.n_head:
            raise ValueError(f"language_model.n_embd ({self.n_embd}) must be divisible by n_head ({self.n_head})")
        checks = {"knn_lambda": (self.knn_lambda, lambda x: 0 < x < 1, "in (0, 1)"),
                  "knn_temperature": (self.knn_temperature, lambda x: x > 0, "> 0"),
                  "knn_k": (self.knn_k, lambda x: x >= 1, ">= 1"),
                  "ngram_orders": (self.ngram_orders, lambda x: x >= 1, ">= 1")}
        for key, (values, ok, rule) in checks.items():
            bad = [v for v in values if not ok(v)]
            if bad:
                raise ValueError(f"language_model.{key}: every value must be {rule} (got {bad})")
        return self


def _default_method_args() -> dict[str, dict[str, Any]]:
    # Each peer at its published best for seq-cifar10 (Mammoth's utils/best_args.py, the DER
    # paper's grid): SGD lr; DER++ alpha/beta per buffer size; iCaRL's weight decay. ER-ACE and
    # hsokv were not in that grid, and their values have not been tuned on the validation split yet.
    return {"finetune": {"lr": 0.1}, "joint": {"lr": 0.1}, "er": {"lr": 0.1},
            "derpp": {"lr": 0.03, "alpha": {200: 0.1, 500: 0.2}, "beta": 0.5},
            "icarl": {"lr": 0.1, "weight_decay": 1.0e-5}, "er_ace": {"lr": 0.03},
            "hsokv": {"lr": 0.03, "alpha": 0.2, "beta": 0.5, "selection": "herding"}}


class ContinualConfig(Section):
    """Class-incremental learning as Mammoth's seq-cifar10 (Buzzega et al. 2020): the dataset's
    classes in fixed order, `classes_per_task` per task; every method on the same backbone, stream,
    epochs and seeds, each with its own hyperparameters (`method_args`)."""
    dataset: Literal["cifar10", "digits"] = Field(
        "cifar10", description="cifar10 = CIFAR-10 (mirror or download); digits = scikit-learn's 8x8 digits, offline")
    classes_per_task: int = Field(2, ge=1, le=10)
    backbone: str = name_field("hsokv.benchmarks.continual.backbones:BACKBONES", "resnet18")
    methods: list[str] = Field(["finetune", "joint", "er", "derpp", "icarl", "er_ace", "hsokv"], min_length=1,
                               description="runs: a registered method, or a key of method_args naming one "
                                           "(checked by hsokv.benchmarks.continual.protocol.check_runs)")
    buffer_sizes: list[int] = Field([200, 500], min_length=1, description="memory entries, one run per size")
    epochs: int = Field(50, ge=1, le=10_000, description="epochs per task (joint: over all tasks at once)")
    batch_size: int = Field(32, ge=1, le=65_536)
    replay_batch_size: int = Field(32, ge=1, le=65_536, description="memory examples drawn for each replay batch")
    method_args: dict[str, dict[str, Any]] = Field(default_factory=_default_method_args)
    augment: bool = Field(True, description="random crop (padding 4) and horizontal flip; digits: shifts of 1 pixel only")
    val_per_class: int = Field(500, ge=0, description="training images per class held out for validation")
    train_per_class: int | None = Field(None, ge=1, description="training images kept per class; null = all")
    test_per_class: int | None = Field(None, ge=1, description="test images per class; null = all")
    test_fraction: float = Field(0.25, gt=0.0, lt=1.0, description="digits only: the held-out share of each class")
    readout_grid: dict[str, list[float]] = Field(
        default_factory=lambda: {"k": [10, 50], "tau": [0.05, 0.2], "w": [0.25, 0.5, 0.75]},
        description="knn/retrieval readout settings tried; the best on validation is used")

    @model_validator(mode="after")
    def _budget(self):
        bad = [b for b in self.buffer_sizes if b < 1]
        if bad:
            raise ValueError(f"continual.buffer_sizes must be >= 1 (got {bad})")
        missing = {"k", "tau", "w"} - set(self.readout_grid)
        if missing:
            raise ValueError(f"continual.readout_grid lacks {sorted(missing)}")
        empty = sorted(k for k, values in self.readout_grid.items() if not values)
        if empty:
            raise ValueError(f"continual.readout_grid.{empty[0]}: an empty list leaves no setting to try")
        for run, args in self.method_args.items():
            if not isinstance(args, dict):
                raise ValueError(f"continual.method_args.{run}: a mapping of hyperparameters, got {args!r}")
            for key, value in args.items():
                _check_method_arg(f"continual.method_args.{run}.{key}", key, value)
        return self


METHOD_ARG_NAMES = ("method", "selection")   # method_args entries holding a name; every other one is a number


def _check_method_arg(where: str, key: str, value: Any) -> None:
    """A run's hyperparameter as the protocol reads it, checked before any training: a name, or a
    finite number >= 0 (lr > 0), or a {buffer size: number} mapping of those. The names themselves
    are checked against the registry by the protocol (check_runs, SELECTIONS)."""
    if key in METHOD_ARG_NAMES:
        if not isinstance(value, str):
            raise ValueError(f"{where}: a name, got {value!r}")
        return
    per_buffer = value if isinstance(value, dict) else {None: value}
    for buffer, number in per_buffer.items():
        at = where if buffer is None else f"{where}.{buffer}"
        if buffer is not None and not (isinstance(buffer, int) or str(buffer).isdigit()):
            raise ValueError(f"{at}: per-buffer values are keyed by buffer size (an integer)")
        if isinstance(number, bool) or not isinstance(number, (int, float)) or not math.isfinite(number):
            raise ValueError(f"{at}: a finite number, got {number!r}")
        if number < 0 or (key == "lr" and number == 0):
            raise ValueError(f"{at}: must be {'> 0' if key == 'lr' else '>= 0'} (got {number!r})")


class PipelineConfig(Section):
    """The shared sections; a registered benchmark section is an extra attribute (cfg.glue),
    validated by its own class in resolve()."""
    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)
    preset: str
    seeds: list[int] = Field(min_length=1, description="every headline metric is a mean over these")
    _seeds_are_distinct = field_validator("seeds")(distinct_non_negative_seeds)
    device: Literal["auto", "cpu", "cuda"] = "auto"
    data: DataConfig = DataConfig()
    model: ModelConfig = ModelConfig()
    memory: MemoryConfig = MemoryConfig()
    train: TrainConfig = TrainConfig()
    baselines: BaselinesConfig = BaselinesConfig()
    swarm: SwarmConfig = SwarmConfig()
    language_model: LanguageModelConfig = LanguageModelConfig()
    continual: ContinualConfig = Field(default_factory=ContinualConfig)

    def section_names(self) -> list[str]:
        """Every section and top-level value this config holds, registered or not."""
        return [*type(self).model_fields, *(self.__pydantic_extra__ or {})]


def section_class(name: str) -> type[BaseModel] | None:
    """The class validating section `name`: a shared one, a registered one, or None."""
    field = PipelineConfig.model_fields.get(name)
    if field is not None:
        return field.annotation if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel) else None
    return SECTIONS.get(name) if name in SECTIONS else None


def _merge(base: dict, override: dict) -> dict:
    out = dict(base)
    for key, value in override.items():
        out[key] = _merge(out[key], value) if isinstance(value, dict) and isinstance(out.get(key), dict) else value
    return out


def _drop_nulls(values: dict) -> dict:
    return {k: (_drop_nulls(v) if isinstance(v, dict) else v) for k, v in values.items() if v is not None}


def _fields_at(loc: tuple) -> dict:
    """The fields of the model at `loc` (the top level, a section, or a model nested in one)."""
    cls = section_class(loc[0]) if loc else PipelineConfig
    for part in loc[1:]:
        field = (cls.model_fields if cls is not None else {}).get(part)
        cls = field.annotation if field is not None and isinstance(field.annotation, type) else None
    return getattr(cls, "model_fields", {})


def _format_error(err: ValidationError, source: str, prefix: tuple = ()) -> str:
    lines = [f"{source}: invalid parameters"]
    for e in err.errors():
        loc = (*prefix, *e["loc"])
        key = ".".join(str(p) for p in loc) or "(top level)"
        given = e.get("input")
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            fields = _fields_at(loc[:-1])
            msg = f"unknown key; valid keys here: {', '.join(sorted(fields))}"
        elif isinstance(given, (int, float, str, bool)) or given is None:
            msg = f"{msg} (got {given!r})"
        lines.append(f"  {key}: {msg}")
    return "\n".join(lines)


def _check_top_level(params: dict, source: str) -> None:
    """A key no loaded module knows is a section of a benchmark not imported here, unless it is
    a near miss of a known name (`trian`), which is refused."""
    known = {*PipelineConfig.model_fields, "presets", *SECTIONS.names()}
    typos = sorted(k for k in set(params) - known if difflib.get_close_matches(str(k), known, n=1, cutoff=0.75))
    if typos:
        raise ConfigError(f"{source}: unknown top-level key(s) {typos}; valid keys: {sorted(known)}")


def _check_finite(value: Any, source: str, key: str = "") -> None:
    """NaN and inf are refused anywhere in the file, sections this stage does not read included:
    no stage may accept a file another stage refuses."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{source}: {key}: must be a finite number (got {value!r})")
    children = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for k, v in children:
        _check_finite(v, source, f"{key}.{k}" if key else str(k))


def resolve(params: dict, source: str = "params.yaml") -> PipelineConfig:
    """Turn the raw params dict into a validated PipelineConfig (preset first, explicit keys over it)."""
    if not isinstance(params, dict):
        raise ConfigError(f"{source}: expected a mapping at the top level, got {type(params).__name__}")
    _check_top_level(params, source)
    _check_finite(params, source)
    presets = params.get("presets") or {}
    if not isinstance(presets, dict):
        raise ConfigError(f"{source}: 'presets' must be a mapping of preset name -> values")
    name = params.get("preset")
    if not isinstance(name, str) or name not in presets:  # a list or mapping here is no preset name (and unhashable)
        raise ConfigError(f"{source}: preset: unknown preset {name!r}; valid presets: {sorted(presets)}")
    preset_values = presets[name] or {}
    if not isinstance(preset_values, dict):
        raise ConfigError(f"{source}: presets.{name} must be a mapping")
    # An empty section, or a null value, means "the preset's value".
    explicit = _drop_nulls({k: v for k, v in params.items() if k not in ("preset", "presets")})
    merged = _merge(preset_values, explicit)
    merged["preset"] = name
    memory = merged.get("memory") or {}
    if isinstance(memory, dict):
        policy = memory.get("policy", "fixed")
        if not isinstance(policy, str) or policy not in MEMORY_POLICIES:
            raise ConfigError(f"{source}: memory.policy: unknown policy {policy!r}; valid: {sorted(MEMORY_POLICIES)}")
        merged["memory"] = {**MEMORY_POLICIES[policy], **memory}
    for key, values in merged.items():  # a section's `preset` borrows another preset's values: it must exist
        borrowed = values.get("preset") if isinstance(values, dict) else None
        if borrowed is not None and (not isinstance(borrowed, str) or borrowed not in presets):
            raise ConfigError(f"{source}: {key}.preset: unknown preset {borrowed!r}; valid presets: {sorted(presets)}"
                              " (or null for the active one)")
    for key in SECTIONS.names():  # registered sections first, each by its own class
        try:
            merged[key] = SECTIONS.get(key).model_validate(merged.get(key, {}))
        except ValidationError as err:
            raise ConfigError(_format_error(err, source, (key,))) from None
    try:
        cfg = PipelineConfig.model_validate(merged)
    except ValidationError as err:
        raise ConfigError(_format_error(err, source)) from None
    _check_names(cfg, source)
    return cfg


def _check_names(cfg: PipelineConfig, source: str) -> None:
    """Every name_field against its registry, where the registry's module is loaded."""
    for name in cfg.section_names():
        part = getattr(cfg, name)
        if not isinstance(part, BaseModel):
            continue
        for key, field in type(part).model_fields.items():
            extra = field.json_schema_extra or {}
            if "registry" not in extra:
                continue
            module, _, attribute = extra["registry"].partition(":")
            registry = getattr(sys.modules.get(module), attribute, None)
            if registry is None:
                continue
            given = getattr(part, key)
            valid = [*extra["also"], *registry.names()]
            unknown = [n for n in (given if isinstance(given, list) else [given]) if n not in valid]
            if unknown:
                raise ConfigError(f"{source}: {name}.{key}: unknown {', '.join(map(repr, unknown))}; "
                                  f"valid: {', '.join(valid)}")


def read_params(path: str | Path = "params.yaml") -> dict:
    path = Path(path)
    if not path.is_file():
        raise ConfigError(f"{path}: params file not found")
    try:
        return load_yaml(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as err:
        raise ConfigError(f"{path}: not valid YAML: {err}") from None


def load_params(path: str | Path = "params.yaml", reads: tuple[str, ...] | None = None) -> PipelineConfig:
    """The validated config; with `reads` (a stage's READS), only those params are readable (hsokv.reads)."""
    cfg = resolve(read_params(path), source=str(path))
    return cfg if reads is None else restrict(cfg, reads)


def search_config(raw_params: dict, source: str = "params.yaml") -> PipelineConfig:
    """The active config, with swarm.preset's model and train sections if set (data, seeds,
    device and the swarm section stay the active ones)."""
    active = resolve(raw_params, source)
    if active.swarm.preset is None:
        return active
    base = resolve({**raw_params, "preset": active.swarm.preset}, source)
    return active.model_copy(update={"model": base.model, "train": base.train})
