import pytest

from hsokv.benchmarks.words.ablations import VARIANTS, ablation_config
from hsokv.config import ConfigError


def test_every_variant_changes_only_memory(params):
    full = ablation_config(params, "full")
    for name in VARIANTS:
        cfg = ablation_config(params, name)
        assert (cfg.model, cfg.train, cfg.data, cfg.seeds) == (full.model, full.train, full.data, full.seeds)
        assert (cfg.memory == full.memory) == (name == "full")


def test_seed_prototype_variant_reverts_every_fix(params):
    m = ablation_config(params, "seed_prototype").memory
    assert (m.similarity, m.top_k, m.aggregation, m.fusion, m.write_policy) == ("cosine", 5, "mean", "gate", "surprise")
    assert m.context_boosts and m.consolidation and m.forgetting and not m.consolidation_verify


def test_ablation_preset_supplies_model_but_active_seeds(params):
    params = {**params, "preset": "demo", "ablation": {**params["ablation"], "preset": "quick_test"}}
    cfg = ablation_config(params, "full")
    assert cfg.seeds == [0, 1, 2]
    assert cfg.model.d_model == params["presets"]["quick_test"]["model"]["d_model"]


def test_unknown_variant():
    with pytest.raises(ConfigError, match="variant 'nope' is unknown"):
        ablation_config({"preset": "x", "presets": {"x": {"seeds": [0]}}}, "nope")


def test_no_novelty_prior_switches_the_prior_off_and_nothing_else(params):
    import torch
    from hsokv.model import NoveltyPooling
    full, off = ablation_config(params, "full"), ablation_config(params, "no_novelty_prior")
    assert off.model.novelty_prior == 0.0 and off.model.model_copy(update={"novelty_prior": full.model.novelty_prior}) == full.model
    assert (off.memory, off.train, off.data) == (full.memory, full.train, full.data)
    pool = NoveltyPooling(8, 10, 3, off.model.novelty_prior)
    torch.nn.init.zeros_(pool.query)
    assert "prior_weight" not in dict(pool.named_parameters())   # a fixed 0: training cannot switch it back on
    pool.observe(torch.tensor([[2, 3]]), torch.tensor([1]))
    x = torch.randn(1, 2, 8)
    assert torch.allclose(pool(x, torch.tensor([[2, 3]])), x.mean(1))   # no prior, no learned match: the plain mean
