"""Reference units, areas, mappings per period and the calibrated population."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialstat.errors import ConfigurationError
from socialstat.reference import build_population, build_units, gr_codes, municipalities
from socialstat.reference.population import largest_remainder

GR = ["1384", "1401", "1402", "1407", "1415", "1419", "1440", "1441", "1462", "1480", "1481", "1482", "1489"]


def test_sweden_has_290_municipalities_in_21_counties() -> None:
    frame = municipalities()
    assert len(frame) == 290
    assert frame["municipality_code"].is_unique
    assert frame["county_code"].nunique() == 21
    assert (frame["municipality_code"].str[:2] == frame["county_code"]).all()
    named = dict(zip(frame["municipality_code"], frame["name"], strict=True))
    assert named["0180"] == "Stockholm"
    assert named["1280"] == "Malmö"
    assert named["2584"] == "Kiruna"
    # SCB's total for 31 December 2019 (the year of the shipped municipal figures).
    assert frame["population"].sum() == 10_327_589


def test_gr_is_its_13_municipalities() -> None:
    assert gr_codes() == GR


def test_hierarchy_sweden_gr_municipalities_and_counties() -> None:
    units = build_units([*GR, "0180"])["units"].set_index("unit_code")
    assert units.loc["GR", "parent_code"] == "SE"
    assert (units.loc[GR, "parent_code"] == "GR").all()
    assert units.loc["0180", "parent_code"] == "01"
    assert units.loc["01", "level"] == "county"
    assert units.loc["1384", "county_code"] == "13"  # Kungsbacka lies in Halland


def test_goteborg_reorganisation_2021() -> None:
    frames = build_units(["1480"])
    units = frames["units"]
    districts = units[units["level"] == "district"]
    admins = units[units["level"] == "administration"]
    assert len(districts) == 10
    assert set(districts["valid_from"]) == {dt.date(2011, 1, 1)}
    assert set(districts["valid_to"]) == {dt.date(2020, 12, 31)}
    assert sorted(admins["name_sv"]) == [
        "Socialförvaltning Centrum",
        "Socialförvaltning Hisingen",
        "Socialförvaltning Nordost",
        "Socialförvaltning Sydväst",
    ]
    assert set(admins["valid_from"]) == {dt.date(2021, 1, 1)}
    assert admins["valid_to"].isna().all()


def test_every_goteborg_area_has_one_district_and_one_administration() -> None:
    frames = build_units(["1480"])
    au = frames["area_units"]
    areas = frames["areas"][frames["areas"]["municipality_code"] == "1480"]
    before = au[au["valid_from"] == dt.date(2011, 1, 1)]
    after = au[au["valid_from"] == dt.date(2021, 1, 1)]
    assert before["area_code"].value_counts().eq(1).all()
    assert set(before["area_code"]) == set(areas["area_code"])
    assert after["area_code"].value_counts().eq(1).all()
    assert set(after["area_code"]) == set(areas["area_code"])
    admin_of = dict(zip(after["area_code"], after["unit_code"], strict=True))
    district_of = dict(zip(before["area_code"], before["unit_code"], strict=True))
    expected = {"ANG": "NO", "OST": "NO", "OH": "CE", "CEN": "CE", "ML": "CE", "AFH": "SV", "VG": "SV",
                "LUN": "HI", "NH": "HI", "VH": "HI"}  # fmt: skip
    for area, district in district_of.items():
        if area == "1480-OH-05":  # the industrial area that moved to Nordost
            assert admin_of[area] == "1480-A-NO"
        else:
            assert admin_of[area] == "1480-A-" + expected[district.rsplit("-", 1)[1]]


def test_crosswalk_marks_the_approximate_part_of_the_mapping() -> None:
    cw = build_units(["1480"])["unit_crosswalk"]
    approximate = cw[cw["approximate"]]
    assert set(approximate["from_unit"]) == {"1480-D-OH"}
    assert set(approximate["to_unit"]) == {"1480-A-CE", "1480-A-NO"}
    assert cw.groupby("from_unit")["population_share"].sum().round(3).eq(1.0).all()
    assert approximate.set_index("to_unit").loc["1480-A-CE", "population_share"] > 0.98


def test_unknown_municipality_is_a_clear_error() -> None:
    with pytest.raises(ConfigurationError, match=r"unknown municipality codes \['9999'\]"):
        build_units(["9999"])


@pytest.fixture(scope="module")
def gr_population() -> pd.DataFrame:
    pop = build_population(GR, list(range(2015, 2025)))
    pop["municipality"] = pop["area_code"].str[:4]
    return pop


@pytest.mark.parametrize(
    ("year", "published"), [(2015, 548_190), (2019, 579_281), (2021, 587_549), (2023, 604_616), (2024, 608_993)]
)
def test_goteborg_population_meets_published_totals(gr_population: pd.DataFrame, year: int, published: int) -> None:
    total = gr_population.loc[(gr_population["municipality"] == "1480") & (gr_population["year"] == year), "population"]
    assert total.sum() == published


def test_gr_population_2023_meets_the_published_figures(gr_population: pd.DataFrame) -> None:
    published = {"1440": 32_446, "1489": 42_382, "1480": 604_616, "1401": 39_875, "1384": 85_653, "1482": 49_785,
                 "1441": 43_706, "1462": 14_426, "1481": 70_534, "1402": 40_730, "1415": 27_862, "1419": 16_146,
                 "1407": 12_819}  # fmt: skip
    got = gr_population[gr_population["year"] == 2023].groupby("municipality")["population"].sum().to_dict()
    assert got == published


def test_goteborg_district_populations_near_the_published(gr_population: pd.DataFrame) -> None:
    # End of 2019: Lundby 55 098, Norra Hisingen 51 847, Västra Hisingen 51 164.
    au = build_units(["1480"])["area_units"]
    before = au[au["valid_from"] == dt.date(2011, 1, 1)]
    district = dict(zip(before["area_code"], before["unit_code"], strict=True))
    pop2019 = gr_population[(gr_population["year"] == 2019) & (gr_population["municipality"] == "1480")]
    by_district = pop2019.groupby(pop2019["area_code"].map(district))["population"].sum()
    assert by_district["1480-D-LUN"] == pytest.approx(55_098, rel=0.02)
    assert by_district["1480-D-NH"] == pytest.approx(51_847, rel=0.02)
    assert by_district["1480-D-VH"] == pytest.approx(51_164, rel=0.02)


def test_population_structure_is_plausible(gr_population: pd.DataFrame) -> None:
    assert (gr_population["source"] == "synthetic").all()
    assert (gr_population["population"] >= 0).all()
    gbg = gr_population[(gr_population["municipality"] == "1480") & (gr_population["year"] == 2022)]
    share_0_20 = gbg.loc[gbg["age"] <= 20, "population"].sum() / gbg["population"].sum()
    assert 0.22 <= share_0_20 <= 0.27
    men_90 = gbg.loc[(gbg["age"] >= 90) & (gbg["sex"] == "M"), "population"].sum()
    women_90 = gbg.loc[(gbg["age"] >= 90) & (gbg["sex"] == "F"), "population"].sum()
    assert women_90 > 2 * men_90


@given(st.integers(0, 10**7), st.lists(st.floats(0.001, 1000), min_size=1, max_size=60))
def test_largest_remainder_parts_add_up_exactly(total: int, weights: list[float]) -> None:
    parts = largest_remainder(total, np.array(weights))
    assert parts.sum() == total
    assert (parts >= 0).all()
    exact = total * np.array(weights) / sum(weights)
    assert (np.abs(parts - exact) < 1 + 1e-9).all()
