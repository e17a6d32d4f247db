"""Proportions, rates and their limit formulas against PHEindicatormethods' reference tables and hand-derived values."""

from __future__ import annotations

import math
from dataclasses import FrozenInstanceError
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialstat.errors import InvalidStatisticInput, SocialstatError
from socialstat.stats import (
    Estimate,
    byars_limits,
    exact_poisson_limits,
    proportion,
    rate,
    wilson_limits,
    z_value,
)

PHE = Path(__file__).parent / "data" / "phe"
REL = 1e-9  # the sheets give 15–17 significant digits; our formulas agree to about 2e-14
LEVELS = {"95": 0.95, "99_8": 0.998}


def _cases(file: str) -> list[Any]:
    """One case per sheet row and confidence level the row holds (the `_g` sheets hold only 95 %)."""
    cases = []
    for row in pd.read_csv(PHE / file).itertuples(index=False):
        sheet = str(row.source).split(":")[1].removeprefix("testdata_")
        for suffix in ("95", "99_8") if not sheet.endswith("_g") else ("95",):
            case_id = f"{sheet}-{row.area}-m{row.multiplier:g}-{suffix.replace('_', '.')}"
            expected = (row.value, getattr(row, f"lower{suffix}"), getattr(row, f"upper{suffix}"))
            cases.append(pytest.param(row, LEVELS[suffix], expected, id=case_id))
    return cases


def _same(actual: float, expected: float) -> bool:
    """Equal to REL, or both missing."""
    if math.isnan(expected):
        return math.isnan(actual)
    return actual == pytest.approx(expected, rel=REL, abs=0)


def _check(estimate: Estimate, expected: tuple[float, float, float]) -> None:
    actual = (estimate.value, estimate.lower, estimate.upper)
    assert isinstance(estimate.value, float)
    assert all(_same(a, e) for a, e in zip(actual, expected, strict=True)), (actual, expected)


@pytest.mark.parametrize(("row", "confidence", "expected"), _cases("proportions_wilson.csv"))
def test_proportion_matches_phe(row: Any, confidence: float, expected: tuple[float, float, float]) -> None:
    estimate = proportion(row.numerator, row.denominator, confidence=confidence, multiplier=row.multiplier)
    _check(estimate, expected)
    assert estimate.method == "wilson" == row.method.lower()
    assert estimate.confidence == confidence
    assert estimate.statistic == {1: "proportion", 100: "percentage"}[row.multiplier]


@pytest.mark.parametrize(("row", "confidence", "expected"), _cases("rates_byars_exact.csv"))
def test_rate_matches_phe(row: Any, confidence: float, expected: tuple[float, float, float]) -> None:
    estimate = rate(row.numerator, row.denominator, confidence=confidence, multiplier=row.multiplier)
    _check(estimate, expected)
    assert estimate.method == (row.method.lower() if isinstance(row.method, str) else "missing")
    assert estimate.statistic == {100: "rate per 100", 100_000: "rate per 100000"}[row.multiplier]


def _unit_cases() -> list[Any]:
    cases = []
    for row in pd.read_csv(PHE / "byars_wilson_unit.csv").itertuples(index=False):
        case_id = (
            f"{row.method}-x{row.x:g}" + (f"-n{row.n:g}" if row.method == "Wilson" else "") + f"-{row.confidence_pct:g}"
        )
        cases.append(pytest.param(row, id=case_id))
    return cases


@pytest.mark.parametrize("row", _unit_cases())
def test_raw_limits_match_phe(row: Any) -> None:
    confidence = {95: 0.95, 99.8: 0.998}[row.confidence_pct]
    if row.method == "Byars":
        limits = byars_limits(row.x, confidence=confidence)
    else:
        limits = wilson_limits(row.x, row.n, confidence=confidence)
    assert _same(limits.lower, row.lowercl), (limits, row)
    assert _same(limits.upper, row.uppercl), (limits, row)


def test_phe_tables_cover_what_we_claim() -> None:
    assert len(_cases("proportions_wilson.csv")) == 49
    assert len(_cases("rates_byars_exact.csv")) == 52
    assert len(_unit_cases()) == 13


# Hand-derived values: z = Φ⁻¹(0.975) = 1.959963984540054, z² = 3.8414588206941254.


def _numbers(estimate: Estimate) -> tuple[Any, Any, Any]:
    return estimate.value, estimate.lower, estimate.upper


def test_z_values() -> None:
    assert z_value(0.95) == pytest.approx(1.959963984540054, rel=1e-15)
    assert z_value(0.998) == pytest.approx(3.090232306167813, rel=1e-15)


