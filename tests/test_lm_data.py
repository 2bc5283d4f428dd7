"""hsokv/benchmarks/lm/data.py: Tiny Shakespeare's split, the verified copy, user corpora and their errors."""
import os
import subprocess
import sys

import pytest
import yaml

from conftest import REPO
from hsokv.benchmarks.lm.data import TINY_SHAKESPEARE, CorpusError, load_corpus, read_text, split_tokens, tokenize

SHARED = REPO.parent / "shared" / "data"
needs_tiny_shakespeare = pytest.mark.skipif(not (SHARED / TINY_SHAKESPEARE).is_file(),
                                            reason=f"Tiny Shakespeare's copy is not at {SHARED / TINY_SHAKESPEARE}")


@needs_tiny_shakespeare
def test_tiny_shakespeare_split_is_nanogpts_with_its_val_halved():
    corpus = load_corpus(SHARED / TINY_SHAKESPEARE, "char", 0.9, 64)
    sizes = {name: len(ids) for name, ids in corpus.splits.items()}
    assert sizes == {"train": 1_003_854, "val": 55_770, "test": 55_770}
    assert corpus.vocab_size == 65 and corpus.oov == {"val": 0, "test": 0}  # nanoGPT's 65 characters
    text = read_text(SHARED / TINY_SHAKESPEARE)
    # the splits are consecutive, disjoint stretches of the file, in order
    decoded = {name: "".join(corpus.vocab[i] for i in ids.tolist()) for name, ids in corpus.splits.items()}
    assert decoded == {"train": text[:1_003_854], "val": text[1_003_854:1_059_624], "test": text[1_059_624:]}


def test_split_covers_every_token_once():
    parts = split_tokens(list(range(101)), 0.9)
    assert parts == {"train": list(range(90)), "val": list(range(90, 95)), "test": list(range(95, 101))}


def test_unseen_tokens_map_to_unk(tmp_path):
    path = tmp_path / "c.txt"
    path.write_text("ab" * 40 + "abz" + "abq")
    corpus = load_corpus(path, "char", 0.9, 8)
    assert corpus.vocab == ["a", "b", "<unk>"] and corpus.oov == {"val": 0, "test": 2}  # z and q, both in test


def test_word_level_keeps_punctuation_and_line_breaks():
    assert tokenize("Ay, my lord.\nGo!", "word") == ["Ay", ",", "my", "lord", ".", "\n", "Go", "!"]


@pytest.mark.parametrize("content, message", [
    (b"", "empty"), (b" \n\n\t\n", "empty"), (b"text\x00\x01\x02binary", "looks binary"),
    ("caf\xe9 latin-1\n".encode("latin-1"), "not UTF-8 .byte 3, line 1")])
def test_unusable_corpus_is_refused_by_name(tmp_path, content, message):
    path = tmp_path / "corpus.txt"
    path.write_bytes(content)
    with pytest.raises(CorpusError, match=f"corpus.txt: {message}"):
        read_text(path)


def test_too_short_to_split(tmp_path):
    path = tmp_path / "short.txt"
    path.write_text("to be or not")
    with pytest.raises(CorpusError, match="short.txt: 12 char tokens split into"):
        load_corpus(path, "char", 0.9, 64)


def test_missing_mirror_copy_exits_2_naming_the_file(tmp_path):
    params = yaml.safe_load((REPO / "params.yaml").read_text())
    params["data"].update({"mirror": str(tmp_path / "empty_mirror"), "allow_download": False})
    (tmp_path / "empty_mirror").mkdir()
    (tmp_path / "params.yaml").write_text(yaml.safe_dump(params))
    env = {k: v for k, v in os.environ.items() if k != "HSOKV_DATA_MIRROR"}
    p = subprocess.run([sys.executable, "-m", "stages.download_lm_corpus", "--params", str(tmp_path / "params.yaml"),
                        "--out", str(tmp_path / "out")], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert p.returncode == 2 and "Traceback" not in p.stderr
    assert "tinyshakespeare/input.txt" in p.stderr and "data.mirror" in p.stderr and "HSOKV_DATA_MIRROR" in p.stderr
    assert not (tmp_path / "out").exists()


def test_copy_failing_its_checksum_is_refused(tmp_path):
    mirror = tmp_path / "mirror"
    (mirror / "tinyshakespeare").mkdir(parents=True)
    (mirror / TINY_SHAKESPEARE).write_text("First Citizen:\nBefore we proceed any further, hear me shall speak.\n")
    from hsokv.benchmarks.lm.data import fetch_tiny_shakespeare
    from hsokv.data.fetch import DataSourceError
    os.environ.pop("HSOKV_DATA_MIRROR", None)
    with pytest.raises(DataSourceError, match="fails its checksum"):
        fetch_tiny_shakespeare(tmp_path / "out", str(mirror), allow_download=False)
