"""Ablation variants: H-SOKV with one memory (or model) change each, against the fixed design ("full").

Each `revert_*` variant switches one of the seeds' fixes back to the seed prototype's behaviour;
`seed_prototype` switches all of them back at once; `full_lifecycle` is the fixed design with its
(guarded) consolidation and forgetting on. Every variant uses the same data, model, training and
seeds, so differences are the variant's alone.
"""
from __future__ import annotations

from hsokv.config import MEMORY_POLICIES, ConfigError, MemoryConfig, PipelineConfig, resolve

_SEED = MEMORY_POLICIES["seed_prototype"]
VARIANTS: dict[str, dict] = {
    "full": {},
    "full_lifecycle": {"consolidation": True, "forgetting": True},
    "seed_prototype": {"policy": "seed_prototype", **_SEED},
    "revert_l2": {"similarity": "cosine"},
    "revert_topk_average": {"top_k": _SEED["top_k"], "aggregation": "mean"},
    "revert_context_boosts": {"context_boosts": True},
    "revert_write_all": {"write_policy": "surprise"},
    "revert_consolidation": {"consolidation": True, "consolidation_verify": False, "consolidation_scope": "model"},
    "revert_forgetting_protection": {"forgetting": True, **{k: _SEED[k] for k in (
        "first_exposure_boost", "protection_window", "confidence_decay")}},
    "revert_additive_fusion": {"fusion": "gate"},
}
# Variants that change the model instead of memory.
MODEL_VARIANTS: dict[str, dict] = {
    "no_novelty_prior": {"novelty_prior": 0.0},   # the pooling's token-lookup prior switched off
}
# The original's ablation grid also crossed memory with the swarm optimiser. Every variant above
# trains with the preset's hyperparameters (swarm off); the swarm's share is measured by the search
# stages, where the crossing lives.
SWARM_VARIANTS = {
    "full (memory + swarm)": "metrics/search.json, strategy `swarm`: H-SOKV with the swarm's chosen config",
    "kv_only (memory, no swarm)": "metrics/search.json, strategy `default`: the preset's config, same steps",
    "swarm_only (swarm, no memory)": "not run: the search tunes H-SOKV only",
    "neither": "metrics/synthetic.json, method `finetune` (B1)",
}


def ablation_config(raw_params: dict, variant: str, source: str = "params.yaml") -> PipelineConfig:
    """The active config, with ablation.preset's data/model/train if set, and the variant's memory."""
    if variant not in VARIANTS and variant not in MODEL_VARIANTS:
        raise ConfigError(f"ablation variant {variant!r} is unknown; known: {sorted(VARIANTS) + sorted(MODEL_VARIANTS)}")
    active = resolve(raw_params, source)
    base = active
    if active.ablation.preset is not None:
        base = resolve({**raw_params, "preset": active.ablation.preset}, source)
    memory = MemoryConfig.model_validate({**active.memory.model_dump(), **VARIANTS.get(variant, {})})
    model = base.model.model_copy(update=MODEL_VARIANTS.get(variant, {}))
    return base.model_copy(update={"seeds": active.seeds, "memory": memory, "model": model, "device": active.device})
