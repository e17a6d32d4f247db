"""The indicator engine on a small hand-made data set, with every expected numerator and denominator written out.

Göteborg's real unit structure with a hand-made population of two areas: Hjällbo (Angered district 2011–2020,
Nordost administration 2021–) and Linnéstaden (Majorna-Linné, Centrum). Edge cases: events on 31 December and
1 January, a young person turning 18, a child moving between districts, a placement spanning years, an
intervention still open, and a rate with few events (exact Poisson limits).
"""

from __future__ import annotations

import datetime as dt
import uuid
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialstat.errors import ConfigurationError, SpecificationError
from socialstat.indicators import compute, compute_indicator, load_catalogue, parse_indicator
from socialstat.indicators.docs import render_catalogue
from socialstat.reference import build_units
from socialstat.stats import proportion, rate
from socialstat.store import Store, init_store, load_canonical
from socialstat.synth.writer import CanonicalWriter

ROOT = Path(__file__).resolve().parents[1]
HJALLBO, LINNE = "1480-ANG-01", "1480-ML-01"
D = dt.date
K = {name: str(uuid.UUID(int=i)) for i, name in enumerate(["anna", "bo", "cilla", "dan", "eva", "hh1", "hh2"], start=1)}


def _population() -> pd.DataFrame:
    rows = []
    for year in (2020, 2021):
        for area, per_age in ((HJALLBO, 10), (LINNE, 5)):
            for sex in ("F", "M"):
                rows += [
                    {"area_code": area, "year": year, "sex": sex, "age": a, "population": per_age} for a in range(101)
                ]
    frame = pd.DataFrame(rows)
    frame["source"] = "synthetic"
    return frame


def _referral(
    rid: str, person: str, area: str, received: dt.date, kind: str = "report", decided: dt.date | None = None
) -> dict[str, object]:
    return {
        "referral_id": rid,
        "person_key": K[person],
        "municipality_code": "1480",
        "area_code": area,
        "received_date": received,
        "kind": kind,
        "reporter": "school",
        "decision": "no_investigation" if decided else None,
        "decision_date": decided,
    }


