"""The research runner (one process per backbone, committed JSON) and the words_research report."""
import importlib.metadata
import json

import pytest
import torch

from hsokv.benchmarks.words import research
from hsokv.benchmarks.glue.sentences import frozen_sentences
from hsokv.benchmarks.words.research_report import collect, markdown
from hsokv.config import ConfigError, resolve
from hsokv.errors import BackboneError


@pytest.fixture(scope="module")
def cfg():
    from conftest import REPO
    return resolve({"preset": "t", "presets": {"t": {"seeds": [0, 1], "data": {"num_words": 24},
                                                      "train": {"epochs": 2}}},
                    "data": {"word_specs": str(REPO / "data/rare_words.yaml")}})


def _fake(texts):
    return torch.stack([torch.nn.functional.one_hot(torch.tensor([ord(c) % 13 for c in t]), 13).float().mean(0)
                        for t in texts])


@pytest.fixture(scope="module")
def runs(cfg, tmp_path_factory):
    out = tmp_path_factory.mktemp("runs")
    from hsokv.benchmarks.words.inputs import SentenceEncoder
    research.run(cfg, SentenceEncoder("fake", 13, _fake), ["knn"], out, "abc123", log=lambda s: None)
    research.run(cfg, "text", ["lookup"], out, "abc123", log=lambda s: None)
    return out


def test_the_runner_writes_every_seed_with_its_provenance(runs):
    r = json.loads((runs / "fake/knn.json").read_text())
    assert [s["seed"] for s in r["seeds"]] == [0, 1] and r["commit"] == "abc123" and r["torch"] == torch.__version__
    assert len(r["seeds"][0]["history"]) == 1 and "recall" in r["seeds"][0]["tasks"]
    assert 0.0 <= json.loads((runs / "fake/ceiling.json").read_text())["ceiling"]["recall"] <= 1.0
    assert not (runs / "text/ceiling.json").exists()   # the lexical controls read no encoder


def test_the_report_puts_every_backbone_and_method_in_one_table(runs):
    m = collect(runs)
    assert sorted(m["methods"]) == ["fake/knn", "text/lookup"] and m["seeds"] == [0, 1]
    assert m["methods"]["text/lookup"]["tasks"]["recognition"]["one_shot_accuracy"]["mean"] == 1.0
    text = markdown(m)
    assert "| fake | " in text and "## On `fake`" in text and "| text/lookup |" in text and "abc123" in text
    assert f"Committed runs ({runs.as_posix()}/)" in text   # the folder it read, not a fixed one


def test_the_report_refuses_runs_over_different_seeds(runs, tmp_path):
    for f in ("fake/knn.json", "text/lookup.json"):
        (tmp_path / f).parent.mkdir(exist_ok=True)
        r = json.loads((runs / f).read_text())
        r["seeds"] = r["seeds"][:1] if f.startswith("fake") else r["seeds"]
        (tmp_path / f).write_text(json.dumps(r))
    with pytest.raises(ConfigError, match="different seeds"):
        collect(tmp_path)
    with pytest.raises(ConfigError, match="no run results"):
        collect(tmp_path / "none")


def test_an_unknown_method_is_refused_before_anything_runs(cfg, tmp_path):
    with pytest.raises(ConfigError, match="'nope' is unknown"):
        research.run(cfg, "text", ["nope"], tmp_path, "x")
    assert not any(tmp_path.iterdir())


def test_mpnet_missing_names_the_install_command(cfg, monkeypatch):
    from hsokv.benchmarks.glue.backbones import mpnet
    real = importlib.metadata.distribution

    def missing(name):
        if name.startswith("all-mpnet-base-v2"):
            raise importlib.metadata.PackageNotFoundError(name)
        return real(name)
    monkeypatch.setattr(importlib.metadata, "distribution", missing)
    monkeypatch.setattr(mpnet, "_load_mpnet", mpnet._load_mpnet.__wrapped__)   # not a copy loaded earlier
    monkeypatch.setenv("HSOKV_MODEL_CACHE", "/nonexistent-cache-for-test")
    with pytest.raises(BackboneError, match=r"requirements-research.txt"):
        frozen_sentences("mpnet", cfg)


def test_mpnet_encodes_sentences_when_installed(cfg):
    from hsokv.benchmarks.glue.backbones import mpnet
    try:
        mpnet.check_installed()
    except BackboneError as err:
        pytest.skip(f"mpnet is optional and not installed here: {err}")
    dim, encode = frozen_sentences("mpnet", cfg)
    v = encode(["A trowel painted bright yellow.", "A yellow garden trowel.", "The court adjourned."])
    assert dim == 768 and v.shape == (3, 768)
    sims = torch.nn.functional.normalize(v, dim=-1) @ torch.nn.functional.normalize(v, dim=-1).T
    assert sims[0, 1] > sims[0, 2] + 0.2   # paraphrases nearer than an unrelated sentence
