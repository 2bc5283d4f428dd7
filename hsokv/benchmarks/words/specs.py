"""Word-spec files: a YAML list of {word, definition, domain, usages}, optionally with what the
meaning tasks need (data/authoring/make_word_specs.py writes all of it): `paraphrases` (the
definition re-worded, without the word), `test_usages` (new sentences with the word, never in
training), `gloss` (the definition as a comprehension candidate) and `meaning` (the kind, action,
target and detail the definition is made of, each atom's wordings; it picks hard negatives).

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
MEANING_KEYS = ("meaning", "test_usages", "paraphrases", "gloss")   # all or none
ATOMS = ("kind", "action", "target", "detail")


@dataclass(frozen=True)
class WordSpec:
    word: str
    definition: str
    domain: str
    usages: tuple[str, ...]
    test_usages: tuple[str, ...] = ()
    paraphrases: tuple[str, ...] = ()
    gloss: str | None = None
    meaning: dict | None = None   # atom -> its wordings, the first being the definition's

    @property
    def has_meaning(self) -> bool:
        return self.gloss is not None


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
        extra = sorted(set(entry) - set(REQUIRED_KEYS) - set(MEANING_KEYS))
        if extra:
            raise WordSpecError(f"{where}: unknown key(s) {extra}; allowed: {list(REQUIRED_KEYS + MEANING_KEYS)}")
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
        specs.append(WordSpec(word, definition.strip(), domain.strip(), tuple(usages),
                              **_meaning_fields(entry, word, where, seen_usages)))
    if len(specs) < MIN_WORDS:
        raise WordSpecError(f"{path}: {len(specs)} words; at least {MIN_WORDS} are needed")
    return specs


def _meaning_fields(entry: dict, word: str, where: str, seen: dict[str, str]) -> dict:
    """The meaning tasks' keys of one entry, checked: all or none of them; test usages hold the
    word and paraphrases and the gloss do not; no test sentence repeats any other sentence."""
    present = [k for k in MEANING_KEYS if k in entry]
    if not present:
        return {}
    if len(present) != len(MEANING_KEYS):
        raise WordSpecError(f"{where}: has {present} but not {[k for k in MEANING_KEYS if k not in entry]}: "
                            f"the meaning tasks need all of {list(MEANING_KEYS)}")
    tests, paras, gloss, meaning = entry["test_usages"], entry["paraphrases"], entry["gloss"], entry["meaning"]
    for key, value, least in (("test_usages", tests, 1), ("paraphrases", paras, 2)):
        if not isinstance(value, list) or len(value) < least or not all(isinstance(v, str) for v in value):
            raise WordSpecError(f"{where}: '{key}' must be a list of at least {least} sentences")
    if not isinstance(gloss, str) or not gloss.strip():
        raise WordSpecError(f"{where}: 'gloss' must be a non-empty string")
    if not isinstance(meaning, dict) or sorted(meaning) != sorted(ATOMS) or not all(
            isinstance(v, list) and v and all(isinstance(x, str) for x in v) for v in meaning.values()):
        raise WordSpecError(f"{where}: 'meaning' must map each of {list(ATOMS)} to a list of wordings")
    for u in tests:
        if not contains_word(u, word):
            raise WordSpecError(f"{where}: test usage {u!r} does not contain the word {word!r}")
    for p in paras + [gloss]:
        if contains_word(p, word):
            raise WordSpecError(f"{where}: paraphrase or gloss {p!r} contains the word {word!r}: it must not")
    for u in tests + paras:
        if normalized(u) in seen:
            raise WordSpecError(f"{where}: sentence {u!r} is duplicated (also under {seen[normalized(u)]!r})")
        seen[normalized(u)] = word
    return {"test_usages": tuple(tests), "paraphrases": tuple(paras), "gloss": gloss.strip(),
            "meaning": {k: tuple(meaning[k]) for k in ATOMS}}