def _intervention(
    iid: str, person: str, area: str, start: dt.date, end: dt.date | None, category: str, **kw: object
) -> dict[str, object]:
    return {
        "intervention_id": iid,
        "person_key": K[person],
        "investigation_id": None,
        "municipality_code": "1480",
        "area_code": area,
        "start_date": start,
        "end_date": end,
        "category": category,
        "legal_basis": kw.get("legal_basis", "sol"),
        "service_area": kw.get("service_area", "children_youth"),
        "reason_violence": kw.get("reason_violence", False),
    }


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Store:
    out = tmp_path_factory.mktemp("hand") / "canonical"
    persons = pd.DataFrame(
        [
            {"person_key": K["anna"], "birth_year": 2010, "sex": "F", "identity_kind": "personnummer"},
            {"person_key": K["bo"], "birth_year": 2003, "sex": "M", "identity_kind": "personnummer"},  # 18 in 2021
            {"person_key": K["cilla"], "birth_year": 2015, "sex": "F", "identity_kind": "samordningsnummer"},
            {"person_key": K["dan"], "birth_year": 1980, "sex": "M", "identity_kind": "personnummer"},
            {"person_key": K["eva"], "birth_year": 1999, "sex": "F", "identity_kind": "personnummer"},  # 21 in 2020
            # assistance applicants: hh1 turns 24 in 2021 (25 in 2022), hh2 turns 25 in 2021
            {"person_key": K["hh1"], "birth_year": 1997, "sex": "M", "identity_kind": "personnummer"},
            {"person_key": K["hh2"], "birth_year": 1996, "sex": "F", "identity_kind": "samordningsnummer"},
        ]
    )
    referrals = pd.DataFrame(
        [
            _referral("r1", "anna", HJALLBO, D(2020, 12, 31), decided=D(2020, 12, 31)),  # last day of 2020
            _referral("r2", "anna", LINNE, D(2021, 1, 1), "application", D(2021, 1, 15)),  # moved; 14 days
            _referral("r3", "anna", LINNE, D(2021, 6, 1), decided=D(2021, 6, 16)),  # 15 days: late
            _referral("r4", "bo", HJALLBO, D(2020, 3, 1)),  # 17 in 2020; no decision yet
            _referral("r5", "bo", HJALLBO, D(2021, 3, 1), "other_information", D(2021, 3, 2)),  # 18 in 2021
            _referral("r6", "cilla", LINNE, D(2021, 9, 1), decided=D(2021, 9, 1)),
            _referral("r7", "eva", LINNE, D(2020, 5, 5), decided=D(2020, 5, 6)),  # 21: outside 0–20
        ]
    )
    interventions = pd.DataFrame(
        [
            _intervention("i1", "anna", HJALLBO, D(2020, 11, 1), D(2021, 2, 28), "foster_care"),  # spans the years
            _intervention("i2", "cilla", LINNE, D(2021, 5, 1), None, "residential_care_hvb", legal_basis="lvu"),
            _intervention(
                "i3",
                "cilla",
                LINNE,
                D(2021, 1, 1),
                D(2021, 3, 1),
                "violence_support",
                service_area="domestic_violence",
                reason_violence=True,
            ),
            _intervention(
                "i5",
                "eva",
                LINNE,
                D(2021, 2, 1),
                D(2021, 4, 30),
                "violence_support",
                service_area="domestic_violence",
                reason_violence=True,
            ),  # an adult, 22
            _intervention(
                "i6", "dan", HJALLBO, D(2021, 3, 1), None, "perpetrator_programme", service_area="domestic_violence"
            ),
            _intervention(
                "i7", "bo", HJALLBO, D(2021, 2, 1), D(2021, 8, 1), "youth_crime_support", service_area="criminality"
            ),  # 18
            _intervention(
                "i8", "dan", HJALLBO, D(2020, 6, 1), D(2021, 3, 1), "exit_programme", service_area="criminality"
            ),  # spans the years
            _intervention(
                "i9",
                "eva",
                LINNE,
                D(2021, 9, 1),
                D(2021, 12, 31),
                "addiction_outpatient",
                service_area="substance_abuse",
            ),  # 22
            _intervention(
                "i10",
                "bo",
                HJALLBO,
                D(2020, 4, 1),
                D(2020, 6, 30),
                "addiction_outpatient",
                service_area="substance_abuse",
            ),  # 17
            _intervention("i11", "anna", LINNE, D(2021, 3, 1), None, "contact_person"),
            _intervention(
                "i13",
                "eva",
                LINNE,
                D(2021, 5, 1),
                D(2021, 5, 10),
                "protected_housing",
                service_area="domestic_violence",
                reason_violence=True,
            ),
            _intervention(
                "i12",
                "dan",
                HJALLBO,
                D(2021, 10, 1),
                D(2021, 10, 10),
                "addiction_residential",
                service_area="substance_abuse",
            ),
            _intervention(
                "i4",
                "dan",
                HJALLBO,
                D(2019, 6, 1),
                D(2020, 1, 1),
                "lvm_care",
                legal_basis="lvm",
                service_area="substance_abuse",
            ),
        ]
    )
    reasons = pd.DataFrame(
        [("r1", "domestic_violence_abuse"), ("r1", "neglect"), ("r2", "child_criminality"),
         ("r3", "domestic_violence_abuse"), ("r6", "honour_violence")],
        columns=["referral_id", "reason"],
    )  # fmt: skip
    investigations = pd.DataFrame(
        [
            # Four calendar months from 31 October 2020 end on 28 February 2021: in time.
            {
                "investigation_id": "u1",
                "start_date": D(2020, 10, 31),
                "end_date": D(2021, 2, 28),
                "person_key": K["anna"],
            },
            # Four months from 15 January end on 15 May: 16 May is late.
            {
                "investigation_id": "u2",
                "start_date": D(2021, 1, 15),
                "end_date": D(2021, 5, 16),
                "person_key": K["cilla"],
            },
            {"investigation_id": "u3", "start_date": D(2021, 6, 1), "end_date": None, "person_key": K["bo"]},  # open
        ]
    )
    investigations = investigations.assign(
        referral_id=None, municipality_code="1480", area_code=LINNE, extended=False, outcome="no_intervention",
        target_group="children_youth", legal_basis="sol",
    )  # fmt: skip
    investigations.loc[2, "outcome"] = None
    survey = pd.DataFrame(
        [
            # 2020: a family in acute homelessness (eva and her child cilla), dan alone, long-term.
            (K["eva"], K["hh1"], "1", True, False, "F", "21-24", "under_1y"),
            (K["cilla"], K["hh1"], "1", True, True, "F", "0-17", "under_1y"),
            (K["dan"], K["hh2"], "1", False, False, "M", "35-44", "over_10y"),
        ],
        columns=["person_key", "household_key", "situation", "household_with_children", "is_child", "sex",
                 "age_band", "duration"],
    ).assign(survey_year=2020, municipality_code="1480", area_code=HJALLBO)  # fmt: skip
    with CanonicalWriter(out) as writer:
        for name, frame in build_units(["1480"]).items():
            writer.write(name, frame)
        writer.write("population", _population())
        writer.write("persons", persons)
        writer.write("referrals", referrals)
        writer.write("referral_reasons", reasons)
        writer.write("investigations", investigations)
        writer.write("homelessness_survey", survey)
        writer.write(
            "costs",
            pd.DataFrame(
                [("1480-D-ANG", 2020, "children_youth", 1000.0), ("1480-D-ML", 2020, "children_youth", 500.0),
                 ("1480-A-NO", 2021, "homelessness", 2000.0)],
                columns=["unit_code", "year", "service_area", "cost_sek"],
            ).assign(source="synthetic"),
        )  # fmt: skip
        writer.write("interventions", interventions)
        writer.write("assistance_payments", pd.DataFrame(
            [{"household_key": K[h], "municipality_code": "1480", "area_code": a, "month": m, "amount_sek": 5000.0,
              "household_type": t, "obstacle": "unemployed", "adults": 1, "children": 0}
             for h, a, m, t in [("hh1", HJALLBO, D(2020, 12, 1), "single_man_no_children"),
                                ("hh1", HJALLBO, D(2021, 1, 1), "single_man_no_children"),
                                ("hh2", LINNE, D(2021, 1, 1), "single_woman_no_children"),
                                ("hh2", LINNE, D(2021, 2, 1), "single_woman_with_children")]]
        ).assign(children=[0, 0, 0, 2]))  # fmt: skip
    s = init_store(f"duckdb:///{out.parent / 'hand.duckdb'}")
    load_canonical(s, out)
    return s


