"""The synthetic one-shot word-learning benchmark: stories built from word specs.

A training story for word W holds `filler_sentences` filler sentences, "W means D." and one usage
sentence of W; the label is W. Each word is seen k times (k in 1..max_exposures; at least
`one_shot_fraction` of the words exactly once). Per word, its usages are split three ways before
any story is built: training usages, test usages and one retention usage, so no test or retention
sentence can appear in training. Fillers come from three disjoint pools (train / test /
distractor), so test stories carry new filler too.

Learning happens in two phases on disjoint word sets. `test` probes phase-1 words after phase 1;
`retention` probes them again after phase 2, each retention usage hidden among
`distractor_sentences` noise sentences; `test_phase2` probes the phase-2 words. `validation`
takes one test story from each phase-1 word that has two or more, for hyperparameter search
(hsokv.search), so search never selects on the test items.
"""
from __future__ import annotations

import itertools
import random
import re
from dataclasses import asdict, dataclass, field
from pathlib import Path

from tokenizers import Tokenizer

from hsokv.benchmarks.words.items import Item
from hsokv.benchmarks.words.specs import WordSpec, WordSpecError
from hsokv.benchmarks.words.tasks import MASK, build_task_items
from hsokv.config import ConfigError, DataConfig
from hsokv.io import read_json, write_json
from hsokv.tokenizer import fit_tokenizer, split_words

_NAMES = ["Ada", "Bruno", "Chiara", "Dmitri", "Esme", "Farid", "Greta", "Hugo", "Ines", "Jonas",
          "Kenji", "Lucia", "Mateo", "Nadia", "Oskar", "Priya", "Quentin", "Rosa", "Sami", "Tove"]
_PLACES = ["station", "library", "park", "bridge", "village", "museum", "harbour road", "bus stop",
           "town square", "bakery corner", "post office", "old mill"]
_TIMES = ["on Monday", "at noon", "after lunch", "before sunrise", "in the evening", "last winter",
          "on a rainy day", "during the holidays"]
_FILLER_TEMPLATES = [
    "{n} walked to the {p} {t}.", "The weather near the {p} was mild {t}.",
    "{n} met an old friend at the {p} {t}.", "Nobody was waiting at the {p} {t}.",
    "{n} forgot an umbrella at the {p} {t}.", "A small dog followed {n} past the {p} {t}.",
    "{n} read a newspaper near the {p} {t}.", "The lights at the {p} flickered {t}.",
    "{n} hummed a song outside the {p} {t}.", "Traffic around the {p} was slow {t}.",
]


DEFINITION = "{word} means {definition}."
# A definitional statement as DEFINITION writes it, and the same statement with its word replaced:
# the meaning alone, as a paraphrase or a masked usage holds it (hsokv_sentences' `word` setting).
STATEMENT = re.compile(re.escape(DEFINITION).replace(re.escape("{word}"), r"(?P<word>\S+)")
                       .replace(re.escape("{definition}"), r"(?P<definition>[^.]+)"))
PLACEHOLDER = "Something"


def meaning_form(sentence: str, placeholder: str = PLACEHOLDER) -> str | None:
    """'W means D.' -> 'Something means D.' (or the placeholder given); None for any other sentence.
    Measured with frozen mpnet (hsokv.benchmarks.words.ceiling's setting, 240 words): a paraphrase's
    nearest statement is its word's for 0.671 of paraphrases with the invented word in the statement,
    0.917 with it replaced: the word's unknown sub-word tokens pull every statement's vector away from
    its meaning."""
    statement = STATEMENT.fullmatch(sentence)
    return None if statement is None else DEFINITION.format(word=placeholder, definition=statement["definition"])


def masked_form(sentence: str) -> str | None:
    """'W means D.' -> '[MASK] means D.': the statement with its word masked the way the cloze task
    and the masked probe mask a usage's (tasks.MASK), so a masked usage meets its definition in its
    own form. None for any other sentence."""
    return meaning_form(sentence, MASK)


def filler_pool() -> list[str]:
    return sorted({t.format(n=n, p=p, t=tm) for t, n, p, tm in
                   itertools.product(_FILLER_TEMPLATES, _NAMES, _PLACES, _TIMES)})


def _generated_text() -> dict[str, str]:
    """Every token the generator itself writes into stories -> a sentence that shows it."""
    parts = [t.format(n="", p="", t="") for t in _FILLER_TEMPLATES] + _NAMES + _PLACES + _TIMES
    parts.append(DEFINITION.format(word="", definition=""))
    return {token: part for part in parts for token in split_words(part)}


