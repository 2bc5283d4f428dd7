"""Text for the language model: a user's corpus file, checked and split, and the default corpus.

A corpus is a UTF-8 text file with one document per line. `read_corpus` refuses what cannot be a
corpus (missing, empty, binary, not UTF-8, too short to split), naming the file. `split_lines`
cuts it in file order: the first lines train, then validation, the last lines test, so no line is
in two splits.

The default corpus (data/lm_corpus.txt) is `generate_corpus` over data/rare_words.yaml:
    python -m hsokv.data.lm_corpus data/rare_words.yaml data/lm_corpus.txt
Each invented word's six usage sentences are split 4 / 1 / 1 before any line is built: training
lines use the first four (plus the word's definition), validation and test lines one held-out
usage each, among filler from disjoint pools, so no validation or test sentence occurs in
training. Lines come in split order, 80% / 10% / 10%, matching the default fractions.
"""
from __future__ import annotations

import argparse
import random
from pathlib import Path

from hsokv.data.synthetic import filler_pool
from hsokv.data.words import WordSpec, load_word_specs
from hsokv.errors import CorpusError

TRAIN_LINES_PER_WORD = 8


def read_corpus(path: str | Path) -> list[str]:
    """The file's non-blank lines, stripped."""
    path = Path(path)
    if not path.is_file():
        raise CorpusError(f"{path}: language-model corpus not found (data.lm_corpus must name a UTF-8 text file)")
    raw = path.read_bytes()
    if b"\x00" in raw[:65536]:
        raise CorpusError(f"{path}: looks binary (NUL bytes); data.lm_corpus must be a UTF-8 text file")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise CorpusError(f"{path}: not UTF-8 (byte {err.start}, line {line}: {err.reason}); "
                          "re-encode it, e.g. iconv -t UTF-8") from None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise CorpusError(f"{path}: empty (no non-blank line); data.lm_corpus needs text, one document a line")
    return lines


def split_lines(lines: list[str], valid_fraction: float, test_fraction: float,
                source: str = "corpus") -> tuple[list[str], list[str], list[str]]:
    """(train, valid, test) in file order; each split gets at least one line."""
    n_valid, n_test = round(len(lines) * valid_fraction), round(len(lines) * test_fraction)
    if min(n_valid, n_test) < 1 or len(lines) - n_valid - n_test < 1:
        raise CorpusError(f"{source}: {len(lines)} line(s) cannot be split into train / validation / test with "
                          f"fractions {1 - valid_fraction - test_fraction:.2f} / {valid_fraction} / {test_fraction}; "
                          "give more lines (one document per line)")
    n_train = len(lines) - n_valid - n_test
    return lines[:n_train], lines[n_train:n_train + n_valid], lines[n_train + n_valid:]


def generate_corpus(specs: list[WordSpec], seed: int = 0) -> str:
    rng = random.Random(seed)
    fillers = filler_pool()
    rng.shuffle(fillers)
    third = len(fillers) // 3
    pools = {"train": fillers[:third], "valid": fillers[third:2 * third], "test": fillers[2 * third:]}
    held_out = {}
    train_lines, valid_lines, test_lines = [], [], []
    for spec in specs:
        usages = list(spec.usages)
        rng.shuffle(usages)
        held_out[spec.word] = usages[:4], usages[4], usages[5]
    for _ in range(TRAIN_LINES_PER_WORD):
        for spec in rng.sample(specs, len(specs)):
            train_usages = held_out[spec.word][0]
            sentences = [f"The {spec.word} is {spec.definition}.", *rng.sample(train_usages, 2)]
            rng.shuffle(sentences)
            train_lines.append(" ".join([rng.choice(pools["train"]), *sentences]))
    for lines, split, which in ((valid_lines, "valid", 1), (test_lines, "test", 2)):
        for spec in rng.sample(specs, len(specs)):
            sentences = [rng.choice(pools[split]), held_out[spec.word][which], rng.choice(pools[split])]
            lines.append(" ".join(sentences))
    return "\n".join(train_lines + valid_lines + test_lines) + "\n"


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description="write the default language-model corpus")
    parser.add_argument("word_specs")
    parser.add_argument("out")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    Path(args.out).write_text(generate_corpus(load_word_specs(args.word_specs), args.seed), encoding="utf-8")