def cell(results: pd.DataFrame, unit: str, year: int, breakdown: str = "total", value: str = "total") -> pd.Series:
    row = results[
        (results["unit_code"] == unit)
        & (results["period"] == year)
        & (results["breakdown"] == breakdown)
        & (results["breakdown_value"] == value)
    ]
    assert len(row) == 1, (unit, year, breakdown, value)
    return row.iloc[0]


def test_bu01_counts_referrals_in_their_own_year_and_unit(store: Store) -> None:
    admin = compute_indicator(store, "BU01", "goteborg-administrations", [2020, 2021])
    # 2020: r1 (31 Dec), r4 in Hjällbo -> Nordost; r7 in Linnéstaden -> Centrum.
    assert cell(admin, "1480-A-NO", 2020)["numerator"] == 2
    assert cell(admin, "1480-A-CE", 2020)["numerator"] == 1
    # 2021: r2 (1 Jan), r3, r6 in Linnéstaden -> Centrum; r5 in Hjällbo -> Nordost.
    assert cell(admin, "1480-A-CE", 2021)["numerator"] == 3
    assert cell(admin, "1480-A-NO", 2021)["numerator"] == 1
    assert cell(admin, "1480-A-CE", 2021, "kind", "application")["numerator"] == 1
    assert cell(admin, "1480-A-NO", 2021, "kind", "other_information")["numerator"] == 1
    assert cell(admin, "1480-A-SV", 2021)["numerator"] == 0  # a unit with nothing is a zero, not missing
    assert cell(admin, "1480-A-CE", 2021)["persons"] == 2  # anna twice, cilla once
    assert set(admin["status"]) == {"ok"}


def test_bu01_for_old_districts_and_the_municipality(store: Store) -> None:
    districts = compute_indicator(store, "BU01", "goteborg-districts", [2021])
    # 2021 shown in the 2011–2020 districts, through the areas.
    assert cell(districts, "1480-D-ML", 2021)["numerator"] == 3
    assert cell(districts, "1480-D-ANG", 2021)["numerator"] == 1
    municipality = compute_indicator(store, "BU01", "municipalities", [2020, 2021])
    assert cell(municipality, "1480", 2020)["numerator"] == 3
    assert cell(municipality, "1480", 2021)["numerator"] == 4


def test_bu02_share_of_0_20_with_a_moving_child_and_an_18_year_old(store: Store) -> None:
    res = compute_indicator(store, "BU02", "municipalities", [2020, 2021])
    # 2020: anna (10) and bo (17); eva (21) is outside 0–20. 2021: anna, bo (18), cilla (6).
    pop_0_20 = (10 + 5) * 2 * 21  # both areas, both sexes, ages 0–20
    c2020, c2021 = cell(res, "1480", 2020), cell(res, "1480", 2021)
    assert (c2020["numerator"], c2020["denominator"]) == (2, pop_0_20)
    assert (c2021["numerator"], c2021["denominator"]) == (3, pop_0_20)
    expected = proportion(3, pop_0_20, multiplier=100)
    assert (c2021["value"], c2021["lower"], c2021["upper"]) == pytest.approx(
        (expected.value, expected.lower, expected.upper)
    )
    assert c2021["method"] == "wilson"
    assert cell(res, "1480", 2021, "sex", "F")["numerator"] == 2
    assert cell(res, "1480", 2021, "sex", "F")["denominator"] == pop_0_20 / 2
    assert cell(res, "1480", 2021, "age_children", "18-20")["numerator"] == 1  # bo turned 18
    assert cell(res, "1480", 2020, "age_children", "13-17")["numerator"] == 1  # bo at 17
    assert cell(res, "1480", 2021, "age_children", "18-20")["denominator"] == (10 + 5) * 2 * 3
    # The child who moved counts once in the municipality but in each administration she lived in that year.
    admin = compute_indicator(store, "BU02", "goteborg-administrations", [2021])
    assert cell(admin, "1480-A-CE", 2021)["numerator"] == 2  # anna and cilla in Linnéstaden
    assert cell(admin, "1480-A-NO", 2021)["numerator"] == 1  # bo in Hjällbo
    assert cell(admin, "1480-A-NO", 2021)["denominator"] == 10 * 2 * 21


