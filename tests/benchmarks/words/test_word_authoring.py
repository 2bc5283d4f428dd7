"""The guarantees of data/authoring/make_word_specs.py, checked on the shipped files: every
definition unique, no paraphrase or test usage in any training text, masked test usages unique
between words, and each meaning atom's test wordings sharing no word with its training wording."""
import pytest

from conftest import REPO
from hsokv.benchmarks.words.data import build_splits
from hsokv.benchmarks.words.specs import ATOMS, load_word_specs, normalized
from hsokv.benchmarks.words.tasks import MASK, replace_word
from hsokv.config import DataConfig
from hsokv.tokenizer import split_words

FILES = ("rare_words.yaml", "heldout_words.yaml", "fresh_words.yaml")


@pytest.fixture(scope="module", params=FILES)
def specs(request):
    return load_word_specs(REPO / "data" / request.param)


def test_every_word_carries_meaning_and_a_unique_definition(specs):
    assert all(s.has_meaning and len(s.paraphrases) >= 2 and s.test_usages for s in specs)
    assert len({normalized(s.definition) for s in specs}) == len(specs)
    assert len({tuple(s.meaning[a][0] for a in ATOMS) for s in specs}) == len(specs)


def test_definition_is_built_from_the_training_wordings(specs):
    for s in specs:
        assert all(s.meaning[a][0] in s.definition for a in ("action", "target", "detail")), s.word


def test_test_wordings_share_no_word_with_the_training_wording(specs):
    """Only meaning can link a paraphrase or test usage to its word (articles aside)."""
    for s in specs:
        for atom, (train, *test) in s.meaning.items():
            shared = set(split_words(train)) & {t for w in test for t in split_words(w)}
            assert shared <= {"a", "an"}, (s.word, atom, shared)


def test_no_paraphrase_or_test_usage_is_training_text(specs):
    training = {normalized(t) for s in specs for t in (s.definition, *s.usages)}
    for s in specs:
        for t in (*s.paraphrases, *s.test_usages, s.gloss):
            assert normalized(t) not in training and normalized(s.definition) not in normalized(t)
    splits = build_splits(specs, DataConfig(num_words=60), 0)
    text = normalized(" ".join(splits.training_text()))
    assert not [t for s in specs for t in (*s.paraphrases, *s.test_usages, s.gloss) if normalized(t) in text]


def test_masked_test_usages_are_not_shared_between_words(specs):
    masked = [normalized(replace_word(u, s.word, MASK)) for s in specs for u in s.test_usages]
    assert len(set(masked)) == len(masked)
    assert all(MASK.lower() in m for m in masked)


@pytest.mark.parametrize("other", FILES[1:])
def test_the_held_out_lists_share_no_detail_or_paraphrase_template_with_the_main_list(other):
    main, held = (load_word_specs(REPO / "data" / f) for f in (FILES[0], other))
    # a detail is a tuple of wordings: no single wording may be shared
    assert not {w for s in main for w in s.meaning["detail"]} & {w for s in held for w in s.meaning["detail"]}
    openings = [{split_words(p)[0] for s in specs for p in s.paraphrases} for specs in (main, held)]
    assert not openings[0] & openings[1]


def test_the_fresh_list_has_the_main_lists_shape():
    """8 domains of 30 words over 5 x 8 x 6 x 8 atoms each: as many near neighbours a word as in the main list."""
    for specs in (load_word_specs(REPO / "data" / f) for f in (FILES[0], FILES[2])):
        by_domain = {}
        for s in specs:
            by_domain.setdefault(s.domain, []).append(s)
        assert len(by_domain) == 8 and {len(v) for v in by_domain.values()} == {30}
        for words in by_domain.values():
            sizes = [len({s.meaning[a][0] for s in words}) for a in ("kind", "action", "target", "detail")]
            assert all(n <= most for n, most in zip(sizes, (5, 8, 6, 8)))
        assert len({s.meaning["detail"][0] for s in specs}) == 8
