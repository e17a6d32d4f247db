"""Comparisons: each unit against its parent with funnel limits, polarity-aware verdicts and ranks."""

from __future__ import annotations

import pandas as pd
import pytest

from socialstat.analysis import comparisons
from socialstat.stats import funnel_limits

PARENTS = {"d1": "M", "d2": "M", "d3": "M", "M": "GR"}


def _shares(rows: list[tuple[str, str, float | None, float | None, str]]) -> pd.DataFrame:
    """(structure, unit, numerator, denominator, symbol) per row; a percentage of year 2024."""
    frame = pd.DataFrame(rows, columns=["structure", "unit_code", "numerator", "denominator", "symbol"])
    return frame.assign(
        indicator="X02", breakdown="total", breakdown_value="total", period=2024, method="wilson",
        value=(frame["numerator"] / frame["denominator"] * 100).where(frame["symbol"] != ".."),
    )  # fmt: skip


CELLS = _shares([
    ("municipalities", "M", 1000, 10000, ""),
    ("districts", "M", 1000, 10000, ""),
    ("districts", "d1", 150, 1000, ""),  # 15 % against 10 %: far outside the funnel
    ("districts", "d2", 105, 1000, ""),  # 10.5 %: inside
    ("districts", "d3", None, None, ".."),  # suppressed: never compared
])  # fmt: skip


def test_units_are_judged_against_their_parent_by_polarity() -> None:
    found = comparisons(CELLS, PARENTS, polarity={"X02": "higher_is_worse"}, multipliers={"X02": 100})
    by_unit = found.set_index("unit_code")
    assert set(by_unit.index) == {"d1", "d2"}  # M's parent GR is not in the release; d3 is suppressed
    assert (by_unit.at["d1", "verdict"], by_unit.at["d1", "strength"]) == ("worse", "99.8")
    assert (by_unit.at["d2", "verdict"], by_unit.at["d2", "strength"]) == ("similar", "")
    limits = funnel_limits("proportion", 10.0, 1000, confidence=0.95, multiplier=100)
    assert (by_unit.at["d1", "lower95"], by_unit.at["d1", "upper95"]) == pytest.approx((limits.lower, limits.upper))
    assert by_unit.at["d1", "parent_value"] == pytest.approx(10.0)
    assert (by_unit.at["d1", "rank"], by_unit.at["d2", "rank"], by_unit.at["d1", "siblings"]) == (1, 2, 2)


def test_without_a_polarity_the_verdict_is_higher_or_lower_and_the_scale_is_inferred() -> None:
    found = comparisons(CELLS, PARENTS).set_index("unit_code")
    assert found.at["d1", "verdict"] == "higher"
    better = comparisons(CELLS, PARENTS, polarity={"X02": "higher_is_better"}).set_index("unit_code")
    assert better.at["d1", "verdict"] == "better"
    low = _shares([("districts", "M", 1000, 10000, ""), ("districts", "d1", 50, 1000, "")])
    assert comparisons(low, PARENTS).set_index("unit_code").at["d1", "verdict"] == "lower"


def test_counts_and_other_years_are_not_compared() -> None:
    counts = CELLS.assign(method="count")
    assert comparisons(counts, PARENTS).empty
    assert comparisons(CELLS, PARENTS, year=2023).empty
