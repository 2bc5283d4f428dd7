"""Typed configuration: params.yaml -> one frozen object per section.

params.yaml holds `preset` (which preset to start from), `presets` (each preset's values) and
one section per concern. A key written in a section overrides the preset's value; a key left out
(or null) takes the preset's value, and one set nowhere takes the default below. Every value is
validated before any work starts: an unknown key, a wrong type or an out-of-range value raises
ConfigError naming the key and what is allowed.

The shared sections (data, model, memory, train, baselines) live here; the model search's swarm
section lives in hsokv.search.config. A benchmark's own section
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
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from hsokv.errors import ConfigError
from hsokv.io import load_yaml
from hsokv.reads import as_dict, restrict  # noqa: F401  (as_dict: re-exported for the stages)
# Section and its helpers, re-exported: every section class imports them from here.
from hsokv.sections import SECTIONS, Section, distinct_non_negative_seeds, name_field, section  # noqa: F401
# importing it registers the swarm section for every stage that loads params
from hsokv.search.config import SEARCHABLE

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
    novelty_prior: float = Field(3.0, ge=0.0, le=100.0, description="initial weight of the novelty prior in pooling; 0 = switched off")

    @model_validator(mode="after")
    def _heads_divide(self):
        if self.d_model % self.num_heads:
            raise ValueError(f"model.d_model ({self.d_model}) must be divisible by model.num_heads ({self.num_heads})")
        return self


class MemoryConfig(Section):
    # `policy` names a bundle of defaults for the keys below (MEMORY_POLICIES); any key set
    # explicitly, in a preset or in params.yaml, wins over the bundle.
    policy: Literal["fixed", "seed_prototype"] = "fixed"
    # Every entry is preallocated (keys, values, counters): beyond 10 million entries the tensors
    # outgrow any one machine's memory, and the failure would come only after data loading.
    capacity: int = Field(4096, ge=1, le=10_000_000)
    eviction: str = name_field("hsokv.eviction:EVICTION", "lru")
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
    # a preset sets sections the file itself lists (or a loaded module registers): a misspelt one
    # (`presets.demo.continuel`) would leave its section at the code's defaults, silently
    sections = {*PipelineConfig.model_fields, *SECTIONS.names(), *params} - {"preset", "presets"}
    stray = sorted(str(k) for k in preset_values if k not in sections)
    if stray:
        raise ConfigError(f"{source}: presets.{name}.{stray[0]}: not a section of this file; valid: {sorted(sections)}")
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
    _check_space(cfg, source)
    return cfg


def _check_space(cfg: PipelineConfig, source: str) -> None:
    """Every value the model search may set (each choice, each end of a range) is one the field it
    sets accepts: otherwise a trial fails mid-search, or only when a draw happens to pass the bound."""
    for name, dim in cfg.swarm.space.items():
        if name not in SEARCHABLE:
            continue   # refused with the searchable names by the swarm section itself
        section, key = SEARCHABLE[name]
        part = getattr(cfg, section)
        ends = dim.choices if dim.choices is not None else [dim.low, dim.high]
        for value in ends:
            value = int(value) if dim.integer and dim.choices is None else value
            try:
                type(part).model_validate({**part.model_dump(), key: value})
            except ValidationError as err:
                raise ConfigError(f"{source}: swarm.space.{name}: {value!r} is not a valid {section}.{key} "
                                  f"({err.errors()[0]['msg']})") from None


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
