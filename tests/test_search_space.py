import numpy as np
import pytest

from hsokv.config import ConfigError, resolve
from hsokv.search.config import DimensionSpec
from hsokv.search.space import SearchSpace, apply, distance, mean_pairwise_distance


def _space():
    return SearchSpace({"optimizer": DimensionSpec(choices=["sgd", "adam", "adamw", "rmsprop"]),
                        "learning_rate": DimensionSpec(low=1e-4, high=1e-2, log=True),
                        "dropout": DimensionSpec(low=0.0, high=0.3),
                        "top_k": DimensionSpec(low=1, high=8, integer=True)})


def test_decode_maps_unit_cube_to_values():
    v = _space().decode(np.array([0.0, 0.5, 1.0, 0.5]))
    assert v["optimizer"] == "sgd" and v["learning_rate"] == pytest.approx(1e-3)
    assert v["dropout"] == pytest.approx(0.3) and v["top_k"] in (4, 5) and isinstance(v["top_k"], int)
    assert _space().decode(np.array([0.99, 0, 0, 0]))["optimizer"] == "rmsprop"


def test_encode_inverts_decode():
    space = _space()
    values = {"optimizer": "adamw", "learning_rate": 3e-3, "dropout": 0.1, "top_k": 3}
    assert space.decode(space.encode(values)) == {**values, "learning_rate": pytest.approx(3e-3),
                                                  "dropout": pytest.approx(0.1)}


def test_distance_is_normalised_to_the_diagonal():
    assert distance(np.zeros(4), np.ones(4)) == pytest.approx(1.0)
    assert distance(np.zeros(4), np.zeros(4)) == 0.0
    assert mean_pairwise_distance([np.zeros(2), np.ones(2), np.zeros(2)]) == pytest.approx(2 / 3)


def test_apply_sets_each_section(tiny_cfg):
    cfg = apply(tiny_cfg, {"optimizer": "sgd", "dropout": 0.2, "top_k": 3})
    assert (cfg.train.optimizer, cfg.model.dropout, cfg.memory.top_k) == ("sgd", 0.2, 3)
    assert cfg.train.learning_rate == tiny_cfg.train.learning_rate


def _with_swarm(params, **swarm):
    return {**params, "swarm": {**params["swarm"], **swarm}}


def test_unknown_hyperparameter_is_named(params):
    with pytest.raises(ConfigError, match=r"swarm.*unknown hyperparameter\(s\) \['momentum'\]"):
        resolve(_with_swarm(params, space={"momentum": {"low": 0.1, "high": 0.9}}))


@pytest.mark.parametrize("spec, message", [
    ({"low": 0.5, "high": 0.1}, "low < high"),
    ({"low": 0.0, "high": 1.0, "log": True}, "low > 0"),
    ({"choices": ["sgd"], "low": 0.1}, "either choices or low/high"),
])
def test_bad_dimension_specs(params, spec, message):
    with pytest.raises(ConfigError, match=message):
        resolve(_with_swarm(params, space={"learning_rate": spec}))


def test_heatmap_dims_must_be_searched(params):
    with pytest.raises(ConfigError, match="which swarm.space does not search"):
        resolve(_with_swarm(params, heatmap_dims=["learning_rate", "top_k"]))