def test_bu10_placement_spanning_years_and_still_open(store: Store) -> None:
    res = compute_indicator(store, "BU10", "municipalities", [2020, 2021])
    assert cell(res, "1480", 2020)["numerator"] == 1  # anna's foster care from November 2020 ...
    assert cell(res, "1480", 2021)["numerator"] == 2  # ... into 2021, and cilla's open HVB placement
    assert cell(res, "1480", 2021, "category", "foster_care")["numerator"] == 1
    assert cell(res, "1480", 2021, "legal_basis", "lvu")["numerator"] == 1
    assert set(res.loc[res["breakdown"] == "category", "breakdown_value"]) == {
        "foster_care", "residential_care_hvb", "supported_housing", "secure_unit_sis"
    }  # fmt: skip
    pop = (10 + 5) * 2 * 21
    assert cell(res, "1480", 2021, "category", "foster_care")["denominator"] == pop
    expected = rate(2, pop, multiplier=1000)
    got = cell(res, "1480", 2021)
    assert (got["value"], got["lower"], got["upper"]) == pytest.approx((expected.value, expected.lower, expected.upper))
    assert got["method"] == "exact"  # fewer than 10 events


def test_vi01_mb03_and_eb01(store: Store) -> None:
    vi = compute_indicator(store, "VI01", "municipalities", [2020, 2021])
    assert cell(vi, "1480", 2021)["numerator"] == 1
    assert cell(vi, "1480", 2020)["numerator"] == 0
    assert cell(vi, "1480", 2021)["denominator"] == (10 + 5) * 2 * 18
    mb = compute_indicator(store, "MB03", "municipalities", [2020, 2021])
    assert cell(mb, "1480", 2020)["numerator"] == 1  # LVM ending on 1 January 2020 still counts in 2020
    assert cell(mb, "1480", 2021)["numerator"] == 0
    eb = compute_indicator(store, "EB01", "goteborg-administrations", [2020, 2021])
    assert cell(eb, "1480-A-NO", 2020)["numerator"] == 1
    assert cell(eb, "1480-A-NO", 2021)["numerator"] == 1
    assert cell(eb, "1480-A-CE", 2021, "household_type", "single_woman_no_children")["numerator"] == 1
    assert cell(eb, "1480-A-CE", 2021, "household_type", "single_woman_with_children")["numerator"] == 1
    assert cell(eb, "1480-A-CE", 2021, "sex", "F")["numerator"] == 1  # the applicant's sex
    assert cell(eb, "1480-A-CE", 2021, "age_adults", "25-64")["numerator"] == 1  # hh2's applicant at 25
    assert cell(eb, "1480-A-NO", 2021, "age_adults", "18-24")["numerator"] == 1  # hh1's at 24


def test_reasons_are_counted_through_their_referral(store: Store) -> None:
    res = compute_indicator(store, "BU05", "goteborg-administrations", [2020, 2021])
    assert cell(res, "1480-A-NO", 2020, "reason", "domestic_violence_abuse")["numerator"] == 1
    assert cell(res, "1480-A-NO", 2020)["numerator"] == 1  # r1 has two reasons but is one referral
    assert cell(res, "1480-A-CE", 2021, "reason", "child_criminality")["numerator"] == 1
    vi04 = compute_indicator(store, "VI04", "municipalities", [2020, 2021])
    assert cell(vi04, "1480", 2020)["numerator"] == 1
    assert cell(vi04, "1480", 2021)["numerator"] == 2  # r3 (violence at home) and r6 (honour)
    assert cell(vi04, "1480", 2021, "reason", "honour_violence")["numerator"] == 1
    kr03 = compute_indicator(store, "KR03", "municipalities", [2021])
    assert cell(kr03, "1480", 2021, "age_children", "0-12")["numerator"] == 1  # anna, 11


