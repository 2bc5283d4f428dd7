"""LanguageModelConfig (hsokv/benchmarks/lm/config.py) and the presets in params.yaml: what each preset trains."""
import pytest

from hsokv.benchmarks.lm.model import GPT, GPTConfig
from hsokv.config import ConfigError, resolve


def _lm(params, preset):
    params["preset"] = preset
    return resolve(params).language_model


def test_research_preset_is_nanogpts_gpu_config(params):
    lm = _lm(params, "research")
    assert (lm.n_layer, lm.n_head, lm.n_embd, lm.block_size, lm.dropout) == (6, 6, 384, 256, 0.2)
    assert (lm.batch_size, lm.max_iters, lm.learning_rate, lm.min_learning_rate, lm.beta2) == (64, 5000, 1e-3, 1e-4, 0.99)
    model = GPT(GPTConfig(65, lm.block_size, lm.n_layer, lm.n_head, lm.n_embd, lm.dropout))
    assert round(model.num_params() / 1e6, 2) == 10.65  # nanoGPT prints "number of parameters: 10.65M"


def test_demo_preset_is_nanogpts_cpu_size(params):
    lm = _lm(params, "demo")
    assert (lm.n_layer, lm.n_head, lm.n_embd, lm.block_size, lm.batch_size, lm.dropout) == (4, 4, 128, 64, 12, 0.0)


def test_grid_values_out_of_range_are_refused_by_key(params):
    params["language_model"]["knn_lambda"] = [0.2, 1.0]
    with pytest.raises(ConfigError, match=r"language_model.knn_lambda: every value must be in \(0, 1\)"):
        _lm(params, "demo")


@pytest.mark.parametrize("edit, message", [
    ({"seeds": [0, 0]}, r"each seed may appear once \(repeated: \[0\]\)"),     # reported as 2 seeds, CI 0, before
    ({"seeds": [-1]}, r"seeds must be >= 0"),                                  # a numpy traceback after the n-gram
    ({"learning_rate": 1e-3, "min_learning_rate": 0.9}, r"min_learning_rate \(0.9\) must be <= learning_rate"),
    ({"knn_datastore": 200, "knn_k": [8, 500]}, r"language_model.knn_k: \[500\] exceed knn_datastore \(200\)"),
])
def test_settings_that_would_run_other_than_asked_are_refused(params, edit, message):
    params["language_model"].update(edit)
    with pytest.raises(ConfigError, match=message):
        _lm(params, "demo")
