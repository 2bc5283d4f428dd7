import os
import shutil
import sys
from pathlib import Path

# The suite runs on two workers sharing two cores (pyproject.toml): one torch/OpenMP thread in each,
# and in every stage a test starts, so they do not oversubscribe the cores, and CPU kernels reduce
# in one fixed order, so an exact-equality test does not depend on which test ran before it in the
# same worker (tests that set their own thread count still may). Set before anything imports torch.
os.environ["OMP_NUM_THREADS"] = "1"
# The same CPU kernels as the stages (stages/__init__.py), so a test's exact figures hold on any x86-64 CPU.
from hsokv.cpu_kernels import pin  # noqa: E402

pin()

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


@pytest.fixture(scope="module")
def backbone_cfg():
    """A one-layer, 16-wide scratch model's params: GLUE backbones build in a blink."""
    return resolve({"preset": "t", "presets": {"t": {"seeds": [0], "model": {"num_layers": 1, "d_model": 16,
                                                                             "num_heads": 2, "ff_dim": 32}}}})


def write_specs(path: Path, specs: list[dict]) -> Path:
    path.write_text(yaml.safe_dump(specs, sort_keys=False))
    return path


@pytest.fixture
def ten_words():
    """A valid spec list of exactly ten invented words, none of them from the shipped files."""
    return [{"word": f"blorp{i}", "definition": f"a thing of kind {i}", "domain": "general",
             "usages": [f"Sentence {j} uses blorp{i} in context {i}." for j in range(5)]} for i in range(10)]


SMALL_SWARM = {"num_managers": 2, "agents_per_manager": 2, "meta_iterations": 3, "agent_steps": 2,
               "configs_per_region": 3, "eta": 3, "rungs": 2, "plateau_patience": 1, "backend": "serial"}


@pytest.fixture(scope="session")
def search_task():
    """(config, SearchTask) for a tiny model on 40 words, with a small swarm: seconds per search."""
    from hsokv.benchmarks.words.data import build_splits
    from hsokv.tokenizer import fit_tokenizer
    from hsokv.benchmarks.words.specs import load_word_specs
    from hsokv.benchmarks.words.objective import make_task
    cfg = resolve({"preset": "t", "presets": {"t": {
        "seeds": [0], "data": {"num_words": 40},
        "model": {"num_layers": 1, "d_model": 16, "num_heads": 2, "ff_dim": 32}}},
        "data": {"word_specs": str(REPO / "data/rare_words.yaml")}, "device": "cpu", "swarm": SMALL_SWARM})
    splits = build_splits(load_word_specs(cfg.data.word_specs), cfg.data, 0)
    return cfg, make_task(splits, fit_tokenizer(splits.training_text()), cfg)


@pytest.fixture(autouse=True, scope="module")
def fresh_sentence_vectors():
    """The word benchmark's frozen-vector cache lives for the process, keyed by encoder name (a real
    encoder's name says which model it is); test modules make their own fake encoders under reused
    names, so every module starts with the cache empty."""
    inputs = sys.modules.get("hsokv.benchmarks.words.inputs")
    if inputs is not None:
        inputs._VECTORS.clear()
    yield


def pytest_collection_modifyitems(items):
    """The end-to-end pipeline file is the longest (over half the suite): it starts first, so that
    with two workers every other file runs beside it rather than after it."""
    items.sort(key=lambda item: not item.nodeid.startswith("tests/test_pipeline.py::"))


def write_sst2_k_shot(root: Path, seeds, per_class: int = 16) -> Path:
    """root/SST-2 in LM-BFF's layout: per seed a k-shot train.tsv and a dev.tsv of other rows (no example
    in both, as in LM-BFF's files), and the 5-sentence fixture as GLUE's dev set. Returns root/SST-2."""
    def rows(good: str, bad: str) -> str:
        return "\n".join(["sentence\tlabel"] + [f"{good} film {i}\t1" for i in range(per_class)]
                         + [f"{bad} film {i}\t0" for i in range(16)]) + "\n"
    for seed in seeds:
        folder = root / "SST-2" / "k_shot" / f"16-{seed}"
        folder.mkdir(parents=True)
        (folder / "train.tsv").write_text(rows("good", "bad"))
        (folder / "dev.tsv").write_text(rows("fine", "poor"))
    shutil.copy(REPO / "tests" / "fixtures" / "glue" / "sst2_dev.tsv", root / "SST-2" / "dev.tsv")
    return root / "SST-2"


def fake_sentence_encoder():
    """A pretrained encoder's interface at test speed: a sentence is the mean of hashed-character
    embeddings."""
    import torch
    from hsokv.benchmarks.words.inputs import SentenceEncoder
    emb = torch.nn.EmbeddingBag(51, 16, mode="mean")
    return SentenceEncoder("fake", 16, lambda texts: torch.stack(
        [emb(torch.tensor([[ord(c) % 51 for c in t]]))[0].detach() for t in texts]))


# Timing lives in keys of its own; every other figure of a rerun must repeat exactly.
TIMING_KEYS = ("wall_seconds", "timing", "tokens_per_second", "train_tokens_per_second")


def without_timing(obj):
    """A result (dicts and lists of them) without its timing keys, for comparing reruns."""
    if isinstance(obj, dict):
        return {k: without_timing(v) for k, v in obj.items() if k not in TIMING_KEYS}
    if isinstance(obj, list):
        return [without_timing(v) for v in obj]
    return obj
