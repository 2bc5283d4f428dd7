"""Corpus files: what is refused (with the file's name), how lines split, the default corpus."""
import pytest

from conftest import REPO
from hsokv.data.lm_corpus import CorpusError, generate_corpus, read_corpus, split_lines
from hsokv.data.words import load_word_specs


def test_reads_non_blank_lines(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("first line\n\n  second line  \r\nthird — ünïcode\n", encoding="utf-8")
    assert read_corpus(path) == ["first line", "second line", "third — ünïcode"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"), (b" \n\n\t\n", "empty"),
    (b"text\x00\x01\x02binary", "looks binary"),
    ("caf\xe9 latin-1\n".encode("latin-1"), "not UTF-8 .byte 3, line 1"),
])
def test_unusable_corpus_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=f"corpus.txt: {message}"):
        read_corpus(path)


def test_missing_corpus_names_the_key(tmp_path):
    with pytest.raises(CorpusError, match="nope.txt: language-model corpus not found .data.lm_corpus"):
        read_corpus(tmp_path / "nope.txt")


def test_split_keeps_file_order_and_disjoint_lines():
    lines = [f"line {i}" for i in range(20)]
    train, valid, test = split_lines(lines, 0.1, 0.2)
    assert train == lines[:14] and valid == lines[14:16] and test == lines[16:]


def test_too_few_lines_to_split():
    with pytest.raises(CorpusError, match="my.txt: 3 line.s. cannot be split"):
        split_lines(["a", "b", "c"], 0.1, 0.1, "my.txt")


def test_committed_default_corpus_is_the_generator_s_and_held_out_sentences_stay_out_of_training():
    specs = load_word_specs(REPO / "data/rare_words.yaml")
    text = generate_corpus(specs)
    assert (REPO / "data/lm_corpus.txt").read_text(encoding="utf-8") == text
    train, valid, test = split_lines(read_corpus(REPO / "data/lm_corpus.txt"), 0.1, 0.1)
    assert (len(train), len(valid), len(test)) == (8 * len(specs), len(specs), len(specs))
    usages = {u for s in specs for u in s.usages}
    train_text = " ".join(train)
    for split in (valid, test):
        held_out = [u for u in usages if any(u in line for line in split)]
        assert len(held_out) == len(specs)  # one usage of every word per split
        assert not [u for u in held_out if u in train_text]
    assert not set(valid) & set(test)
