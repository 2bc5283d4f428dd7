"""Property: a bad value at any params.yaml key never gets past a stage's params loader unnamed
(issue 17, Deliver 3).

Hypothesis draws a stage, a key of params.yaml (every leaf, presets included) and a bad value
(wrong type, NaN, infinity, negative, huge, an unknown name, an empty list, a mapping, a boolean).
Through that stage's own loader (load_params with its READS, or its sub-preset resolver) the value
is either accepted as valid for the key, or refused with a HsokvError that names the key; and
when refused, the stage itself (its `__main__`, through hsokv.cli.run_stage) exits 2 with
`error: ...` naming the key, before it touches the workspace. No training runs: a stage is started
only with params its loader has refused. NaN and infinity, valid nowhere, must be refused at every
key a run uses (`test_non_finite_refused_at_every_key`).
"""
from __future__ import annotations

import contextlib
import copy
import hashlib
import importlib
import io
import math
import os
import runpy
import signal
import sys
from pathlib import Path

import pytest
import yaml

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings, strategies as st  # noqa: E402

from conftest import REPO  # noqa: E402
from hsokv.config import load_params, read_params, restrict  # noqa: E402
from hsokv.errors import HsokvError  # noqa: E402

PARAMS = yaml.safe_load((REPO / "params.yaml").read_text(encoding="utf-8"))
Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def _synthetic(path):
    from stages.synthetic import reads
    return load_params(path, reads("hsokv"))


def _ablation(path):
    from hsokv.benchmarks.words.ablations import ablation_config
    from stages.ablation import READS
    return restrict(ablation_config(read_params(path), "full", str(path)), READS)


def _search(module):
    def load(path):
        from hsokv.config import search_config
        return restrict(search_config(read_params(path), str(path)), importlib.import_module(module).READS)
    return load


# stage -> (its loader, the arguments its command line needs). Every stage that reads params is here
# (test_every_stage_that_reads_params_is_covered).
STAGES = {
    "check_sources": (None, []), "prepare_synthetic": (None, []), "synthetic": (_synthetic, ["--method", "hsokv"]),
    "evaluate": (None, []), "ablation": (_ablation, []), "report_ablation": (None, []),
    "memory_scale": (None, []), "search": (_search("stages.search"), ["--strategy", "swarm"]),
    "report_search": (None, []), "search_backends": (_search("stages.search_backends"), []),
    "download_glue": (None, ["--task", "SST-2"]), "glue": (None, ["--task", "SST-2"]), "report_glue": (None, []),
    "download_lm_corpus": (None, []), "language_model": (None, []), "download_cifar": (None, []),
    "continual": (None, []), "distributed": (None, []),
    "download_search_sst2": (None, []), "sst2_vectors": (None, []),
    "search_sst2": (None, ["--strategy", "swarm"]), "report_search_sst2": (None, []),
    "meaning_vectors": (None, []), "search_meaning": (None, ["--strategy", "swarm"]),
    "report_search_meaning": (None, []), "search_continual": (None, ["--strategy", "swarm"]),
    "report_search_continual": (None, []),
}


def loader(stage: str):
    custom, _ = STAGES[stage]
    if custom:
        return custom
    module = importlib.import_module(f"stages.{stage}")
    return lambda path: load_params(path, module.READS)


def leaves(tree: dict, prefix: tuple = ()) -> list[tuple]:
    out = []
    for key, value in tree.items():
        out += leaves(value, prefix + (key,)) if isinstance(value, dict) and value else [prefix + (key,)]
    return out


KEYS = leaves(PARAMS)
ACTIVE = [k for k in KEYS if k[0] != "presets" or k[1] == PARAMS["preset"]]


def dotted(key: tuple) -> str:
    return ".".join(map(str, key))


def names_the_key(message: str, key: tuple) -> bool:
    """The message names the key: as written, or as the section key a preset's value fills (a
    preset's model.d_model is checked as model.d_model); a range spec ({low, high}) may be named
    as a whole."""
    own = key[2:] if key[0] == "presets" else key
    candidates = [dotted(key), dotted(own)] + ([dotted(own[:-1])] if len(own) >= 3 else [])
    return any(c in message for c in candidates)


def with_value(key: tuple, value) -> dict:
    params = copy.deepcopy(PARAMS)
    node = params
    for part in key[:-1]:
        node = node[part]
    node[key[-1]] = value
    return params


def snapshot(root: Path) -> dict:
    return {str(p.relative_to(root)): (hashlib.sha256(p.read_bytes()).hexdigest() if p.is_file() else "dir")
            for p in sorted(root.rglob("*"))}


