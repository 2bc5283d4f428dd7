"""Statistics over seeds (mean, std, 95% CI; paired t-tests between two methods) and the table cell
every benchmark's report prints them in."""
from __future__ import annotations

import math
import statistics

# Student t quantiles (two-sided 95%) by degrees of freedom, for the CI half-width. Up to 9 the
# rounded table the committed metrics were computed with (kept so they stay bit for bit); beyond it
# scipy's exact quantile (1.96 was used there until 2026-12-04: 7% too narrow at 20 seeds).
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def t95(df: int) -> float:
    if df in _T95:
        return _T95[df]
    from scipy import stats
    return float(stats.t.ppf(0.975, df))


def summarize(values: list[float]) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    n = len(values)
    std = statistics.stdev(values) if n > 1 else 0.0
    ci = t95(n - 1) * std / math.sqrt(n) if n > 1 else None
    return {"mean": statistics.fmean(values), "std": std, "ci95": ci, "n_seeds": n}


def cell(stat: dict | None, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    if stat is None:
        return "n/a"
    return f"{fmt.format(stat['mean'] * scale)} ± {fmt.format(stat['std'] * scale)}"


def paired_test(a: list[float], b: list[float]) -> dict:
    """a - b over the same seeds (in the same order): the difference's statistics and the two-sided
    paired t-test's p value (None with one seed, or when every difference is the same)."""
    if len(a) != len(b):
        raise ValueError(f"paired values need the same seeds: {len(a)} vs {len(b)}")
    diff = [x - y for x, y in zip(a, b)]
    p = None
    if len(diff) > 1 and len(set(diff)) > 1:
        from scipy import stats  # here, not at the top: most reports never test

        p = float(stats.ttest_rel(a, b).pvalue)
    return {"difference": summarize(diff), "p_value": p}