def test_wilson_at_the_edges() -> None:
    # 0/10: lower 0; upper (z² + z·z)/(2(10 + z²)) = z²/(10 + z²).
    assert _numbers(proportion(0, 10)) == pytest.approx((0.0, 0.0, 0.2775327998628892), rel=1e-12)
    # 10/10: lower (20 + z² − z²)/(2(10 + z²)) = 10/(10 + z²); upper 1.
    assert _numbers(proportion(10, 10)) == pytest.approx((1.0, 0.7224672001371107, 1.0), rel=1e-12)
    assert proportion(10, 10, multiplier=100).upper == 100.0


def test_exact_poisson_by_hand() -> None:
    # 0 events: P(X = 0 | λ) = e^−λ = 0.025 gives the upper limit −ln 0.025; the lower limit is 0.
    assert exact_poisson_limits(0) == (0.0, pytest.approx(3.6888794541139363, rel=1e-14))
    # 1 event: the lower limit solves P(X >= 1 | λ) = 1 − e^−λ = 0.025, the upper e^−λ(1 + λ) = 0.025.
    lower, upper = exact_poisson_limits(1)
    assert lower == pytest.approx(-math.log(0.975), rel=1e-14)
    assert upper == pytest.approx(5.571643390938898, rel=1e-14)
    assert math.exp(-upper) * (1 + upper) == pytest.approx(0.025, rel=1e-12)


def test_rate_switches_from_exact_to_byars_at_ten_events() -> None:
    assert rate(9, 1000).method == "exact"
    assert rate(10, 1000).method == "byars"
    assert rate([9.5, 10, 0], 1000).method.tolist() == ["exact", "byars", "exact"]
    # 5 events in 100 per 1000: 50, with the exact limits of 5 events (1.6234864, 11.668332) × 10.
    assert _numbers(rate(5, 100)) == pytest.approx((50.0, 16.234863901184212, 116.68332079322669), rel=1e-12)
    assert rate(5, 100).statistic == "rate per 1000"


def test_byars_lower_is_missing_where_the_approximation_fails() -> None:
    assert math.isnan(byars_limits(0).lower)
    assert math.isnan(byars_limits(1, confidence=0.998).lower)
    assert byars_limits(1).lower == pytest.approx(0.013072132901504351, rel=1e-12)


# Scalars, arrays, missing values and the record.


def test_arrays_give_the_same_numbers_as_scalars() -> None:
    table = pd.read_csv(PHE / "rates_byars_exact.csv")
    estimate = rate(table["numerator"], table["denominator"], confidence=0.998, multiplier=100)
    assert isinstance(estimate.value, np.ndarray)
    assert estimate.value.shape == (len(table),)
    for i, (x, n) in enumerate(zip(table["numerator"], table["denominator"], strict=True)):
        one = rate(x, n, confidence=0.998, multiplier=100)
        for field in ("value", "lower", "upper"):
            # numpy's vectorised and scalar loops may differ in the last bit, never more.
            np.testing.assert_allclose(getattr(estimate, field)[i], getattr(one, field), rtol=1e-15, atol=0)
        assert estimate.method[i] == one.method
    grid = proportion([[1, 2], [3, 4]], 10)
    assert np.shape(grid.lower) == (2, 2)
    assert grid.lower[1, 0] == proportion(3, 10).lower


def test_missing_input_gives_nan_value_and_limits() -> None:
    for estimate in (proportion(np.nan, 100), proportion(5, None), rate(np.nan, 100), rate(10, np.nan)):
        assert all(math.isnan(v) for v in (estimate.value, estimate.lower, estimate.upper))
    assert rate(np.nan, 100).method == "missing"
    assert rate(10, np.nan).method == "byars"
    nullable = pd.Series([5, None, 7], dtype="Int64")
    estimate = proportion(nullable, 10)
    assert np.isnan(estimate.value).tolist() == [False, True, False]
    assert np.isnan(exact_poisson_limits([np.nan, 1]).upper).tolist() == [True, False]


def test_to_frame_and_immutability() -> None:
    frame = proportion([1, 5], [10, 10], multiplier=100).to_frame()
    assert list(frame.columns) == ["value", "lower", "upper", "confidence", "statistic", "method"]
    assert frame["value"].tolist() == [10.0, 50.0]
    assert frame["statistic"].tolist() == ["percentage", "percentage"]
    assert frame["method"].tolist() == ["wilson", "wilson"]
    assert len(rate(3, 100).to_frame()) == 1
    estimate = rate([3, 30], 100)
    with pytest.raises(FrozenInstanceError):
        estimate.confidence = 0.5  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        estimate.lower[0] = 0  # type: ignore[index]


# Errors: each names the rule, and the position for arrays.


