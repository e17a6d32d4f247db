"""Trends in a release: changes from the previous year and over the years, with verdicts that never call noise
a change and never rest on a suppressed cell."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from socialstat.analysis import changes


def _cells(rows: list[tuple[int, float | None, float | None, str]], method: str, indicator: str = "X01",
           multiplier: float = 1.0, quality: str = "ok") -> pd.DataFrame:  # fmt: skip
    """One series: (year, numerator, denominator, symbol) per row."""
    frame = pd.DataFrame(rows, columns=["period", "numerator", "denominator", "symbol"])
    value = frame["numerator"] if method in ("count",) else frame["numerator"] / frame["denominator"] * multiplier
    return frame.assign(
        indicator=indicator, structure="municipalities", unit_code="1480", breakdown="total",
        breakdown_value="total", method=method, status=quality, value=value.where(frame["symbol"] != ".."),
    )  # fmt: skip


def _one(found: pd.DataFrame, kind: str) -> pd.Series:
    rows = found[found["kind"] == kind]
    assert len(rows) == 1
    return rows.iloc[0]


def test_a_share_that_doubles_is_increasing_in_percentage_points() -> None:
    cells = _cells([(2023, 50, 1000, ""), (2024, 100, 1000, "")], "wilson", multiplier=100)
    year = _one(changes(cells, multipliers={"X01": 100}), "year")
    assert (year["first"], year["last"], year["statistic"], year["verdict"]) == (2023, 2024, "difference", "increasing")
    assert year["estimate"] == pytest.approx(5.0)  # percentage points
    assert year["change"] == pytest.approx(5.0)
    assert year["relative"] == pytest.approx(1.0)
    assert 0 < year["lower"] < 5 < year["upper"]


def test_a_small_change_in_a_count_is_no_significant_change() -> None:
    year = _one(changes(_cells([(2023, 100, None, ""), (2024, 105, None, "")], "count")), "year")
    assert (year["statistic"], year["verdict"]) == ("rate ratio", "no significant change")
    assert year["estimate"] == pytest.approx(1.05)
    assert year["lower"] < 1 < year["upper"]
    assert not changes(_cells([(2023, 100, None, ""), (2024, 105, None, "")], "count"))["approximate"].any()


def test_a_falling_rate_over_six_years_is_decreasing() -> None:
    rows = [(y, 500 - 40 * (y - 2019), 100_000, "") for y in range(2019, 2025)]
    found = changes(_cells(rows, "byars", multiplier=1000))
    trend = _one(found, "trend")
    assert (trend["first"], trend["last"], trend["statistic"], trend["verdict"]) == (
        2019, 2024, "yearly rate ratio", "decreasing"
    )  # fmt: skip
    assert trend["upper"] < 1
    assert _one(found, "year")["statistic"] == "rate ratio"


def test_nothing_rests_on_a_suppressed_cell() -> None:
    rows = [(y, 40 + y - 2019, 1000, "") for y in range(2019, 2024)] + [(2024, None, None, "..")]
    found = changes(_cells(rows, "wilson", multiplier=100), multipliers={"X01": 100})
    assert found.empty  # no year change into 2024 and no trend ending in it
    gap = [(y, 40, 1000, "") for y in range(2018, 2025) if y != 2021] + [(2021, None, None, "..")]
    found = changes(_cells(gap, "wilson", multiplier=100), multipliers={"X01": 100})
    assert list(found["kind"]) == ["year"]  # 2022-2024 is too short a run for a trend


def test_ratios_are_described_but_not_tested_and_approximate_series_are_marked() -> None:
    cells = _cells([(2023, 1_000_000, 100, ""), (2024, 1_200_000, 100, "")], "ratio", quality="approximate")
    year = _one(changes(cells), "year")
    assert (year["statistic"], year["verdict"]) == ("none", "not tested")
    assert year["change"] == pytest.approx(2000.0)
    assert math.isnan(year["estimate"])
    assert bool(year["approximate"])