def test_statutory_time_limits(store: Store) -> None:
    bu07 = compute_indicator(store, "BU07", "municipalities", [2020, 2021])
    # 2021: r2 in 14 days (in time), r3 in 15 (late), r5 and r6 in time; 2020: r1 and r7 decided, r4 pending.
    c2021 = cell(bu07, "1480", 2021)
    assert (c2021["numerator"], c2021["denominator"]) == (3, 4)
    assert c2021["value"] == pytest.approx(75.0)
    assert (cell(bu07, "1480", 2020)["numerator"], cell(bu07, "1480", 2020)["denominator"]) == (2, 2)
    assert cell(bu07, "1480", 2021, "kind", "report")["denominator"] == 2  # r3, r6
    bu08 = compute_indicator(store, "BU08", "municipalities", [2021])
    c = cell(bu08, "1480", 2021)
    assert (c["numerator"], c["denominator"]) == (1, 2)  # u1 in time to the day, u2 a day late; u3 still open


def test_point_in_time_on_1_november(store: Store) -> None:
    bu11 = compute_indicator(store, "BU11", "municipalities", [2020, 2021])
    assert cell(bu11, "1480", 2020)["numerator"] == 1  # anna's foster care began on 1 November 2020
    assert cell(bu11, "1480", 2021)["numerator"] == 1  # cilla's open HVB placement
    assert cell(bu11, "1480", 2021, "category", "foster_care")["numerator"] == 0  # anna's ended in February
    mb02 = compute_indicator(store, "MB02", "municipalities", [2019, 2020])
    assert cell(mb02, "1480", 2019)["numerator"] == 1  # dan's LVM care ran through 1 November 2019
    assert cell(mb02, "1480", 2020)["numerator"] == 0  # it ended on 1 January 2020


def test_homelessness_households_and_shares(store: Store) -> None:
    hl04 = compute_indicator(store, "HL04", "municipalities", [2020])
    assert cell(hl04, "1480", 2020)["numerator"] == 2
    assert cell(hl04, "1480", 2020, "household_with_children", "true")["numerator"] == 1
    hl05 = compute_indicator(store, "HL05", "municipalities", [2020])
    c = cell(hl05, "1480", 2020)
    assert (c["numerator"], c["denominator"]) == (1, 2)  # eva under a year, dan over ten; cilla is a child
    assert compute_indicator(store, "HL03", "municipalities", [2020])["numerator"].max() == 1


def test_assistance_measures(store: Store) -> None:
    # hh1: December 2020 and January 2021; hh2: January and February 2021, with two children in February.
    res = compute(store, structure="municipalities", years=[2020, 2021], ids=[
        "EB02", "EB03", "EB05", "EB06", "EB07", "EB08", "EB09", "EB12"])  # fmt: skip
    everyone = (10 + 5) * 2 * 101

    def total(indicator: str, year: int = 2021) -> pd.Series:
        return cell(res[res["indicator"] == indicator], "1480", year)

    assert total("EB02")["value"] == pytest.approx(3 / 12)  # three household-months
    assert total("EB02")["persons"] == 2  # households behind the cell, not household-months
    assert (total("EB03")["numerator"], total("EB03")["denominator"]) == (1 + 3, everyone)  # largest size
    assert total("EB03")["value"] == pytest.approx(4 / everyone * 1000)
    assert (total("EB05")["numerator"], total("EB05")["denominator"]) == (0, 2)  # nobody 10 months
    assert total("EB06")["numerator"] == 15_000
    assert total("EB06")["value"] == pytest.approx(15_000 / everyone)
    assert total("EB07")["value"] == pytest.approx(5_000)  # per household and month
    assert total("EB08")["value"] == pytest.approx(1.5)  # months per household
    assert (total("EB09")["numerator"], total("EB09")["denominator"]) == (2, (10 + 5) * 2 * 18)
    assert total("EB12")["numerator"] == 1  # hh2 is new; hh1 was paid in December
    assert total("EB12", 2020)["numerator"] == 1
    assert np.isnan(total("EB06")["lower"])  # a sum has no sampling interval


