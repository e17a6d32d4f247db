"""Funnel-plot control limits against PHEindicatormethods' reference tables and hand-derived values."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialstat.errors import InvalidStatisticInput
from socialstat.stats import exact_poisson_limits, funnel_limits, proportion

FUNNELS = Path(__file__).parent / "data" / "phe" / "funnels"
INPUTS = pd.read_csv(FUNNELS / "testdata_funnel_prop_inputs.csv")
# The file's baseline is rounded to 6 decimals; the package computed its limits from the unrounded one.
BASELINE = INPUTS["numerator"].sum() / INPUTS["denominator"].sum() * 100
SIGMAS = {"2s0025": 0.95, "3s0001": 0.998}  # z = Φ⁻¹(0.975) and Φ⁻¹(0.999)


def test_baseline_is_the_overall_percentage_of_the_inputs() -> None:
    outputs = pd.read_csv(FUNNELS / "testdata_funnel_prop_outputs.csv")
    assert round(BASELINE, 6) == 80.642448
    assert set(outputs["Baseline"]) == {80.642448}


def _proportion_cases() -> list[Any]:
    outputs = pd.read_csv(FUNNELS / "testdata_funnel_prop_outputs.csv")
    return [
        pytest.param(
            int(row.Population),
            SIGMAS[sigma],
            (row[f"Lower{sigma}limit"], row[f"Upper{sigma}limit"]),
            id=f"N{int(row.Population)}-{sigma}",
        )
        for _, row in outputs.iterrows()
        for sigma in SIGMAS
    ]


@pytest.mark.parametrize(("population", "confidence", "expected"), _proportion_cases())
def test_proportion_funnel_matches_phe(population: int, confidence: float, expected: tuple[float, float]) -> None:
    limits = funnel_limits("proportion", BASELINE, population, confidence=confidence, multiplier=100)
    # The file gives 6 decimals: agree to half a unit in the last place.
    assert (limits.lower, limits.upper) == pytest.approx(expected, abs=5e-7, rel=0)
    assert limits.value == BASELINE
    assert limits.method == "wilson funnel"
    assert limits.statistic == "percentage"


def test_proportion_funnel_reproduces_the_significance_of_all_303_units() -> None:
    value = INPUTS["numerator"] / INPUTS["denominator"] * 100
    at95 = funnel_limits("proportion", BASELINE, INPUTS["denominator"], confidence=0.95, multiplier=100)
    at998 = funnel_limits("proportion", BASELINE, INPUTS["denominator"], confidence=0.998, multiplier=100)
    significance = np.select(
        [value < at998.lower, value < at95.lower, value > at998.upper, value > at95.upper],
        ["Low (0.001)", "Low (0.025)", "High (0.001)", "High (0.025)"],
        "Not significant",
    )
    assert len(INPUTS) == 303
    assert significance.tolist() == INPUTS["significance"].tolist()


def test_outside_the_funnel_means_the_wilson_interval_excludes_the_baseline() -> None:
    value = INPUTS["numerator"] / INPUTS["denominator"] * 100
    funnel = funnel_limits("proportion", BASELINE, INPUTS["denominator"], confidence=0.998, multiplier=100)
    own = proportion(INPUTS["numerator"], INPUTS["denominator"], confidence=0.998, multiplier=100)
    outside = (value < funnel.lower) | (value > funnel.upper)
    excludes = (own.lower > BASELINE) | (own.upper < BASELINE)
    assert outside.tolist() == excludes.tolist()


RATE_FILES = [
    "testdata_funnel_rate_outputs.csv",
    "testdata_funnel_rate_outputs_2.csv",
    "testdata_funnel_rate_outputs_3.csv",
]


def _rate_cases() -> list[Any]:
    cases = []
    for file in RATE_FILES:
        label = file.removeprefix("testdata_funnel_").removesuffix(".csv")
        for row in pd.read_csv(FUNNELS / file).itertuples(index=False):
            cases.append(pytest.param(row, id=f"{label}-events{row.Events}"))
    return cases


@pytest.mark.parametrize("row", _rate_cases())
def test_rate_funnel_matches_phe(row: Any) -> None:
    # Each row gives, for `Events` events, the population (per year, 3 years of data) at which they lie on each
    # limit, and the limit as a rate per 100 000; PHE's bisection makes the populations good to about 6e-6.
    for side in ("lower", "upper"):
        for sigma, confidence in (("2s", 0.95), ("3s", 0.998)):
            denominator = 3 * getattr(row, f"{side}_{sigma}_population_1_year")
            limits = funnel_limits("rate", row.baseline, denominator, confidence=confidence, multiplier=100_000)
            expected = getattr(row, f"{side}_{sigma}_limit")
            assert getattr(limits, side) == pytest.approx(expected, rel=1e-5), (side, sigma)
            assert limits.value == row.baseline
            assert limits.statistic == "rate per 100000"
            assert limits.method == "exact funnel"


def test_rate_reference_cases_are_all_rows() -> None:
    assert len(_rate_cases()) == 300
    assert len(_proportion_cases()) == 200


def test_rate_funnel_by_hand() -> None:
    # Denominator 1000, multiplier 1000 (the default): the expected count is the baseline. At E = −ln 0.975 the lower
    # limit of 1 event is E, so the upper control limit is 1 event; at E = −ln 0.025 the exact upper limit of
    # 0 events is E, so the lower control limit is 0; at E = 5.5716434 (upper limit of 1 event) it is 1.
    assert funnel_limits("rate", -math.log(0.975), 1000, confidence=0.95).upper == pytest.approx(1.0, rel=1e-12)
    assert funnel_limits("rate", -math.log(0.025), 1000, confidence=0.95).lower == pytest.approx(0.0, abs=1e-12)
    lower = funnel_limits("rate", 5.571643390938898, 1000, confidence=0.95).lower
    assert lower == pytest.approx(1.0, rel=1e-12)
    # Per 100 000 over 20 000 people with 20 expected events (a baseline of 100): the control limits are the
    # counts whose exact intervals reach 20, checked against exact_poisson_limits of those counts.
    limits = funnel_limits("rate", 100, 20_000, confidence=0.998, multiplier=100_000)
    low_events, high_events = limits.lower * 20_000 / 100_000, limits.upper * 20_000 / 100_000
    assert 0 < low_events < 20 < high_events
    assert exact_poisson_limits(low_events, confidence=0.998).upper == pytest.approx(20.0, rel=1e-12)
    assert exact_poisson_limits(high_events, confidence=0.998).lower == pytest.approx(20.0, rel=1e-12)
    # 4 expected events is below 0 events' exact upper limit at 99.8 % (−ln 0.001 = 6.9): the lower limit is 0.
    assert funnel_limits("rate", 20, 20_000, confidence=0.998, multiplier=100_000).lower == 0.0
    # A baseline of 0 collapses the funnel.
    zero = funnel_limits("rate", 0, [10, 1000], confidence=0.95)
    assert zero.lower.tolist() == [0.0, 0.0]
    assert zero.upper.tolist() == [0.0, 0.0]


def test_proportion_funnel_by_hand() -> None:
    # 50 % over 100: 50 ∓ 1.959964·√(0.25/100)·100 = 50 ∓ 9.79982.
    limits = funnel_limits("proportion", 50, 100, confidence=0.95, multiplier=100)
    assert (limits.lower, limits.upper) == pytest.approx((40.20018007729973, 59.79981992270027), rel=1e-12)
    # Small populations are clipped to the scale; the default multiplier is that of `proportion` (1).
    tiny = funnel_limits("proportion", 0.5, 1, confidence=0.998)
    assert (tiny.lower, tiny.upper, tiny.statistic) == (0.0, 1.0, "proportion")


def test_arrays_missing_values_and_frame() -> None:
    limits = funnel_limits("rate", 100.0, [1000.0, np.nan, 1e6], confidence=0.95, multiplier=100_000)
    assert np.isnan(limits.lower).tolist() == [False, True, False]
    assert limits.value.tolist() == [100.0, 100.0, 100.0]
    frame = limits.to_frame()
    assert frame["method"].tolist() == ["exact funnel"] * 3
    assert frame["confidence"].tolist() == [0.95] * 3
    assert math.isnan(funnel_limits("proportion", np.nan, 100, confidence=0.95).upper)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        pytest.param({"statistic": "ratio"}, "statistic must be one of proportion, rate, got 'ratio'", id="ratio"),
        pytest.param({"baseline": 101}, "baseline must not be above multiplier: baseline 101", id="above-100"),
        pytest.param({"baseline": -1}, "baseline must not be negative", id="negative-baseline"),
        pytest.param({"denominator": [10, 0]}, "denominator must be above 0: 0 at position 1", id="zero-denominator"),
        pytest.param({"confidence": 1.0}, "confidence must be strictly between 0 and 1", id="confidence-1"),
        pytest.param({"multiplier": 0}, "multiplier must be a finite number above 0", id="multiplier-0"),
    ],
)
def test_invalid_funnel_input_names_the_rule(kwargs: dict[str, Any], message: str) -> None:
    arguments: dict[str, Any] = {
        "statistic": "proportion",
        "baseline": 50,
        "denominator": 100,
        "confidence": 0.95,
        "multiplier": 100,
    }
    arguments.update(kwargs)
    with pytest.raises(InvalidStatisticInput, match=message):
        funnel_limits(**arguments)


@given(
    statistic=st.sampled_from(["proportion", "rate"]),
    share=st.floats(min_value=0, max_value=1),
    n=st.floats(min_value=1, max_value=1e8),
    confidence=st.floats(min_value=0.5, max_value=0.9999),
)
def test_funnel_limits_bracket_the_baseline_and_narrow_with_size(
    statistic: str, share: float, n: float, confidence: float
) -> None:
    baseline = share * 100
    small, large = (funnel_limits(statistic, baseline, d, confidence=confidence, multiplier=100) for d in (n, 2 * n))
    assert 0 <= small.lower <= baseline <= small.upper
    assert small.lower <= large.lower + 1e-9 * baseline
    assert large.upper <= small.upper + 1e-9 * baseline
