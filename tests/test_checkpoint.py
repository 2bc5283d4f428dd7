"""Checkpoints: safetensors + JSON only; every broken file is refused with its name."""
import pickle
import shutil

import pytest
import torch

from hsokv.benchmarks.words.lifecycle import Lifecycle
from hsokv.config import MemoryConfig, ModelConfig
from hsokv.tokenizer import fit_tokenizer
from hsokv.errors import CheckpointError
from hsokv.model import TransformerWithKV, load_pretrained

CFG = ModelConfig(num_layers=1, d_model=16, num_heads=2, ff_dim=32)


@pytest.fixture
def saved(tmp_path):
    tok = fit_tokenizer(["Ada walked to the station.", "A blorp means a small lamp."])
    model = TransformerWithKV(tok.get_vocab_size(), 3, 12, CFG, MemoryConfig(capacity=8), [Lifecycle()])
    ids = torch.tensor([[2, 3, 4, 5, 0, 0, 0, 0, 0, 0, 0, 0], [6, 7] + [0] * 10])
    model.memory.add(model.encoder(ids).detach(), 3, label=torch.tensor([0, 2]), tokens=ids, source=torch.arange(2),
                     confidence=torch.tensor([0.5, 1.0]), first_exposure=torch.tensor([False, True]),
                     domain=torch.tensor([-1, 1]))
    return model.eval().save_pretrained(tmp_path / "ckpt", tok), model.eval(), ids


def test_round_trip_is_exact(saved):
    path, model, ids = saved
    loaded, _, config = load_pretrained(path)
    assert config["num_labels"] == 3 and len(loaded.memory) == 2 and loaded.memory.writes == 2
    for name, tensor in model.memory.state_dict().items():  # every value the lifecycle declared, too
        assert torch.equal(tensor, loaded.memory.state_dict()[name]), name
    with torch.no_grad():
        assert torch.equal(model.head(model.encoder(ids)), loaded.head(loaded.encoder(ids)))


@pytest.mark.parametrize("name", ["config.json", "model.safetensors", "kv_memory.safetensors", "tokenizer.json"])
def test_missing_file_is_named(saved, name):
    path = saved[0]
    (path / name).unlink()
    with pytest.raises(CheckpointError, match=f"missing {name}"):
        load_pretrained(path)


def test_truncated_weights_are_named(saved):
    path = saved[0]
    data = (path / "model.safetensors").read_bytes()
    (path / "model.safetensors").write_bytes(data[: len(data) // 2])
    with pytest.raises(CheckpointError, match="model.safetensors: not a readable safetensors file"):
        load_pretrained(path)


@pytest.mark.parametrize("writer", ["pickle", "torch.save"])
def test_pickle_payload_is_refused_before_reading(saved, writer):
    path = saved[0]
    target = path / "kv_memory.safetensors"
    if writer == "pickle":
        target.write_bytes(pickle.dumps({"keys": [1, 2]}))
    else:
        torch.save({"keys": torch.zeros(2)}, target)
    with pytest.raises(CheckpointError, match="kv_memory.safetensors: a pickle / torch.save payload"):
        load_pretrained(path)


def test_tokenizer_that_does_not_match_the_model(saved, tmp_path):
    path = saved[0]
    fit_tokenizer(["a completely different and much longer vocabulary list here"]).save(str(path / "tokenizer.json"))
    with pytest.raises(CheckpointError, match="tokenizer.json: vocabulary of .* do not match"):
        load_pretrained(path)


def test_failed_save_leaves_the_old_checkpoint(saved):
    path, model, _ = saved
    before = (path / "model.safetensors").read_bytes()
    with pytest.raises(AttributeError):
        model.save_pretrained(path, None)  # no tokenizer: fails mid-way
    assert (path / "model.safetensors").read_bytes() == before
    shutil.rmtree(path)


def test_from_pretrained_classmethod_predicts_identically(saved):
    path, model, ids = saved
    loaded = TransformerWithKV.from_pretrained(path)
    assert not loaded.training
    with torch.no_grad():
        assert torch.equal(model.head(model.encoder(ids)), loaded.head(loaded.encoder(ids)))
