"""Statistics over seeds (mean, std, 95% CI) and the table cell every benchmark's report prints them in."""
from __future__ import annotations

import math
import statistics

# Student t quantiles (two-sided 95%) by degrees of freedom, for the CI half-width.
_T95 = {1: 12.706, 2: 4.303, 3: 3.182, 4: 2.776, 5: 2.571, 6: 2.447, 7: 2.365, 8: 2.306, 9: 2.262}


def summarize(values: list[float]) -> dict | None:
    values = [v for v in values if v is not None]
    if not values:
        return None
    n = len(values)
    std = statistics.stdev(values) if n > 1 else 0.0
    ci = _T95.get(n - 1, 1.96) * std / math.sqrt(n) if n > 1 else None
    return {"mean": statistics.fmean(values), "std": std, "ci95": ci, "n_seeds": n}


def cell(stat: dict | None, scale: float = 1.0, fmt: str = "{:.3f}") -> str:
    if stat is None:
        return "n/a"
    return f"{fmt.format(stat['mean'] * scale)} ± {fmt.format(stat['std'] * scale)}"
