"""Word-spec files: a YAML list of {word, definition, domain, usages}.

Every usage sentence must contain its word (as a whole token, case-insensitive), each word needs
at least MIN_USAGES usages, and words and usage sentences must be unique across the file, compared
as the tokenizer sees them (NFKC, case-folded: `filo`, `ﬁlo` and `ｆｉｌｏ` are one word). A word must
be a single token (`blue-green` is three), and no key may appear twice in an entry. The benchmark
adds its own checks against the stories it builds (hsokv.benchmarks.words.data).
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import yaml

from hsokv.errors import WordSpecError
from hsokv.io import load_yaml
from hsokv.tokenizer import split_words

MIN_USAGES = 4
MIN_WORDS = 10
REQUIRED_KEYS = ("word", "definition", "domain", "usages")


@dataclass(frozen=True)
class WordSpec:
    word: str
    definition: str
    domain: str
    usages: tuple[str, ...]


def contains_word(sentence: str, word: str) -> bool:
    return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", sentence, flags=re.IGNORECASE) is not None


def normalized(text: str) -> str:
    """The form two spellings must not share: NFKC (ligatures, fullwidth letters) and case-folded."""
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", text).casefold())


def load_word_specs(path: str | Path) -> list[WordSpec]:
    path = Path(path)
    if not path.is_file():
        raise WordSpecError(f"{path}: word-spec file not found (set data.word_specs to a YAML file)")
    try:
        raw = load_yaml(path.read_text(encoding="utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as err:
        raise WordSpecError(f"{path}: not a valid UTF-8 YAML file: {err}") from None
    if not isinstance(raw, list):
        raise WordSpecError(f"{path}: expected a YAML list of {{{', '.join(REQUIRED_KEYS)}}} entries")
    specs: list[WordSpec] = []
    seen_words: dict[str, tuple[int, str]] = {}
    seen_usages: dict[str, str] = {}
    for i, entry in enumerate(raw):
        where = f"{path}: entry {i}"
        if not isinstance(entry, dict):
            raise WordSpecError(f"{where}: expected a mapping with keys {list(REQUIRED_KEYS)}")
        missing = [k for k in REQUIRED_KEYS if k not in entry]
        if missing:
            raise WordSpecError(f"{where}: missing key(s) {missing}; required: {list(REQUIRED_KEYS)}")
        extra = sorted(set(entry) - set(REQUIRED_KEYS))
        if extra:
            raise WordSpecError(f"{where}: unknown key(s) {extra}; allowed: {list(REQUIRED_KEYS)}")
        word, definition, domain, usages = (entry[k] for k in REQUIRED_KEYS)
        for key, value in (("word", word), ("definition", definition), ("domain", domain)):
            if not isinstance(value, str) or not value.strip():
                raise WordSpecError(f"{where}: '{key}' must be a non-empty string")
        where = f"{path}: word {word!r} (entry {i})"
        if not re.fullmatch(r"[\w'-]+", word):
            raise WordSpecError(f"{where}: a word must be a single token of letters, digits, ' or -")
        tokens = split_words(word)
        if len(tokens) != 1:
            raise WordSpecError(f"{where}: the tokenizer splits it into {len(tokens)} tokens {tokens}; a word must "
                                "be one token (letters and digits, no hyphen or apostrophe)")
        key = normalized(word)
        if key in seen_words:
            first, spelling = seen_words[key]
            raise WordSpecError(f"{where}: duplicate word: the same as {spelling!r} (entry {first}) once normalised "
                                f"(NFKC, case-folded: {key!r})")
        seen_words[key] = (i, word)
        if not isinstance(usages, list) or len(usages) < MIN_USAGES:
            raise WordSpecError(f"{where}: 'usages' must be a list of at least {MIN_USAGES} sentences")
        for u in usages:
            if not isinstance(u, str) or not contains_word(u, word):
                raise WordSpecError(f"{where}: usage {u!r} does not contain the word {word!r}")
            if normalized(u) in seen_usages:
                raise WordSpecError(f"{where}: usage {u!r} is duplicated (also under {seen_usages[normalized(u)]!r})")
            seen_usages[normalized(u)] = word
        specs.append(WordSpec(word, definition.strip(), domain.strip(), tuple(usages)))
    if len(specs) < MIN_WORDS:
        raise WordSpecError(f"{path}: {len(specs)} words; at least {MIN_WORDS} are needed")
    return specs
