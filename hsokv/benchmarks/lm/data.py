"""Text for the language model: Tiny Shakespeare (the default) or a user's UTF-8 file, tokenised
and split.

Split (nanoGPT's `shakespeare_char`, plus a test split): the first `train_fraction` (90%) of the
tokens train; the rest, nanoGPT's validation text, is cut in two halves: the first half is our
validation split (kNN-LM's lambda, k and temperature and the n-gram order are chosen on it), the
second half our test split (scored once). On Tiny Shakespeare: 1,003,854 / 55,770 / 55,770
characters. The vocabulary is the training split's tokens in sorted order (Tiny Shakespeare: the
same 65 characters as nanoGPT's); a validation or test token outside it maps to an extra <unk> id,
added only when one occurs, and is counted in `oov`.
"""
from __future__ import annotations

import re
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import torch

from hsokv.data.fetch import fetch_files, mirror_roots, official_url
from hsokv.errors import CorpusError

TINY_SHAKESPEARE = "tinyshakespeare/input.txt"  # its path in a mirror (and a key of checksums.json)
TINY_SHAKESPEARE_URL = "https://raw.githubusercontent.com/karpathy/char-rnn/master/data/tinyshakespeare/input.txt"
UNK = "<unk>"
WORD = re.compile(r"\w+|[^\w\s]|\n")  # words, single punctuation marks and line breaks; other spaces dropped


def fetch_tiny_shakespeare(dest: str | Path, mirror: str | None, allow_download: bool,
                           origin: str | None = None) -> dict[str, str]:
    """Place a SHA-256-verified input.txt in `dest` (from data.mirror, $HSOKV_DATA_MIRROR, or the web)."""
    def download(folder: Path) -> None:
        target = folder / TINY_SHAKESPEARE
        target.parent.mkdir(parents=True)
        with urllib.request.urlopen(official_url(TINY_SHAKESPEARE_URL, origin), timeout=60) as r:
            target.write_bytes(r.read())
    return fetch_files({"input.txt": TINY_SHAKESPEARE}, dest, mirror_roots(mirror),
                       download if allow_download else None, "or set data.lm_corpus to your own UTF-8 text file",
                       official_url(TINY_SHAKESPEARE_URL, origin))


def read_text(path: str | Path) -> str:
    """The file's text; refuses what cannot be a corpus (missing, binary, not UTF-8, empty), naming it."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: language-model corpus not found (data.lm_corpus must name a UTF-8 text file; "
                          "the default, Tiny Shakespeare, is written by `dvc repro download_lm_corpus`)")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise CorpusError(f"{path}: looks binary (NUL bytes); data.lm_corpus must be a UTF-8 text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise CorpusError(f"{path}: not UTF-8 (byte {err.start}, line {line}: {err.reason}); "
                          "re-encode it, e.g. iconv -t UTF-8") from None
    if not text.strip():
        raise CorpusError(f"{path}: empty (no text); data.lm_corpus needs a UTF-8 text file")
    return text


def tokenize(text: str, level: str) -> list[str]:
    return list(text) if level == "char" else WORD.findall(text)


@dataclass
class Corpus:
    source: str
    level: str                       # char | word
    vocab: list[str]                 # id -> token
    splits: dict[str, torch.Tensor]  # train / val / test -> token ids (int64)
    oov: dict[str, int]              # val / test tokens outside the training vocabulary

    @property
    def vocab_size(self) -> int:
        return len(self.vocab)


def split_tokens(tokens: list[str], train_fraction: float) -> dict[str, list[str]]:
    """nanoGPT's cut (first train_fraction of the tokens) and its remainder halved into val / test."""
    n_train = int(len(tokens) * train_fraction)
    n_val = (len(tokens) - n_train) // 2
    return {"train": tokens[:n_train], "val": tokens[n_train:n_train + n_val], "test": tokens[n_train + n_val:]}


def load_corpus(path: str | Path, level: str, train_fraction: float, block_size: int) -> Corpus:
    tokens = split_tokens(tokenize(read_text(path), level), train_fraction)
    sizes = {name: len(t) for name, t in tokens.items()}
    if sizes["train"] <= block_size + 1 or min(sizes["val"], sizes["test"]) < 2:
        raise CorpusError(f"{path}: {sum(sizes.values())} {level} tokens split into train / val / test {sizes}; "
                          f"training needs more than block_size + 1 = {block_size + 1} tokens and val and test "
                          "at least 2 each: give a longer text")
    vocab = sorted(set(tokens["train"]))
    index = {t: i for i, t in enumerate(vocab)}
    oov = {name: sum(t not in index for t in tokens[name]) for name in ("val", "test")}
    if any(oov.values()):
        vocab.append(UNK)
    unk = len(vocab) - 1
    splits = {name: torch.tensor([index.get(t, unk) for t in toks], dtype=torch.long) for name, toks in tokens.items()}
    return Corpus(str(path), level, vocab, splits, oov)
