"""Trends over years: Cochran-Armitage for proportions, log-linear Poisson regression for rates."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialstat.errors import InvalidStatisticInput
from socialstat.stats import proportion_trend, rate_trend, z_value


def test_the_proportion_trend_gives_the_chi_square_of_r_prop_trend_test() -> None:
    # R's stats::prop.trend.test help page: smokers <- c(83, 90, 129, 70); patients <- c(86, 93, 136, 82);
    # prop.trend.test(smokers, patients) gives X-squared = 8.2249, df = 1, p-value = 0.004132.
    found = proportion_trend([83, 90, 129, 70], [86, 93, 136, 82], [1, 2, 3, 4])
    se = (found.upper - found.value) / z_value(0.95)
    assert round((found.value / se) ** 2, 4) == 8.2249
    assert math.erfc(abs(found.value / se) / math.sqrt(2)) == pytest.approx(0.004132, abs=5e-7)
    assert found.upper < 0  # a significant fall in the share
    assert found.method == "cochran-armitage"


def test_a_rate_trend_over_two_years_is_their_rate_ratio() -> None:
    found = rate_trend([10, 30], [1000, 1000], [2020, 2021])
    assert found.value == pytest.approx(3.0)
    half = z_value(0.95) * math.sqrt(1 / 10 + 1 / 30)  # the Wald interval of log(30/10)
    assert (found.lower, found.upper) == pytest.approx((3 * math.exp(-half), 3 * math.exp(half)))


@settings(max_examples=60, deadline=None)
@given(st.lists(st.integers(1, 500), min_size=3, max_size=10), st.integers(1, 50))
def test_a_rate_trend_turns_round_with_the_years_and_ignores_the_scale(counts: list[int], scale: int) -> None:
    years = list(range(2015, 2015 + len(counts)))
    times = [1000.0 + 37 * k for k in range(len(counts))]
    forward = rate_trend(counts, times, years)
    backward = rate_trend(counts[::-1], times[::-1], years)
    assert forward.value * backward.value == pytest.approx(1.0, rel=1e-9)
    assert rate_trend(counts, [t * scale for t in times], years).value == pytest.approx(forward.value, rel=1e-9)
    assert forward.lower <= forward.value <= forward.upper


def test_trends_leave_out_missing_years_and_say_when_there_is_none() -> None:
    with_gap = rate_trend([10, float("nan"), 30], [1000, 1000, 1000], [2020, 2021, 2022])
    assert with_gap.value == pytest.approx(math.sqrt(3))  # two years two apart: 3 over two years
    assert math.isnan(rate_trend([5], [100], [2020]).value)
    assert math.isnan(rate_trend([0, 0, 5], [10, 10, 10], [1, 2, 3]).value)  # no finite slope
    assert math.isnan(rate_trend([0, 0, 0], [10, 10, 10], [1, 2, 3]).value)
    assert math.isnan(proportion_trend([1, 2], [10, 10], [2020, 2020]).value)
    with pytest.raises(InvalidStatisticInput, match="one value, base and score per year"):
        rate_trend([1, 2], [10, 10, 10], [1, 2])
    with pytest.raises(InvalidStatisticInput, match="more cases than its denominator"):
        proportion_trend([11, 2], [10, 10], [1, 2])
    assert np.isnan(proportion_trend([np.nan, 3], [10, 10], [1, 2]).value)
