import pytest

from hsokv.report import summarize


def test_summarize_mean_std_ci():
    s = summarize([0.5, 0.7, 0.9])
    assert s["mean"] == pytest.approx(0.7) and s["std"] == pytest.approx(0.2)
    assert s["ci95"] == pytest.approx(4.303 * 0.2 / 3**0.5)
    assert summarize([None, None]) is None
    assert summarize([0.4])["ci95"] is None
