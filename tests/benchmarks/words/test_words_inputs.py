"""Frozen sentence vectors: encoded once per process, and kept in a file between runs."""
import pytest
import torch

from hsokv.benchmarks.words import inputs
from hsokv.benchmarks.words.inputs import SentenceEncoder, load_vectors, save_vectors, sentence_vectors
from hsokv.errors import BackboneError


def _counting(name: str, calls: list):
    def encode(texts):
        calls.append(list(texts))
        return torch.tensor([[float(len(t)), 1.0] for t in texts])
    return SentenceEncoder(name, 2, encode)


def test_each_sentence_is_encoded_once_and_survives_a_file(tmp_path, monkeypatch):
    monkeypatch.setattr(inputs, "_VECTORS", {})
    calls = []
    enc = _counting("count-a", calls)
    first = sentence_vectors(enc, ["ab", "abc", "ab"])
    sentence_vectors(enc, ["abc", "abcd"])
    assert calls == [["ab", "abc"], ["abcd"]] and first[:, 0].tolist() == [2.0, 3.0, 2.0]
    assert save_vectors(tmp_path / "v.safetensors", "count-a") == 3
    monkeypatch.setattr(inputs, "_VECTORS", {})
    assert load_vectors(tmp_path / "v.safetensors", "count-a") == 3
    assert torch.equal(sentence_vectors(enc, ["abcd", "ab"]), torch.tensor([[4.0, 1.0], [2.0, 1.0]]))
    assert len(calls) == 2   # nothing encoded again
    with pytest.raises(BackboneError, match="vectors of backbone 'count-a', not 'count-b'"):
        load_vectors(tmp_path / "v.safetensors", "count-b")