def test_referral_histories_and_placements(store: Store) -> None:
    res = compute(
        store, structure="municipalities", years=[2020, 2021], ids=["BU03", "BU03B", "BU09", "BU09B", "BU12", "BU14"]
    )

    def total(indicator: str, year: int = 2021) -> pd.Series:
        return cell(res[res["indicator"] == indicator], "1480", year)

    assert total("BU03")["value"] == pytest.approx(4 / 3)  # anna 2, bo 1, cilla 1
    assert (total("BU03B")["numerator"], total("BU03B")["denominator"]) == (0, 3)
    # anna's 2021 referral on 1 January follows one on 31 December; bo's on 1 March 2021 one on 1 March 2020
    # (exactly 12 months: inside); cilla had none.
    assert (total("BU09")["numerator"], total("BU09")["denominator"]) == (2, 3)
    assert (total("BU09B")["numerator"], total("BU09B")["denominator"]) == (2, 3)  # the same, three years back
    # A look back needs the years it looks into: the referrals begin in 2020, so 2020 cannot say who was
    # referred before it, and three years back from 2021 reach before the data too.
    assert (total("BU09", 2020)["status"], total("BU09")["status"], total("BU09B")["status"]) == (
        "incomplete", "ok", "incomplete"
    )  # fmt: skip
    assert total("BU12", 2020)["numerator"] == 1  # anna's first placement
    assert total("BU12")["numerator"] == 1  # cilla's; anna's began in 2020
    assert total("BU14", 2020)["numerator"] == 61  # 1 November to 31 December
    assert total("BU14")["numerator"] == 59 + 245  # anna to 28 February, cilla from 1 May, still placed
    assert cell(res[res["indicator"] == "BU14"], "1480", 2021, "category", "foster_care")["numerator"] == 59


@pytest.mark.parametrize(
    ("indicator", "year", "breakdown", "value", "numerator"),
    [
        ("BU04", 2021, "school", None, 4),  # every hand-made referral came from a school
        ("BU04", 2021, "police", None, 0),
        ("BU06", 2021, "no_investigation", None, 4),  # r2, r3, r5, r6 decided
        ("BU13", 2021, "total", None, 1),  # anna's contact person
        ("VI02", 2021, "total", None, 1),  # eva, 22
        ("VI02", 2020, "total", None, 0),
        ("VI03", 2021, "total", None, 1),  # eva in protected housing
        ("VI03", 2020, "total", None, 0),
        ("VI05", 2021, "total", None, 1),  # dan
        ("KR01", 2021, "total", None, 1),  # bo at 18
        ("KR01", 2020, "total", None, 0),  # dan's exit programme: he is 40
        ("KR02", 2020, "total", None, 1),  # dan's exit programme spans 2020 ...
        ("KR02", 2021, "total", None, 1),  # ... and 2021
        ("MB01", 2020, "total", None, 1),  # dan's LVM ran into 1 January 2020; bo (17) is too young
        ("MB01", 2021, "total", None, 2),  # eva's outpatient care, dan's residential care
        ("MB01", 2021, "21-24", None, 1),  # eva at 22: the adult band within the indicator's ages 21+
        ("MB01", 2021, "25-64", None, 1),  # dan at 41
        ("MB01", 2021, "65+", None, 0),
        ("MB04", 2021, "total", None, 10),  # dan: 1 to 10 October, both days included
        ("EB04", 2021, "total", 4 / ((10 + 5) * 2 * 101) * 100, 4),  # four persons in the two households
        ("MB05", 2020, "total", None, 1),  # bo at 17
        ("MB05", 2021, "total", None, 0),
        ("HL01", 2020, "total", 3 / ((10 + 5) * 2 * 101) * 10_000, 3),  # three persons in the survey week
        ("HL02", 2020, "1", None, 3),
        ("EB11", 2021, "unemployed", None, 2),
        ("EB12B", 2021, "total", None, 1),  # hh1 was paid in December 2020; hh2 is new
        ("EB12B", 2020, "total", None, 0),  # hh1's first payment, December 2020, had none before
        ("BU02C", 2021, "total", 2 / ((10 + 5) * 2 * 18) * 100, 2),  # anna (11) and cilla (6); bo is 18
        ("BU08B", 2021, "total", 120.5, 120.5),  # u1 took 120 days (31 Oct to 28 Feb), u2 121; u3 is open
        ("EB10", 2021, "total", 1 / ((10 + 5) * 2 * 7) * 100, 1),  # hh1's applicant at 24; hh2's is 25
        ("EB10", 2021, "M", 1 / ((10 + 5) * 7) * 100, 1),  # the denominator is the men aged 18–24
        ("EB10", 2021, "F", 0.0, 0),
        ("EB10", 2020, "total", None, 1),  # hh1 at 23 (December 2020)
        ("BU02B", 2021, "total", 2 / ((10 + 5) * 2 * 18) * 1000, 2),  # anna (11) and cilla (6); bo is 18
        ("BU03C", 2021, "total", 50.0, 2),  # 1 % of 3 children rounds up to one: anna, 2 of the 4 referrals
        ("KR02B", 2020, "total", None, 1),  # dan's exit programme began in June 2020
        ("KR02B", 2021, "total", None, 0),
        ("KR02C", 2021, "total", None, 1),  # ... and ended in March 2021
        ("KR02C", 2020, "total", None, 0),
        ("MB03B", 2019, "total", None, 1),  # dan under LVM on 1 November 2019
        ("MB03B", 2020, "total", None, 0),
        ("VI03B", 2021, "total", None, 10),  # eva: 1 to 10 May
        ("VI03B", 2020, "total", None, 0),  # zero days, not missing
    ],
)
def test_every_indicator_on_the_hand_made_data(
    store: Store, indicator: str, year: int, breakdown: str, value: float | None, numerator: int
) -> None:
    res = compute_indicator(store, indicator, "municipalities", [year])
    if breakdown == "total":
        row = cell(res, "1480", year)
    else:
        row = res[(res["unit_code"] == "1480") & (res["breakdown_value"] == breakdown)].iloc[0]
    assert row["numerator"] == numerator
    if value is not None:
        assert row["value"] == pytest.approx(value)