def check_words_against_filler(specs: list[WordSpec], source: str) -> None:
    """A word the generator writes into every kind of story (`station`, `the`, `means`) would be
    evidence for every label at once: refuse it."""
    generated = _generated_text()
    for spec in specs:
        token = split_words(spec.word)[0]
        if token in generated:
            raise WordSpecError(f"{source}: word {spec.word!r} occurs in the filler text the generator adds to "
                                f"stories (e.g. {generated[token].strip()!r}), so it cannot identify its label; "
                                "choose another word")


def check_words_within_max_length(splits: SyntheticSplits, max_length: int, seed: int, source: str) -> None:
    """Every occurrence of a story's word must lie within the first `max_length` tokens, which is
    all the model reads: a usage cut off there teaches or tests nothing."""
    for item in splits.all_items():
        word = split_words(splits.words[item.label])[0]
        for text in (item.text, item.probe):
            positions = [i for i, token in enumerate(split_words(text or "")) if token == word]
            if positions and positions[-1] >= max_length:
                raise WordSpecError(
                    f"{source}: word {splits.words[item.label]!r} lies at token {positions[-1] + 1} of story "
                    f"{item.id} (seed {seed}), past data.max_length={max_length}: its usage would be cut off. "
                    "Shorten the word's usages or definition, or raise data.max_length")


@dataclass
class SyntheticSplits:
    words: list[str]
    domains: list[str]
    phase1_labels: list[int]
    phase2_labels: list[int]
    train_phase1: list[Item] = field(default_factory=list)
    train_phase2: list[Item] = field(default_factory=list)
    test: list[Item] = field(default_factory=list)
    validation: list[Item] = field(default_factory=list)
    test_phase2: list[Item] = field(default_factory=list)
    retention: list[Item] = field(default_factory=list)
    distractor: list[str] = field(default_factory=list)
    # the meaning tasks' and probes' items (hsokv.benchmarks.words.tasks): {name: {split: [Item]}}
    tasks: dict[str, dict[str, list[Item]]] = field(default_factory=dict)

    SPLITS = ("train_phase1", "train_phase2", "test", "validation", "test_phase2", "retention")

    def training_text(self) -> list[str]:
        return [t for it in self.train_phase1 + self.train_phase2 for t in (it.text, it.probe)]

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "SyntheticSplits":
        d = dict(d)
        for name in cls.SPLITS:
            d[name] = [Item(**it) for it in d[name]]
        d["tasks"] = {task: {split: [Item(**it) for it in items] for split, items in splits.items()}
                      for task, splits in d.get("tasks", {}).items()}
        return cls(**d)

    def all_items(self) -> list[Item]:
        return [it for name in self.SPLITS for it in getattr(self, name)] + [
            it for splits in self.tasks.values() for items in splits.values() for it in items]


def _story(rng: random.Random, core: list[str], noise: list[str]) -> str:
    """Place the core sentences, in their order, at random positions among the noise sentences."""
    sentences = list(noise)
    slots = sorted(rng.randint(0, len(noise)) for _ in core)
    for offset, (slot, sentence) in enumerate(zip(slots, core)):
        sentences.insert(slot + offset, sentence)
    return " ".join(sentences)


# The params build_splits reads (plus data.word_specs, the file its specs come from): a stage that
# builds splits lists these in its READS.
SPLIT_PARAMS = ("data.word_specs", "data.num_words", "data.phase2_fraction", "data.one_shot_fraction",
                "data.max_exposures", "data.filler_sentences", "data.distractor_sentences",
                "data.max_length",   # every usage's word must fall inside it (check_words_within_max_length)
                "synthetic.candidates")


