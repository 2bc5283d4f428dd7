import pytest

from hsokv.config import ConfigError, load_params, resolve


def _register_every_section():
    """Import every benchmark package's config modules (config.py, *_config.py), so each registers its
    params sections."""
    import importlib
    import pkgutil

    import hsokv.benchmarks
    for module in pkgutil.iter_modules(hsokv.benchmarks.__path__):
        package = importlib.import_module(f"hsokv.benchmarks.{module.name}")
        for sub in pkgutil.iter_modules(package.__path__):
            if sub.name == "config" or sub.name.endswith("_config"):
                importlib.import_module(f"{package.__name__}.{sub.name}")


def test_params_yaml_lists_every_key(params):
    """`dvc exp run -S a.b=c` can only set keys that params.yaml already has; and every top-level key
    is a shared section or one a benchmark registers (a misspelt one would go unread)."""
    from hsokv.config import SECTIONS, PipelineConfig, section_class
    _register_every_section()
    sections = [n for n in (*PipelineConfig.model_fields, *SECTIONS.names()) if section_class(n) is not None]
    for section in sections:
        assert set(params[section]) == set(section_class(section).model_fields), section
    distributed = section_class("distributed")
    for key in ("swarm", "es", "ars"):
        assert set(params["distributed"][key]) == set(distributed.model_fields[key].annotation.model_fields), key
    assert set(params) == {*PipelineConfig.model_fields, *SECTIONS.names(), "presets"}


def test_unregistered_section_is_kept_unread_and_a_near_miss_is_refused(params):
    """A stage that imports no benchmark reading `glue` keeps it as given; `trian` is a typo of `train`."""
    from hsokv.reads import UnreadParamError, restrict
    cfg = resolve({**params, "some_benchmark": {"k": 1}})
    assert cfg.some_benchmark == {"k": 1}
    with pytest.raises(UnreadParamError, match="some_benchmark"):
        restrict(cfg, ("seeds",)).some_benchmark.k
    with pytest.raises(ValueError, match="no imported module registered the section 'some_benchmark'"):
        restrict(cfg, ("some_benchmark",))
    with pytest.raises(ConfigError, match=r"unknown top-level key\(s\) \['trian'\]"):
        resolve({**params, "trian": {}})


def test_every_preset_resolves(params):
    for name in params["presets"]:
        cfg = resolve({**params, "preset": name})
        assert cfg.preset == name and cfg.seeds


def test_seed_counts_per_preset(params):
    counts = {name: len(resolve({**params, "preset": name}).seeds) for name in params["presets"]}
    assert counts == {"quick_test": 2, "demo": 3, "research": 5}


def test_explicit_key_overrides_preset_and_null_keeps_it(params):
    preset_lr = params["presets"]["demo"]["train"]["learning_rate"]
    assert resolve({**params, "preset": "demo"}).train.learning_rate == preset_lr
    cfg = resolve({**params, "preset": "demo", "train": {"learning_rate": 3e-4, "epochs": None}})
    assert cfg.train.learning_rate == 3e-4
    assert cfg.train.epochs == params["presets"]["demo"]["train"]["epochs"]


def test_unknown_key_names_key_and_valid_keys(params):
    with pytest.raises(ConfigError) as err:
        resolve({**params, "train": {"learning_rat": 1e-3}})
    msg = str(err.value)
    assert "train.learning_rat" in msg and "learning_rate" in msg


def test_wrong_type_names_key(params):
    with pytest.raises(ConfigError, match=r"train\.epochs.*'many'"):
        resolve({**params, "train": {"epochs": "many"}})


def test_out_of_range_names_key_and_bound(params):
    with pytest.raises(ConfigError, match=r"train\.learning_rate.*greater than 0"):
        resolve({**params, "train": {"learning_rate": -1.0}})
    with pytest.raises(ConfigError, match=r"data\.one_shot_fraction"):
        resolve({**params, "data": {"one_shot_fraction": 0.1}})


def test_unknown_preset_lists_presets(params):
    with pytest.raises(ConfigError, match=r"unknown preset 'huge'.*demo.*quick_test.*research"):
        resolve({**params, "preset": "huge"})


def test_unknown_top_level_key(params):
    with pytest.raises(ConfigError, match=r"unknown top-level key\(s\) \['trian'\]"):
        resolve({**params, "trian": {}})


def test_invalid_choice_lists_choices(params):
    with pytest.raises(ConfigError, match=r"memory\.similarity.*'dot' or 'cosine'"):
        resolve({**params, "memory": {"similarity": "l3"}})


def test_heads_must_divide_width(params):
    with pytest.raises(ConfigError, match=r"d_model.*divisible.*num_heads"):
        resolve({**params, "model": {"d_model": 30, "num_heads": 4}})


def test_malformed_and_missing_files(tmp_path):
    bad = tmp_path / "params.yaml"
    bad.write_text("preset: demo\ntrain: [unclosed\n")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_params(bad)
    with pytest.raises(ConfigError, match="not found"):
        load_params(tmp_path / "absent.yaml")


def test_registered_section_errors_name_the_key(params):
    import hsokv.benchmarks.words  # noqa: F401  (registers eval and ablation)
    with pytest.raises(ConfigError, match=r"eval\.batch_sise: unknown key; valid keys here: batch_size"):
        resolve({**params, "eval": {"batch_sise": 8}})
    with pytest.raises(ConfigError, match=r"eval\.batch_size: .*greater than or equal to 1 \(got 0\)"):
        resolve({**params, "eval": {"batch_size": 0}})


def test_a_misspelt_section_inside_a_preset_is_refused(params):
    """`presets.demo.continuel` left the demo's continual section at the code's defaults (resnet18, 50 epochs)."""
    params["presets"]["demo"]["continuel"] = params["presets"]["demo"].pop("continual")
    with pytest.raises(ConfigError, match=r"presets.demo.continuel: not a section of this file; valid: .*'continual'"):
        resolve({**params, "preset": "demo"})


@pytest.mark.parametrize("dimension, message", [
    ({"optimizer": {"choices": ["adam", "lion"]}}, r"swarm.space.optimizer: 'lion' is not a valid train.optimizer"),
    # an out-of-range end failed only when a trial happened to draw past it, as a raw pydantic traceback
    ({"learning_rate": {"low": 1e-4, "high": 5.0, "log": True}}, r"swarm.space.learning_rate: 5.0 is not a valid train.learning_rate"),
])
def test_every_value_the_search_may_set_is_valid_for_its_field(params, dimension, message):
    params["swarm"]["space"] = {**{"optimizer": {"choices": ["adam"]}, "learning_rate": {"low": 1e-4, "high": 1e-2, "log": True},
                                   "dropout": {"low": 0.0, "high": 0.3}}, **dimension}
    with pytest.raises(ConfigError, match=message):
        resolve(params)
