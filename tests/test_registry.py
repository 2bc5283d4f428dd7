"""One Registry class: names, lookup, and config name fields checked against it at load time."""
import pytest

from hsokv.config import ConfigError, resolve
from hsokv.registry import Registry


def test_register_get_names_contains_iterate():
    things = Registry("thing")

    @things.register("b")
    class B:
        pass

    things.register("a")(len)
    assert things.get("b") is B and B.name == "b" and things.get("a") is len
    assert things.names() == ["a", "b"] and list(things) == ["a", "b"] and len(things) == 2
    assert "a" in things and "c" not in things
    with pytest.raises(ConfigError, match=r"^unknown thing 'c'; valid: a, b$"):
        things.get("c")
    with pytest.raises(ValueError, match="registered twice"):
        things.register("a")(max)


def _params(**sections):
    return {"preset": "t", "presets": {"t": {"seeds": [0]}}, **sections}


def test_config_checks_names_against_loaded_registries():
    import hsokv.benchmarks.glue.protocol  # noqa: F401  (loads the GLUE methods and backbones)
    import hsokv.benchmarks.rl.config  # noqa: F401
    import hsokv.benchmarks.rl.policies  # noqa: F401  (loads POLICIES)
    import hsokv.search.backends  # noqa: F401
    import hsokv.search.strategies  # noqa: F401
    with pytest.raises(ConfigError, match=r"glue\.methods: unknown 'x'; valid: finetune, hsokv, hsokv_anchor, hsokv_anchor_mix, hsokv_anchor_transductive, hsokv_proto, "
                       r"hsokv_proto_transductive, hsokv_relation, knn, kv_only, logreg, majority, relation_knn, relation_logreg, "
                       r"relation_logreg_lowdim, setfit, zero_shot"):
        resolve(_params(glue={"methods": ["hsokv", "x"]}))
    with pytest.raises(ConfigError, match=r"glue\.backbones: unknown 'bert'; valid: minilm, mpnet, scratch"):
        resolve(_params(glue={"backbones": ["bert"]}))
    with pytest.raises(ConfigError, match=r"swarm\.strategies: unknown 'bayes'; valid: asha, default, grid, optuna_tpe, pbt, random, swarm"):
        resolve(_params(swarm={"strategies": ["bayes"]}))
    with pytest.raises(ConfigError, match=r"swarm\.backend: unknown 'dask'; valid: multiprocessing, ray, serial, simulate$"):
        resolve(_params(swarm={"backend": "dask"}))
    with pytest.raises(ConfigError, match=r"swarm\.timing_backends: unknown 'dask'"):
        resolve(_params(swarm={"timing_backends": ["serial", "dask"]}))
    with pytest.raises(ConfigError, match=r"distributed\.policy: unknown 'cnn'; valid: linear, mlp"):
        resolve(_params(distributed={"policy": "cnn"}))
    with pytest.raises(ConfigError, match=r"distributed\.backend: unknown 'dask'; valid: auto, multiprocessing, ray, serial, simulate$"):
        resolve(_params(distributed={"backend": "dask"}))
    assert resolve(_params(distributed={"backend": "auto", "policy": "mlp"})).distributed.policy == "mlp"