@pytest.fixture(scope="module")
def workspace(tmp_path_factory):
    """A workspace with outputs from an earlier run (their contents must survive a refused run)."""
    root = tmp_path_factory.mktemp("workspace")
    for path, text in {"results/synthetic/hsokv.json": '{"seeds": []}\n', "models/hsokv/seed_0/config.json": "{}\n",
                       "metrics/synthetic.json": "{}\n", "data/synthetic/seed_0/splits.json": "{}\n"}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    return root


def run_stage_main(stage: str, params: Path, cwd: Path) -> tuple[int, str]:
    """The stage's `python -m stages.<stage> --params ...`, in this process: (exit code, stderr)."""
    argv, handler, old_cwd = sys.argv, signal.getsignal(signal.SIGTERM), Path.cwd()
    sys.argv = [stage, *STAGES[stage][1], "--params", str(params)]
    err = io.StringIO()
    try:
        os.chdir(cwd)
        with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exit_:
            runpy.run_path(str(REPO / "stages" / f"{stage}.py"), run_name="__main__")
    finally:
        sys.argv = argv
        signal.signal(signal.SIGTERM, handler)
        os.chdir(old_cwd)
    return exit_.value.code, err.getvalue()


NON_FINITE = [math.nan, math.inf, -math.inf]
BAD = st.one_of(
    st.sampled_from(NON_FINITE),
    st.integers(max_value=-1), st.floats(max_value=-1e-6, allow_nan=False, allow_infinity=False),
    st.integers(min_value=10**9, max_value=10**30), st.floats(min_value=1e9, allow_nan=False, allow_infinity=False),
    st.text("abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8).map(lambda s: f"no_such_{s}"),
    st.lists(st.text("xyz", min_size=1, max_size=3).map(lambda s: f"unknown_{s}"), max_size=2),
    st.just({"unexpected": 1}), st.booleans(),
)


@settings(max_examples=100, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
@given(stage=st.sampled_from(sorted(STAGES)), key=st.sampled_from(KEYS), value=BAD, data=st.data())
def test_bad_value_is_refused_naming_the_key_or_accepted(stage, key, value, data, workspace, tmp_path_factory):
    params = tmp_path_factory.mktemp("params") / "params.yaml"
    params.write_text(yaml.dump(with_value(key, value), Dumper=Dumper))
    try:
        loader(stage)(params)
    except HsokvError as err:
        assert names_the_key(str(err), key), f"{stage}: {dotted(key)} = {value!r} refused without naming it: {err}"
    else:
        # Accepted, so valid for this key (NaN and infinity never are, where a run uses the key).
        assert not (key in ACTIVE and value in NON_FINITE), f"{stage}: {dotted(key)} = {value!r} accepted"
        return
    # Refused at load: the stage itself must exit 2 naming the key, and leave the workspace as it was.
    # (A few examples only: each runs the stage's command line in this process.)
    if data.draw(st.integers(0, 5), label="also run the stage") == 0:
        before = snapshot(workspace)
        code, stderr = run_stage_main(stage, params, workspace)
        assert code == 2 and stderr.startswith("error: ") and names_the_key(stderr, key), (stage, dotted(key), stderr)
        assert snapshot(workspace) == before


def test_non_finite_refused_at_every_key():
    """Every key a run uses (all but other presets' values), NaN and infinity: refused, named."""
    from hsokv.config import resolve
    from hsokv.errors import ConfigError

    for key in ACTIVE:
        if key == ("preset",):
            continue
        for value in NON_FINITE:
            with pytest.raises(ConfigError) as err:
                resolve(with_value(key, value))
            assert names_the_key(str(err.value), key), (dotted(key), str(err.value))


def test_every_stage_that_reads_params_is_covered():
    scripts = {p.stem for p in (REPO / "stages").glob("*.py") if p.stem != "__init__"}
    modules = {s: importlib.import_module(f"stages.{s}") for s in scripts}
    reading = {s for s, m in modules.items() if getattr(m, "READS", ()) or hasattr(m, "reads")}
    assert reading == set(STAGES), f"add to STAGES: {sorted(reading - set(STAGES))}; gone: {sorted(set(STAGES) - reading)}"


@pytest.mark.parametrize("key", [("preset",), ("memory", "policy"), ("ablation", "preset"), ("swarm", "preset")])
@pytest.mark.parametrize("value", [[], ["demo"], {"demo": 1}])
def test_a_name_key_given_a_list_or_mapping_is_refused(key, value):
    """These were looked up in a dict before any check: a TypeError traceback (unhashable)."""
    from hsokv.config import resolve
    from hsokv.errors import ConfigError

    with pytest.raises(ConfigError, match=dotted(key).replace(".", r"\.")):
        resolve(with_value(key, value))