def test_the_hand_made_tests_cover_the_whole_catalogue() -> None:
    source = Path(__file__).read_text(encoding="utf-8")
    untested = [i for i in load_catalogue() if f'"{i}"' not in source]
    assert untested == []


def test_costs_follow_the_areas_into_any_structure(store: Store) -> None:
    everyone = (10 + 5) * 2 * 101
    mun = compute_indicator(store, "KO01", "municipalities", [2020, 2021])
    assert cell(mun, "1480", 2020)["numerator"] == 1500
    assert cell(mun, "1480", 2020)["value"] == pytest.approx(1500 / everyone)
    assert cell(mun, "1480", 2021, "service_area", "homelessness")["numerator"] == 2000
    admin = compute_indicator(store, "KO01", "goteborg-administrations", [2020])
    # 2020 district costs shown for the 2021 administrations: Angered -> Nordost, Majorna-Linné -> Centrum.
    assert cell(admin, "1480-A-NO", 2020)["numerator"] == 1000
    assert cell(admin, "1480-A-CE", 2020)["numerator"] == 500
    assert cell(admin, "1480-A-NO", 2020)["status"] == "ok"
    districts = compute_indicator(store, "KO01", "goteborg-districts", [2021])
    # Nordost's 2021 cost goes to the districts by population: only Hjällbo (Angered) has inhabitants here.
    assert cell(districts, "1480-D-ANG", 2021)["numerator"] == pytest.approx(2000)
    assert cell(districts, "1480-D-OST", 2021)["numerator"] == 0


def test_years_without_data_are_marked_incomplete(store: Store) -> None:
    res = compute_indicator(store, "HL02", "municipalities", [2021])
    assert cell(res, "1480", 2021)["numerator"] == 0
    assert cell(res, "1480", 2021)["status"] == "incomplete"


def test_compute_the_whole_catalogue(store: Store) -> None:
    results = compute(store, structure="gr", years=[2021])
    assert set(results["indicator"]) == set(load_catalogue())
    assert set(results["unit_code"]) == {"GR"}
    with pytest.raises(ConfigurationError, match="unknown structure"):
        compute(store, structure="nowhere", years=[2021])
    with pytest.raises(ConfigurationError, match="unknown indicators"):
        compute(store, structure="gr", years=[2021], ids=["XX99"])


def test_indicators_doc_is_generated_from_the_catalogue() -> None:
    on_disk = (ROOT / "docs" / "indicators.md").read_text(encoding="utf-8")
    assert on_disk == render_catalogue() + "\n", "docs/indicators.md is stale: run `make docs`"


