"""The frozen ceiling: each variant's test sentence against the words' own sentences."""
import pytest
import torch

from hsokv.benchmarks.words.ceiling import frozen_ceiling
from hsokv.benchmarks.words.data import DEFINITION, masked_form, meaning_form
from hsokv.benchmarks.words.specs import load_word_specs
from hsokv.benchmarks.words.tasks import MASK, replace_word


@pytest.fixture(scope="module")
def specs():
    from conftest import REPO
    return load_word_specs(REPO / "data/rare_words.yaml")[:24]


def _oracle(specs, paraphrase_shift: int = 0):
    """An encoder that knows each sentence's word: its one-hot (paraphrases shifted by paraphrase_shift)."""
    n = len(specs)
    owner = {}
    for i, s in enumerate(specs):
        owner[DEFINITION.format(word=s.word, definition=s.definition)] = i
        owner[meaning_form(DEFINITION.format(word=s.word, definition=s.definition))] = i
        owner[masked_form(DEFINITION.format(word=s.word, definition=s.definition))] = i
        owner[s.gloss] = i
        owner.update({u: i for u in s.usages})
        owner.update({replace_word(u, s.word, MASK): i for u in s.test_usages})
        owner.update({p: (i + paraphrase_shift) % n for p in s.paraphrases})
    return lambda texts: torch.eye(n)[[owner[t] for t in texts]]


def test_an_encoder_that_knows_every_word_reaches_one(specs):
    c = frozen_ceiling(specs, _oracle(specs))
    assert (c["recall"], c["recall_any"], c["cloze"], c["comprehension"]) == (1.0, 1.0, 1.0, 1.0)
    assert (c["recall_meaning"], c["cloze_meaning"], c["recall_all"], c["cloze_all"]) == (1.0, 1.0, 1.0, 1.0)
    assert c["words"] == 24 and c["paraphrases"] == sum(len(s.paraphrases) for s in specs)


def test_paraphrases_that_point_to_other_words_score_zero(specs):
    c = frozen_ceiling(specs, _oracle(specs, paraphrase_shift=1))
    assert c["recall"] == 0.0 and c["recall_any"] == 0.0 and c["cloze"] == 1.0


def test_meaning_forms_count_where_the_written_statement_misleads(specs):
    """Statements whose vectors carry none of their meaning (as an invented word's tokens can pull
    them away) give recall at chance; their meaning forms, beside them, restore it."""
    base = _oracle(specs)
    statements = {DEFINITION.format(word=s.word, definition=s.definition) for s in specs}
    elsewhere = torch.eye(len(specs) + 1)[-1]   # a direction no paraphrase has
    encode = lambda texts: torch.stack([elsewhere if t in statements else torch.cat([base([t])[0], torch.zeros(1)])
                                        for t in texts])
    c = frozen_ceiling(specs, encode)
    assert c["recall"] < 0.1 and c["recall_meaning"] == 1.0


def test_masked_forms_count_for_cloze_where_only_they_hold_the_meaning(specs):
    """Usage keys and statements that miss a masked usage, and masked forms that find it: cloze at
    chance without the masked forms, 1.0 with them."""
    n = len(specs)
    base = _oracle(specs)
    masked = {masked_form(DEFINITION.format(word=s.word, definition=s.definition)) for s in specs}
    queries = {replace_word(u, s.word, MASK) for s in specs for u in s.test_usages}
    elsewhere = torch.eye(n + 1)[-1]
    encode = lambda texts: torch.stack([torch.cat([base([t])[0], torch.zeros(1)]) if t in masked | queries
                                        else elsewhere for t in texts])
    c = frozen_ceiling(specs, encode)
    assert c["cloze_meaning"] < 0.1 and c["cloze_all"] == 1.0
