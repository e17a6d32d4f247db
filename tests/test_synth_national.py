"""National calibration: the rest of Sweden shares the published national totals less Göteborg's."""

from __future__ import annotations

import pytest

from socialstat.reference import municipalities
from socialstat.synth.common import by_year
from socialstat.synth.national import (
    national_amount_per_household,
    national_homeless_persons,
    national_households,
    share_of_rest,
)


@pytest.mark.parametrize("domain", ["assistance", "homelessness"])
def test_shares_of_the_rest_of_sweden_add_up_to_one(domain: str) -> None:
    codes = [c for c in municipalities()["municipality_code"] if c != "1480"]
    total = sum(share_of_rest(c, 2020, 99, domain) for c in codes)
    assert total == pytest.approx(1.0, abs=1e-12)
    assert share_of_rest("0180", 2020, 99, domain) > share_of_rest("2584", 2020, 99, domain)  # Stockholm > Kiruna


@pytest.mark.parametrize(
    ("year", "households"), [(2012, 225_106), (2017, 213_550), (2022, 160_630), (2024, 145_456), (2030, 145_456)]
)
def test_national_households_follow_the_published_series(year: int, households: int) -> None:
    assert national_households(year) == households


@pytest.mark.parametrize(("year", "amount"), [(2017, 50_258), (2022, 67_020), (2024, 75_045)])
def test_national_amount_per_household_is_published_where_known(year: int, amount: int) -> None:
    assert national_amount_per_household(year) == pytest.approx(amount)


def test_national_amount_per_household_between_and_before() -> None:
    assert 50_258 < national_amount_per_household(2019) < 67_020
    assert national_amount_per_household(2015) < national_amount_per_household(2016) < 50_258


def test_national_homeless_persons() -> None:
    assert national_homeless_persons(2017) == 33_250
    assert national_homeless_persons(2015) == 33_250


def test_by_year_interpolates_and_clamps() -> None:
    values = {2015: 1.0, 2019: 3.0}
    assert by_year(values, 2017) == 2.0
    assert by_year(values, 2010) == 1.0
    assert by_year(values, 2030) == 3.0
