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
    assert save_vectors(tmp_path / "cache" / "v.safetensors", "count-a") == 3
    monkeypatch.setattr(inputs, "_VECTORS", {})
    assert load_vectors(tmp_path / "cache" / "v.safetensors", "count-a") == 3   # save made the folder
    assert torch.equal(sentence_vectors(enc, ["abcd", "ab"]), torch.tensor([[4.0, 1.0], [2.0, 1.0]]))
    assert len(calls) == 2   # nothing encoded again
    with pytest.raises(BackboneError, match="vectors of backbone 'count-a', not 'count-b'"):
        load_vectors(tmp_path / "cache" / "v.safetensors", "count-b")


def _wide(name: str, dim: int, width: int | None = None):
    return SentenceEncoder(name, dim, lambda texts: torch.ones(len(texts), dim if width is None else width))


def test_one_name_two_widths_is_refused_naming_both(tmp_path, monkeypatch):
    """The cache is keyed by encoder name: a second encoder of another width under the same name (a
    test's fake reusing a real encoder's name) is refused, before anything of it is cached, with the
    name, both widths and what to do; a file of another width likewise."""
    monkeypatch.setattr(inputs, "_VECTORS", {})
    sentence_vectors(_wide("enc", 4), ["a", "b"])
    with pytest.raises(BackboneError, match=r"encoder 'enc': the encoder given declares vectors 3 wide, but this "
                                            r"process already holds vectors 4 wide.*own name.*clear the cache"):
        sentence_vectors(_wide("enc", 3), ["a"])      # every sentence cached: would have returned 4-wide vectors
    with pytest.raises(BackboneError, match="3 wide.*4 wide"):
        sentence_vectors(_wide("enc", 3), ["c"])      # nothing cached: would have mixed widths in the cache
    assert inputs.cached_vectors("enc") == 2
    assert sentence_vectors(_wide("other", 3), ["a"]).shape == (1, 3)   # another name: its own width
    assert save_vectors(tmp_path / "v3.safetensors", "other") == 1
    monkeypatch.setattr(inputs, "_VECTORS", {})
    sentence_vectors(_wide("other", 5), ["b"])
    with pytest.raises(BackboneError, match=r"encoder 'other': .*v3.safetensors holds vectors 3 wide.*5 wide"):
        load_vectors(tmp_path / "v3.safetensors", "other")
    assert inputs.cached_vectors("other") == 1


def test_an_encoder_of_another_width_than_it_declares_is_refused(monkeypatch):
    monkeypatch.setattr(inputs, "_VECTORS", {})
    with pytest.raises(BackboneError, match="encoder 'liar': declares dim 4 but encoded vectors 6 wide"):
        sentence_vectors(_wide("liar", 4, width=6), ["a"])
    assert inputs.cached_vectors("liar") == 0


def test_meaning_sentences_are_the_statements_with_their_words_replaced(tiny_cfg):
    from hsokv.benchmarks.words.data import build_splits
    from hsokv.benchmarks.words.inputs import meaning_sentences, split_sentences
    from hsokv.benchmarks.words.specs import load_word_specs
    splits = build_splits(load_word_specs(tiny_cfg.data.word_specs), tiny_cfg.data, 0, tiny_cfg.synthetic.candidates)
    found = split_sentences(splits)
    forms = meaning_sentences(found)
    assert len(forms) == len(splits.words) and forms == sorted(forms)
    assert all(f.startswith("Something means ") and f not in found for f in forms)
    from conftest import fake_sentence_encoder
    from hsokv.benchmarks.words.inputs import SentenceInputs
    # not in the inputs' table: its size sets every method's first random draws
    assert SentenceInputs(fake_sentence_encoder(), splits).vocab_size == len(found) + 1