def _raw(**changes: object) -> dict[str, object]:
    raw: dict[str, object] = {
        "id": "XX01",
        "area": "children_youth",
        "title": {"sv": "T", "en": "T"},
        "definition": {"sv": "D", "en": "D"},
        "unit_of_measure": {"sv": "antal", "en": "number"},
        "statistic": "count",
        "numerator": {"table": "referrals", "count": "rows"},
        "period": {"rule": "event_year", "column": "received_date"},
        "polarity": "none",
        "subject": {"sv": "antalet aktualiseringar", "en": "the number of referrals", "gender": "neuter"},
    }
    raw.update(changes)
    return raw


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"area": "sports"}, "not a service area"),
        ({"statistic": "mode"}, "statistic must be one of"),
        ({"statistic": "median"}, "statistic median goes with measure median_days"),
        ({"statistic": "rate"}, "needs a denominator"),
        ({"numerator": {"table": "units", "count": "rows"}}, "is not microdata"),
        ({"numerator": {"table": "referrals", "count": "colour"}}, "count must be 'rows' or a column"),
        ({"numerator": {"table": "referrals", "filters": [{"column": "kind", "in": ["phone"]}]}}, "unknown codes"),
        ({"period": {"rule": "someday", "column": "received_date"}}, "period rule must be one of"),
        ({"period": {"rule": "active_in_year", "column": "received_date"}}, "needs an end_column"),
        ({"breakdowns": ["referral_id"]}, "neither sex, an age band nor a coded column"),
        ({"unit_of_measure": {"sv": "per 1 000", "en": "per 1", "000 inhabitants": None}}, "other than 'sv' and 'en'"),
        ({"colour": "blue"}, "unknown fields"),
        ({"subject": {"sv": "antalet", "en": "the number"}}, "gender must be one of"),
        ({"subject": {"sv": "antalet", "gender": "neuter"}}, "needs both 'sv' and 'en'"),
        ({"subject": {"sv": "a", "en": "b", "gender": "neuter", "unit": {"sv": " st"}}}, "unit needs 'sv' and 'en'"),
        ({"key_figure": "yes"}, "key_figure: must be true or false"),
        ({"revisions": [{"year": "2022", "sv": "x", "en": "y"}]}, "each needs year"),
        ({"disclosure": "nobody"}, "disclosure must be 'persons'"),
        ({"numerator": {"table": "referrals", "measure": "median"}}, "measure must be one of"),
        ({"numerator": {"table": "assistance_payments", "measure": "sum"}}, "sum needs value columns"),
        ({"numerator": {"table": "assistance_payments", "measure": "sum", "value": ["obstacle"]}}, "not a numeric"),
        ({"numerator": {"table": "referrals", "measure": "keys_with_rows", "count": "person_key"}}, "needs min_rows"),
        ({"numerator": {"table": "referrals", "measure": "new_keys", "count": "person_key"}}, "needs a lookback"),
        ({"numerator": {"table": "referrals", "measure": "new_keys"}}, "needs a key to count"),
        ({"numerator": {"table": "referrals", "measure": "top_keys_rows", "count": "person_key"}}, "needs top"),
        ({"statistic": "ratio", "denominator": {"constant": 12, "population": [0, 20]}}, "give one denominator"),
        (
            {
                "statistic": "proportion",
                "numerator": {"table": "assistance_payments", "measure": "sum", "value": ["amount_sek"]},
                "denominator": {"population": [0, 100]},
                "period": {"rule": "event_year", "column": "month"},
            },
            "use ratio for sums",
        ),
        ({"numerator": {"table": "referrals", "within": {"from": "received_date", "days": 3}}}, "within needs"),
        (
            {
                "period": {
                    "rule": "point_in_time",
                    "column": "received_date",
                    "end_column": "decision_date",
                    "day": "13-40",
                }
            },
            "needs a day",
        ),
    ],
)
def test_malformed_definitions_are_rejected(changes: dict[str, object], message: str) -> None:
    with pytest.raises(SpecificationError, match=message):
        parse_indicator(_raw(**changes), "catalogue/XX01.yaml")


def test_on_the_synthetic_data_the_results_agree_with_the_calibration(loaded_store: Store) -> None:
    res = compute(
        loaded_store, structure="municipalities", years=[2018, 2019, 2022], ids=["BU02", "EB01", "HL02", "VI01"]
    )

    def total(indicator: str, year: int) -> pd.Series:
        return cell(res[res["indicator"] == indicator], "1480", year)

    assert total("BU02", 2018)["value"] == pytest.approx(8.9, abs=0.3)  # per cent of 0–20, published 8.9 %
    assert total("BU02", 2019)["value"] == pytest.approx(8.4, abs=0.3)  # published 8.4 %
    assert total("EB01", 2019)["numerator"] == pytest.approx(15_000, rel=0.01)  # households, published
    assert total("HL02", 2022)["numerator"] == 3_221  # homelessness survey, published
    assert total("VI01", 2022)["numerator"] == pytest.approx(1_000, rel=0.05)  # children, published about 1 000


def test_a_whole_run_gives_what_each_indicator_gives_alone(store: Store) -> None:
    # compute() shares work between indicators (denominators, reductions of the same rows); sharing must not
    # change a single cell, e.g. MB01 (running in the year) and MB02 (on 1 November) count the same table.
    together = compute(store, structure="goteborg-administrations", years=[2020, 2021])
    alone = pd.concat(
        [compute_indicator(store, i, "goteborg-administrations", [2020, 2021]) for i in load_catalogue()],
        ignore_index=True,
    )
    pd.testing.assert_frame_equal(together, alone)


def test_a_median_of_nothing_is_missing_not_zero(store: Store) -> None:
    res = compute_indicator(store, "BU08B", "municipalities", [2020, 2021])
    assert np.isnan(cell(res, "1480", 2020)["value"])  # no child investigation was concluded in 2020
    assert cell(res, "1480", 2020)["persons"] == 0
    assert cell(res, "1480", 2021)["persons"] == 2
    assert cell(res, "1480", 2021, "legal_basis", "sol")["value"] == 120.5
