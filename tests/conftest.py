from pathlib import Path

import pytest
import yaml

from hsokv.config import resolve

REPO = Path(__file__).resolve().parents[1]


@pytest.fixture
def params():
    """The repository's params.yaml as a dict (tests edit copies of it)."""
    return yaml.safe_load((REPO / "params.yaml").read_text())


@pytest.fixture
def tiny_cfg():
    return resolve({"preset": "t", "presets": {"t": {
        "seeds": [0], "data": {"num_words": 40},
        "model": {"num_layers": 1, "d_model": 32, "num_heads": 2, "ff_dim": 64},
        "train": {"epochs": 6, "learning_rate": 3e-3}}}, "data": {"word_specs": str(REPO / "data/rare_words.yaml")}})


def write_specs(path: Path, specs: list[dict]) -> Path:
    path.write_text(yaml.safe_dump(specs, sort_keys=False))
    return path


@pytest.fixture
def ten_words():
    """A valid spec list of exactly ten invented words, none of them from the shipped files."""
    return [{"word": f"blorp{i}", "definition": f"a thing of kind {i}", "domain": "general",
             "usages": [f"Sentence {j} uses blorp{i} in context {i}." for j in range(5)]} for i in range(10)]
