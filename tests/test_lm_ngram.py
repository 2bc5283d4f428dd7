"""hsokv/benchmarks/lm/methods/ngram.py: Kneser-Ney probabilities against the formula, counted by hand."""
import math
from collections import Counter, defaultdict

import numpy as np
import pytest

from hsokv.benchmarks.lm.methods.ngram import KneserNey, _discounts, select_order

RNG = np.random.default_rng(0)
TRAIN = RNG.choice(6, size=3000, p=[0.3, 0.25, 0.2, 0.15, 0.07, 0.03])  # skewed, so counts vary
TEXT = np.concatenate([TRAIN[:200], [5, 5, 5, 4]])  # contexts both seen and unseen


@pytest.mark.parametrize("order", [1, 2, 3, 5])
def test_every_distribution_sums_to_one(order):
    model = KneserNey(6, 5).fit(TRAIN)
    for end in (1, 2, 7, 60, len(TEXT)):  # histories shorter than, equal to and longer than order - 1
        history = TEXT[:end]
        probs = [math.exp(model.log_probs(np.append(history, w), order)[-1]) for w in range(6)]
        assert sum(probs) == pytest.approx(1.0, abs=1e-12) and min(probs) > 0


def _reference(train: list[int], text: list[int], order: int, vocab: int) -> list[float]:
    """Interpolated modified Kneser-Ney written out with dictionaries, one position at a time."""
    raw = {n: Counter(tuple(train[i:i + n]) for i in range(len(train) - n + 1)) for n in range(1, order + 1)}
    levels = {}
    for n in range(1, order + 1):
        counts = raw[n] if n == order else Counter(g[1:] for g in raw[n + 1])
        d = _discounts(np.array(list(counts.values())))
        total, mass = defaultdict(float), defaultdict(float)
        for g, c in counts.items():
            total[g[:-1]] += c
            mass[g[:-1]] += d[min(c, 3)]
        levels[n] = counts, d, total, mass

    def p(history, w, n):
        if n == 0:
            return 1.0 / vocab
        counts, d, total, mass = levels[n]
        h = tuple(history[len(history) - n + 1:]) if n > 1 else ()
        lower = p(history, w, n - 1)
        if h not in total:
            return lower
        c = counts.get(h + (w,), 0)
        return (max(c - d[min(c, 3)], 0) + mass[h] * lower) / total[h]
    return [math.log(p(text[max(0, i - order + 1):i], text[i], min(order, i + 1))) for i in range(1, len(text))]


@pytest.mark.parametrize("order", [1, 3, 4])
def test_matches_the_formula_position_by_position(order):
    model = KneserNey(6, 4).fit(TRAIN)
    expected = _reference(TRAIN.tolist(), TEXT.tolist(), order, 6)
    assert np.allclose(model.log_probs(TEXT, order), expected, atol=1e-12)


def test_discounts_follow_chen_and_goodman():
    counts = np.array([1] * 10 + [2] * 4 + [3] * 2 + [4] * 1 + [9])
    y = 10 / (10 + 2 * 4)
    assert np.allclose(_discounts(counts), [0, 1 - 2 * y * 4 / 10, 2 - 3 * y * 2 / 4, 3 - 4 * y * 1 / 2])


def test_order_is_chosen_on_the_text_given():
    model = KneserNey(6, 4).fit(TRAIN)
    order, losses = select_order(model, TEXT, [1, 2, 3, 4])
    assert losses[order] == min(losses.values()) and set(losses) == {1, 2, 3, 4}


def test_orders_too_long_for_64_bit_codes_are_refused():
    with pytest.raises(ValueError, match="use orders up to 3"):
        KneserNey(50_000, 4)  # 50,000^4 > 2^62