@pytest.mark.parametrize(
    ("call", "message"),
    [
        pytest.param(lambda: proportion(-1, 10), "numerator must not be negative: -1$", id="negative-numerator"),
        pytest.param(
            lambda: proportion([1, 7, 2, 9], 5),
            "numerator must not be above denominator: numerator 7 is above denominator 5 at position 1 .and 1 more.",
            id="numerator-above-denominator",
        ),
        pytest.param(lambda: proportion(0, 0), "denominator must be above 0: 0", id="proportion-zero-denominator"),
        pytest.param(lambda: rate([1, -3], 10), "count must not be negative: -3 at position 1$", id="negative-count"),
        pytest.param(lambda: rate(1, [[5, 0]]), r"denominator must be above 0: 0 at position \(0, 1\)", id="rate-0"),
        pytest.param(lambda: rate(np.inf, 10), "count must be finite", id="infinite-count"),
        pytest.param(lambda: byars_limits(-2), "count must not be negative", id="byars-negative"),
        pytest.param(lambda: exact_poisson_limits(-2), "count must not be negative", id="exact-negative"),
        pytest.param(lambda: wilson_limits(3, 2), "numerator must not be above denominator", id="wilson-above"),
        pytest.param(lambda: proportion(["a"], 2), "numerator must be numeric", id="not-numeric"),
        pytest.param(lambda: rate([1, 2, 3], [4, 5]), "inputs must have the same shape", id="shapes"),
        pytest.param(lambda: proportion(1, 2, confidence=0), "confidence must be strictly between 0 and 1", id="c0"),
        pytest.param(lambda: proportion(1, 2, confidence=1), "confidence must be strictly between 0 and 1", id="c1"),
        pytest.param(lambda: rate(1, 2, confidence=1.5), "confidence must be strictly between 0 and 1", id="c1.5"),
        pytest.param(lambda: rate(1, 2, confidence=95), "got 95$", id="c-percent"),
        pytest.param(lambda: rate(1, 2, confidence=math.nan), "confidence must be", id="c-nan"),
        pytest.param(lambda: rate(1, 2, confidence=[0.95, 0.998]), "confidence must be one number", id="c-list"),
        pytest.param(lambda: byars_limits(1, confidence=True), "confidence must be one number", id="c-bool"),
        pytest.param(lambda: proportion(1, 2, multiplier=0), "multiplier must be a finite number above 0", id="m0"),
        pytest.param(lambda: rate(1, 2, multiplier=-1000), "multiplier must be a finite number above 0", id="m-neg"),
    ],
)
def test_invalid_input_names_the_rule(call: Any, message: str) -> None:
    with pytest.raises(InvalidStatisticInput, match=message) as caught:
        call()
    assert isinstance(caught.value, ValueError)
    assert isinstance(caught.value, SocialstatError)


def test_an_error_shows_only_the_first_value() -> None:
    with pytest.raises(InvalidStatisticInput) as caught:
        rate(-np.arange(1, 1001), 10)
    assert str(caught.value) == "count must not be negative: -1 at position 0 (and 999 more)"


# Properties.

counts = st.integers(min_value=0, max_value=10**6)
levels = st.floats(min_value=0.5, max_value=0.9999)
multipliers = st.sampled_from([1, 100, 1000, 100_000])


@given(
    x=counts,
    extra=st.integers(min_value=0, max_value=10**7),
    confidence=levels,
    multiplier=multipliers,
)
def test_proportion_limits_bracket_the_value_within_the_scale(
    x: int, extra: int, confidence: float, multiplier: int
) -> None:
    n = max(x + extra, 1)
    estimate = proportion(x, n, confidence=confidence, multiplier=multiplier)
    assert 0 <= estimate.lower <= estimate.value <= estimate.upper <= multiplier


@given(x=counts, n=st.floats(min_value=1e-3, max_value=1e9), confidence=levels)
def test_rate_limits_bracket_the_value(x: int, n: float, confidence: float) -> None:
    estimate = rate(x, n, confidence=confidence)
    assert 0 <= estimate.lower <= estimate.value <= estimate.upper


@given(x=counts, extra=st.integers(min_value=0, max_value=10**7), low=levels, high=levels)
def test_limits_widen_when_confidence_rises(x: int, extra: int, low: float, high: float) -> None:
    low, high = sorted((low, high))
    n = max(x + extra, 1)
    narrow, wide = proportion(x, n, confidence=low), proportion(x, n, confidence=high)
    assert wide.lower <= narrow.lower
    assert narrow.upper <= wide.upper
    narrow, wide = rate(x, n, confidence=low), rate(x, n, confidence=high)
    assert wide.lower <= narrow.lower
    assert narrow.upper <= wide.upper
