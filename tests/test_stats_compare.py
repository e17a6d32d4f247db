"""Comparisons of two groups or years: difference of proportions (Newcombe) and rate ratio (exact conditional)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import binomtest

from socialstat.errors import InvalidStatisticInput
from socialstat.stats import difference_of_proportions, rate_ratio

# Newcombe (1998), Stat Med 17:873-890, Table II, method 10 (hybrid score, no continuity correction): the
# published 95 % limits of his worked examples, to four decimals. His example 6/7 - 2/7 is left out: the value
# at hand (0.0667, 0.8347) could not be confirmed against the paper, and this implementation gives 0.0582, 0.8062.
NEWCOMBE = [
    ((56, 70, 48, 80), (0.0524, 0.3339)),
    ((9, 10, 3, 10), (0.1705, 0.8090)),
    ((5, 56, 0, 29), (-0.0381, 0.1926)),
    ((0, 10, 0, 20), (-0.1611, 0.2775)),
    ((0, 10, 0, 10), (-0.2775, 0.2775)),
    ((10, 10, 0, 20), (0.6791, 1.0000)),
    ((10, 10, 0, 10), (0.6075, 1.0000)),
]


@pytest.mark.parametrize(("counts", "limits"), NEWCOMBE)
def test_the_difference_of_proportions_has_newcombes_published_limits(
    counts: tuple[int, int, int, int], limits: tuple[float, float]
) -> None:
    found = difference_of_proportions(*counts)
    assert found.value == pytest.approx(counts[0] / counts[1] - counts[2] / counts[3])
    assert (round(found.lower, 4), round(found.upper, 4)) == limits
    assert found.method == "newcombe"


def test_differences_take_arrays_and_a_multiplier() -> None:
    found = difference_of_proportions(np.array([56, 9]), np.array([70, 10]), np.array([48, 3]), np.array([80, 10]),
                                      multiplier=100)  # fmt: skip
    assert np.allclose(found.value, [20.0, 60.0])
    assert np.allclose(np.round(found.lower, 2), [5.24, 17.05])
    assert found.statistic == "difference of proportions per 100"
    with pytest.raises(InvalidStatisticInput):
        difference_of_proportions(11, 10, 1, 10)


def test_the_rate_ratio_has_the_exact_conditional_limits() -> None:
    found = rate_ratio(11, 800, 21, 3011)
    assert found.value == pytest.approx((11 / 800) / (21 / 3011))
    # Independently: scipy's Clopper-Pearson interval of 11 of 32 events, mapped to the ratio of the rates.
    share = binomtest(11, 32, 800 / 3811).proportion_ci(0.95, method="exact")
    to_ratio = lambda p: p / (1 - p) * 3011 / 800  # noqa: E731
    assert found.lower == pytest.approx(to_ratio(share.low), rel=1e-10)
    assert found.upper == pytest.approx(to_ratio(share.high), rel=1e-10)
    assert found.lower < 1 < found.upper  # not significant at 95 %


def test_rate_ratios_at_the_edges() -> None:
    none_before = rate_ratio(5, 100, 0, 100)
    assert (none_before.value, none_before.upper) == (math.inf, math.inf)
    assert none_before.lower > 0
    none_now = rate_ratio(0, 100, 5, 100)
    assert (none_now.value, none_now.lower) == (0.0, 0.0)
    nothing = rate_ratio(0, 100, 0, 100)
    assert math.isnan(nothing.value)
    assert (nothing.lower, nothing.upper) == (0.0, math.inf)
    both = rate_ratio(np.array([11, 200]), np.array([800, 1000]), np.array([21, 100]), np.array([3011, 1000]))
    assert both.lower[1] > 1  # 200 against 100 in the same population: a significant rise
    with pytest.raises(InvalidStatisticInput):
        rate_ratio(-1, 10, 1, 10)
    with pytest.raises(InvalidStatisticInput):
        rate_ratio(1, 0, 1, 10)
