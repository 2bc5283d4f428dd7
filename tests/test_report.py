import pytest

from hsokv.report import paired_test, summarize


def test_summarize_mean_std_ci():
    s = summarize([0.5, 0.7, 0.9])
    assert s["mean"] == pytest.approx(0.7) and s["std"] == pytest.approx(0.2)
    assert s["ci95"] == pytest.approx(4.303 * 0.2 / 3**0.5)
    assert summarize([None, None]) is None
    assert summarize([0.4])["ci95"] is None


def test_paired_test_pairs_by_position():
    # differences 1, 2, 2: mean 5/3, std 1/sqrt(3), t = 5.0 on 2 degrees of freedom
    out = paired_test([1.0, 2.0, 3.0], [0.0, 0.0, 1.0])
    assert out["difference"]["mean"] == pytest.approx(5 / 3)
    assert out["p_value"] == pytest.approx(0.0377, abs=5e-4)
    assert paired_test([0.6], [0.5])["p_value"] is None           # one seed: no test
    assert paired_test([0.6, 0.7], [0.5, 0.6])["p_value"] is None  # identical differences: no spread to test
    with pytest.raises(ValueError, match="same seeds"):
        paired_test([0.1, 0.2], [0.1])


def test_ci_uses_students_t_beyond_the_table():
    """20 seeds: t(19) = 2.093, not the normal 1.96 (which made the CI 7% too narrow)."""
    values = [float(v) for v in range(20)]
    s = summarize(values)
    assert abs(s["ci95"] / (s["std"] / 20 ** 0.5) - 2.0930) < 1e-3
    assert abs(summarize(values[:10])["ci95"] / (summarize(values[:10])["std"] / 10 ** 0.5) - 2.262) < 1e-9
