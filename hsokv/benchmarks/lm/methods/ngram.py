"""Interpolated modified Kneser-Ney n-gram model (Chen & Goodman 1999), over token-id counts.

Why not a library: kenlm's PyPI package only queries ARPA/binary models (estimating one needs
its C++ `lmplz`, built from source with Boost), and nltk's KneserNeyInterpolated scores one
token at a time in pure Python, far too slow for 10^5 evaluation tokens x orders x a 1M-token
training text. Counting with numpy is exact and takes seconds.

An n-gram of ids (w_1..w_n) is one integer, sum_j w_j * V^(n-j), so counting is np.unique and
lookup np.searchsorted. For order N:
    p_N(w | h) = max(c(hw) - D(c(hw)), 0) / c(h) + gamma(h) * p_{N-1}(w | h'),
    gamma(h)   = (D1 N1(h.) + D2 N2(h.) + D3 N3+(h.)) / c(h),
where h' drops h's first token; an unseen context backs off entirely (p_N = p_{N-1}). The highest
order uses raw counts, lower orders continuation counts (the number of distinct tokens seen
before the n-gram); order 1 interpolates with the uniform distribution, so every token of the
vocabulary keeps some probability. D1, D2, D3 per order come from that order's count-of-counts.
Positions whose history is shorter than N-1 tokens use the orders their history allows.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


@dataclass
class _Level:
    """Counts of one order, raw or continuation: n-grams and their contexts."""
    codes: np.ndarray      # sorted unique n-gram codes
    counts: np.ndarray     # their counts
    ctx_codes: np.ndarray  # sorted unique context codes (n-gram code // V)
    ctx_total: np.ndarray  # sum of counts over the context's n-grams
    ctx_mass: np.ndarray   # D1 N1 + D2 N2 + D3 N3+ of the context: the mass given to the lower order
    discounts: np.ndarray  # [0, D1, D2, D3], indexed by min(count, 3)


def _discounts(counts: np.ndarray) -> np.ndarray:
    n = [int((counts == k).sum()) for k in (1, 2, 3, 4)]
    if min(n) == 0:  # too little data for count-of-counts estimates: a plain absolute discount
        return np.array([0.0, 0.5, 1.0, 1.5])
    y = n[0] / (n[0] + 2 * n[1])
    d = [k - (k + 1) * y * n[k] / n[k - 1] for k in (1, 2, 3)]
    return np.array([0.0] + [min(max(dk, 0.0), k) for k, dk in zip((1, 2, 3), d)])


def _level(codes: np.ndarray, counts: np.ndarray, vocab_size: int) -> _Level:
    discounts = _discounts(counts)
    ctx = codes // vocab_size
    ctx_codes, start = np.unique(ctx, return_index=True)  # codes are sorted, so contexts are contiguous
    ctx_total = np.add.reduceat(counts, start).astype(np.float64)
    ctx_mass = np.add.reduceat(discounts[np.minimum(counts, 3)], start)
    return _Level(codes, counts, ctx_codes, ctx_total, ctx_mass, discounts)


def _lookup(sorted_codes: np.ndarray, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(index, found) of each query in sorted_codes."""
    idx = np.minimum(np.searchsorted(sorted_codes, queries), len(sorted_codes) - 1)
    return idx, sorted_codes[idx] == queries


class KneserNey:
    """fit(train ids) once with the largest order wanted; log_probs(ids, order) for any order up to it."""

    def __init__(self, vocab_size: int, max_order: int):
        if max_order * math.log2(max(vocab_size, 2)) > 62:
            raise ValueError(f"an order-{max_order} n-gram over {vocab_size} tokens does not fit in 64-bit codes; "
                             f"use orders up to {int(62 // math.log2(max(vocab_size, 2)))}")
        self.vocab_size, self.max_order = vocab_size, max_order

    def fit(self, ids: np.ndarray) -> "KneserNey":
        V, ids = self.vocab_size, np.asarray(ids, dtype=np.int64)
        self.raw, self.cont = {}, {}
        grams = ids.copy()  # grams[i]: code of the n-gram ending at ids[i + n - 1]
        unique_prev = None
        for n in range(1, self.max_order + 1):
            if n > 1:
                grams = grams[:-1] * V + ids[n - 1:]
            codes, counts = np.unique(grams, return_counts=True)
            self.raw[n] = _level(codes, counts, V)
            if unique_prev is not None:
                # continuation count of an (n-1)-gram: distinct tokens seen right before it
                suffix_codes, suffix_counts = np.unique(codes % V ** (n - 1), return_counts=True)
                self.cont[n - 1] = _level(suffix_codes, suffix_counts, V)
            unique_prev = codes
        return self

    def log_probs(self, ids: np.ndarray, order: int) -> np.ndarray:
        """ln p(ids[i] | ids[max(0, i - order + 1):i]) for i = 1 .. len(ids) - 1."""
        assert 1 <= order <= self.max_order
        V, ids = self.vocab_size, np.asarray(ids, dtype=np.int64)
        targets = ids[1:]
        p = np.full(len(targets), 1.0 / V)
        grams = targets.copy()  # grams[j]: n-gram ending at targets[j], valid where j >= n - 2
        for n in range(1, order + 1):
            level = self.raw[n] if n == order else self.cont[n]
            if n > 1:
                # the token before the current (n-1)-gram: ids[j + 2 - n], where the split has it
                before = np.zeros(len(targets), dtype=np.int64)
                before[n - 2:] = ids[:max(0, len(targets) - n + 2)]
                grams = before * V ** (n - 1) + grams
            has_history = np.arange(len(targets)) >= n - 2
            ctx_idx, ctx_found = _lookup(level.ctx_codes, grams // V)
            ctx_found &= has_history
            gram_idx, gram_found = _lookup(level.codes, grams)
            count = np.where(gram_found & ctx_found, level.counts[gram_idx], 0)
            total = np.where(ctx_found, level.ctx_total[ctx_idx], 1.0)
            mass = np.where(ctx_found, level.ctx_mass[ctx_idx], 1.0)
            if n == 1:  # the unigram's "context" is empty: one context holding every token
                total, mass = level.ctx_total[0], level.ctx_mass[0]
            mixed = (np.maximum(count - level.discounts[np.minimum(count, 3)], 0) + mass * p) / total
            p = np.where(ctx_found | (n == 1), mixed, p)
        return np.log(p)


def select_order(model: KneserNey, val_ids: np.ndarray, orders: list[int]) -> tuple[int, dict[int, float]]:
    """The order with the lowest mean validation loss, and every order's loss."""
    losses = {n: float(-model.log_probs(val_ids, n).mean()) for n in orders}
    return min(losses, key=losses.get), losses
