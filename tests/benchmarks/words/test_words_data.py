"""Split invariants of hsokv/benchmarks/words/data.py: no leakage, counts, one-shot share."""
import pytest

from conftest import REPO, write_specs
from hsokv.benchmarks.words.data import SyntheticSplits, build_splits, filler_pool
from hsokv.benchmarks.words.specs import WordSpec, WordSpecError, load_word_specs
from hsokv.config import ConfigError, DataConfig

SPECS = load_word_specs(REPO / "data/rare_words.yaml")


@pytest.fixture(scope="module", params=[0, 7])
def splits(request):
    return build_splits(SPECS, DataConfig(num_words=120), request.param)


def _training_texts(s: SyntheticSplits) -> list[str]:
    return [t for it in s.train_phase1 + s.train_phase2 for t in (it.text, it.probe)]


def test_no_test_or_retention_usage_appears_in_training(splits):
    training = " ".join(_training_texts(splits))
    usages = {u: spec.word for spec in SPECS for u in spec.usages}
    held_out = [u for it in splits.test + splits.test_phase2 + splits.retention for u in usages if u in it.text]
    assert len(held_out) == len(splits.test) + len(splits.test_phase2) + len(splits.retention)
    assert not [u for u in held_out if u in training]


def test_test_filler_is_new(splits):
    pool = set(filler_pool())
    train_fill = {f for t in _training_texts(splits) for f in pool if f in t}
    test_fill = {f for it in splits.test + splits.test_phase2 for f in pool if f in it.text}
    retention_fill = {f for it in splits.retention for f in pool if f in it.text}
    assert test_fill and retention_fill
    assert not train_fill & test_fill and not train_fill & retention_fill


def test_counts_and_exposures(splits):
    cfg = DataConfig(num_words=120)
    assert len(splits.words) == 120
    assert not set(splits.phase1_labels) & set(splits.phase2_labels)
    assert len(splits.phase2_labels) == round(120 * cfg.phase2_fraction)
    for phase_labels, train in ((splits.phase1_labels, splits.train_phase1),
                                (splits.phase2_labels, splits.train_phase2)):
        seen = {lab: sum(it.label == lab for it in train) for lab in phase_labels}
        assert all(1 <= k <= cfg.max_exposures for k in seen.values())
        assert all(it.exposures == seen[it.label] for it in train)
        assert sum(k == 1 for k in seen.values()) >= 0.4 * len(phase_labels)
    assert {it.label for it in splits.test} == set(splits.phase1_labels)
    assert {it.label for it in splits.test_phase2} == set(splits.phase2_labels)
    assert sorted(it.label for it in splits.retention) == sorted(splits.phase1_labels)


def test_training_story_holds_definition_and_usage(splits):
    spec_by_word = {s.word: s for s in SPECS}
    for it in splits.train_phase1[:20]:
        spec = spec_by_word[splits.words[it.label]]
        assert f"{spec.word} means {spec.definition}." in it.text
        assert any(u in it.text and u in it.probe for u in spec.usages)
        assert "means" not in it.probe.replace(spec.definition, "")  # the probe drops the definition


def test_same_seed_same_splits_other_seed_differs():
    a, b, c = (build_splits(SPECS, DataConfig(num_words=60), s) for s in (3, 3, 4))
    assert a.to_dict() == b.to_dict()
    assert a.to_dict() != c.to_dict()


def test_round_trip_through_dict(splits):
    assert SyntheticSplits.from_dict(splits.to_dict()) == splits


def test_any_valid_ten_word_file_works(tmp_path, ten_words):
    specs = load_word_specs(write_specs(tmp_path / "w.yaml", ten_words))
    s = build_splits(specs, DataConfig(), 0)
    assert len(s.words) == 10 and s.test and s.retention


def test_asking_for_more_words_than_the_file_has():
    with pytest.raises(ConfigError, match="data.num_words=999"):
        build_splits(SPECS, DataConfig(num_words=999), 0)


@pytest.mark.parametrize("word", ["station", "the", "Means"])
def test_a_word_the_generator_writes_as_filler_is_refused(ten_words, word):
    specs = [WordSpec(s["word"], s["definition"], s["domain"], tuple(s["usages"])) for s in ten_words]
    specs[3] = WordSpec(word, "a thing", "general", tuple(f"Usage {j} of {word} here." for j in range(5)))
    with pytest.raises(WordSpecError, match=rf"w\.yaml: word {word!r} occurs in the filler text"):
        build_splits(specs, DataConfig(word_specs="w.yaml"), 0)


def test_a_usage_cut_off_by_max_length_is_refused(ten_words):
    specs = [WordSpec(s["word"], s["definition"], s["domain"], tuple(s["usages"])) for s in ten_words]
    long = "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen"
    specs[5] = WordSpec("blorp5", "a thing", "general", tuple(f"{long} {j} blorp5." for j in range(5)))
    with pytest.raises(WordSpecError, match=r"w\.yaml: word 'blorp5' lies at token \d+ of story [\w-]+ \(seed 0\), "
                                            r"past data.max_length=16"):
        build_splits(specs, DataConfig(word_specs="w.yaml", max_length=16, filler_sentences=0), 0)
    build_splits(specs, DataConfig(word_specs="w.yaml", max_length=64, filler_sentences=0), 0)


def test_meaning_form_replaces_a_statements_word_and_nothing_else():
    from hsokv.benchmarks.words.data import DEFINITION, meaning_form
    statement = DEFINITION.format(word="zibrel", definition="a salve used to warm a swollen joint")
    assert meaning_form(statement) == "Something means a salve used to warm a swollen joint."
    assert meaning_form("The zibrel means well, said nobody.") is None   # not the whole-sentence form
    assert meaning_form("Mara warmed her knee with the zibrel.") is None


def test_masked_form_masks_a_statements_word_as_the_cloze_task_masks_a_usage():
    from hsokv.benchmarks.words.data import DEFINITION, masked_form
    from hsokv.benchmarks.words.tasks import MASK, replace_word
    statement = DEFINITION.format(word="zibrel", definition="a salve used to warm a swollen joint")
    assert masked_form(statement) == replace_word(statement, "zibrel", MASK) == "[MASK] means a salve used to warm a swollen joint."
    assert masked_form("Mara warmed her knee with the zibrel.") is None