def build_splits(specs: list[WordSpec], cfg: DataConfig, seed: int, candidates: int = 4) -> SyntheticSplits:
    """`candidates`: synthetic.candidates, the comprehension task's choices."""
    check_words_against_filler(specs, cfg.word_specs)
    rng = random.Random(seed)
    specs = list(specs)
    if cfg.num_words is not None:
        if cfg.num_words > len(specs):
            raise ConfigError(f"data.num_words={cfg.num_words} but the word-spec file has only {len(specs)} words")
        specs = rng.sample(specs, cfg.num_words)
    rng.shuffle(specs)
    n = len(specs)
    n_phase2 = max(1, round(n * cfg.phase2_fraction))
    fillers = filler_pool()
    rng.shuffle(fillers)
    third = len(fillers) // 3
    train_fill, test_fill, distract_fill = fillers[:third], fillers[third:2 * third], fillers[2 * third:]

    splits = SyntheticSplits(words=[s.word for s in specs], domains=[s.domain for s in specs],
                             phase1_labels=list(range(n - n_phase2)), phase2_labels=list(range(n - n_phase2, n)),
                             distractor=distract_fill)
    all_exposures: dict[int, int] = {}
    for phase_labels in (splits.phase1_labels, splits.phase2_labels):
        n_one = max(1, round(len(phase_labels) * cfg.one_shot_fraction))
        order = rng.sample(phase_labels, len(phase_labels))
        exposures = {lab: 1 if i < n_one or cfg.max_exposures == 1 else rng.randint(2, cfg.max_exposures)
                     for i, lab in enumerate(order)}
        all_exposures.update(exposures)
        for label in phase_labels:
            spec, k = specs[label], exposures[label]
            usages = rng.sample(spec.usages, len(spec.usages))
            retention_usage, rest = usages[0], usages[1:]
            n_train_usages = min(k, len(rest) - 1)
            train_usages, test_usages = rest[:n_train_usages], rest[n_train_usages:]
            definition = DEFINITION.format(word=spec.word, definition=spec.definition)
            phase1 = label in splits.phase1_labels
            target = splits.train_phase1 if phase1 else splits.train_phase2
            for j in range(k):
                usage = train_usages[j % n_train_usages]
                text = _story(rng, [definition, usage], rng.sample(train_fill, cfg.filler_sentences))
                probe = _story(rng, [usage], rng.sample(train_fill, cfg.filler_sentences))
                target.append(Item(f"train-{label}-{j}", text, label, k, probe))
            test_target = splits.test if phase1 else splits.test_phase2
            for j, usage in enumerate(test_usages):
                test_target.append(Item(f"test-{label}-{j}", _story(rng, [usage], rng.sample(test_fill, cfg.filler_sentences)), label, k))
            if phase1:
                splits.retention.append(Item(f"retention-{label}", _story(
                    rng, [retention_usage], rng.sample(distract_fill, cfg.distractor_sentences)), label, k))
    rng.shuffle(splits.train_phase1)
    rng.shuffle(splits.train_phase2)
    # Carved out after every random draw, so the other splits stay those of earlier versions
    # (minus the moved items).
    last_test = {it.label: it for it in splits.test}
    per_word = {lab: sum(it.label == lab for it in splits.test) for lab in last_test}
    splits.validation = [it for lab, it in last_test.items() if per_word[lab] >= 2]
    moved = {it.id for it in splits.validation}
    splits.test = [it for it in splits.test if it.id not in moved]
    splits.tasks = build_task_items(specs, splits, all_exposures, test_fill, _story, cfg.filler_sentences,
                                    candidates, seed, cfg.word_specs)
    check_words_within_max_length(splits, cfg.max_length, seed, cfg.word_specs)
    return splits


def summary(splits: SyntheticSplits) -> dict:
    training = splits.train_phase1 + splits.train_phase2
    return {"words": len(splits.words), "one_shot_words": len({it.label for it in training if it.exposures == 1}),
            **{name: len(getattr(splits, name)) for name in SyntheticSplits.SPLITS},
            **{f"{task}_{split}": len(items) for task, d in splits.tasks.items() for split, items in d.items()}}


def prepare(specs: list[WordSpec], cfg: DataConfig, seeds: list[int], out_dir: Path, candidates: int = 4) -> dict:
    """Write each seed's splits and tokenizer (fitted on that seed's training text only)."""
    counts = {}
    for seed in seeds:
        splits = build_splits(specs, cfg, seed, candidates)
        seed_dir = out_dir / f"seed_{seed}"
        seed_dir.mkdir(parents=True)
        write_json(seed_dir / "splits.json", splits.to_dict())
        fit_tokenizer(splits.training_text()).save(str(seed_dir / "tokenizer.json"))
        counts[f"seed_{seed}"] = summary(splits)
    write_json(out_dir / "summary.json", counts)
    return counts


def load_prepared(data_dir: Path, seed: int) -> tuple[SyntheticSplits, Tokenizer]:
    seed_dir = Path(data_dir) / f"seed_{seed}"
    if not (seed_dir / "splits.json").is_file():
        raise FileNotFoundError(f"{seed_dir}/splits.json not found: run the prepare_synthetic stage for seed {seed}")
    return SyntheticSplits.from_dict(read_json(seed_dir / "splits.json")), Tokenizer.from_file(str(seed_dir / "tokenizer.json"))
