"""Findings of constructed releases with known changes: the verdicts, the cells they rest on, the ranking, and
the sentences word for word in Swedish and English."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from click.testing import CliRunner

from conftest import goteborg_release, small_release
from socialstat.analysis import Finding, findings, release_findings, top, words
from socialstat.cli import cli
from socialstat.errors import ConfigurationError
from socialstat.release import Release
from socialstat.release.metadata import indicator_metadata

NBSP = "\u00a0"
UNITS = [
    {"unit_code": "GR", "name_sv": "Göteborgsregionen", "name_en": "Gothenburg Region (GR)", "level": "region",
     "parent_code": None},
    {"unit_code": "1480", "name_sv": "Göteborg", "name_en": "Göteborg", "level": "municipality", "parent_code": "GR"},
    {"unit_code": "1480-A-NO", "name_sv": "Socialförvaltning Nordost", "name_en": "Social administration North-East",
     "level": "administration", "parent_code": "1480"},
    {"unit_code": "1480-A-CE", "name_sv": "Socialförvaltning Centrum", "name_en": "Social administration Centre",
     "level": "administration", "parent_code": "1480"},
]  # fmt: skip
METHOD = {"count": "count", "proportion": "wilson", "rate": "byars"}


def _series(
    indicator: str,
    unit: str,
    rows: list[tuple[int, float, float | None]],
    *,
    symbol: dict[int, str] | None = None,
    status: str = "ok",
    breakdown: tuple[str, str] = ("total", "total"),
) -> list[dict[str, Any]]:
    """One published series: (year, numerator, denominator) per row; `symbol` marks years suppressed ('..')."""
    meta = indicator_metadata(indicator)
    method = METHOD[meta["statistic"]]
    out = []
    for year, numerator, denominator in rows:
        value = numerator if method == "count" else numerator / (denominator or 1) * meta["multiplier"]
        hidden = (symbol or {}).get(year, "") == ".."
        out.append({
            "indicator": indicator, "structure": "goteborg-administrations" if unit != "GR" else "gr",
            "unit_code": unit, "period": year, "breakdown": breakdown[0], "breakdown_value": breakdown[1],
            "value": None if hidden else value, "lower": None, "upper": None,
            "numerator": None if hidden else numerator, "denominator": None if hidden else denominator,
            "method": method, "status": status, "symbol": (symbol or {}).get(year, ""), "note": "",
        })  # fmt: skip
    return out


def _release(
    *series: list[dict[str, Any]], revisions: dict[str, int] | None = None
) -> tuple[pd.DataFrame, dict[str, Any]]:
    cells = pd.DataFrame([row for s in series for row in s])
    indicators = {i: indicator_metadata(i) for i in sorted(set(cells["indicator"]))}
    for indicator, year in (revisions or {}).items():
        indicators[indicator]["revisions"] = [{"year": year, "sv": "Ny definition.", "en": "New definition."}]
    meta = {
        "indicators": indicators, "units": UNITS, "structures": ["gr", "goteborg-administrations"],
        "periods": sorted(set(cells["period"])),
        "breakdowns": {"sex": {"F": {"sv": "Kvinnor", "en": "Women"}, "M": {"sv": "Män", "en": "Men"}}},
    }  # fmt: skip
    return cells, meta


def _find(found: list[Finding], kind: str, indicator: str, unit: str, breakdown_value: str = "total") -> Finding:
    wanted = (kind, indicator, unit, breakdown_value)
    hits = [f for f in found if (f.kind, f.indicator, f.unit_code, f.breakdown_value) == wanted]
    assert len(hits) == 1, hits
    return hits[0]


def _said(found: Finding) -> tuple[str, str]:
    return found.sentence["sv"].replace(NBSP, " "), found.sentence["en"]


FALLING = [(2020, 18_000, None), (2021, 17_500, None), (2022, 17_000, None), (2023, 16_300, None), (2024, 15_000, None)]


def test_a_significant_fall_in_a_count_is_a_decrease_in_percent() -> None:
    found = findings(*_release(_series("EB01", "1480", FALLING)))
    year = _find(found, "year", "EB01", "1480")
    assert (year.first, year.last, year.verdict, year.statistic) == (2023, 2024, "decreasing", "rate ratio")
    assert year.relative == pytest.approx(15_000 / 16_300 - 1)
    assert [(c["unit_code"], c["period"]) for c in year.cells] == [("1480", 2023), ("1480", 2024)]
    assert _said(year) == (
        "I Göteborg minskade antalet hushåll med ekonomiskt bistånd med 8 procent mellan 2023 och 2024, från "
        "16 300 till 15 000.",
        "In Göteborg, the number of households receiving economic assistance decreased by 8 per cent between 2023 "
        "and 2024, from 16,300 to 15,000.",
    )


def test_a_five_year_fall_is_a_decreasing_trend_with_its_yearly_change() -> None:
    trend = _find(findings(*_release(_series("EB01", "1480", FALLING))), "trend", "EB01", "1480")
    assert (trend.first, trend.last, trend.verdict, trend.statistic) == (2020, 2024, "decreasing", "yearly rate ratio")
    assert len(trend.cells) == 5
    # (15 000 / 18 000) ** (1 / 4) = 0.955: about 4 % a year; the Poisson fit gives 0.956
    assert trend.estimate == pytest.approx(0.956, abs=0.002)
    assert _said(trend) == (
        "I Göteborg har antalet hushåll med ekonomiskt bistånd minskat under de senaste fem åren, från 18 000 "
        "(2020) till 15 000 (2024), i genomsnitt med 4 procent per år.",
        "In Göteborg, the number of households receiving economic assistance has decreased over the last five "
        "years, from 18,000 (2020) to 15,000 (2024), on average by 4 per cent a year.",
    )


def test_a_small_change_that_is_not_significant_is_largely_unchanged_with_the_subjects_gender() -> None:
    cells = _release(
        _series("EB01", "1480-A-CE", [(2023, 500, None), (2024, 510, None)]),
        _series("EB05", "1480-A-CE", [(2023, 200, 500), (2024, 203, 500)]),
    )
    found = findings(*cells)
    count, share = _find(found, "year", "EB01", "1480-A-CE"), _find(found, "year", "EB05", "1480-A-CE")
    assert count.verdict == share.verdict == "no significant change"
    assert _said(count) == (
        "I Socialförvaltning Centrum var antalet hushåll med ekonomiskt bistånd i stort sett oförändrat mellan 2023 "
        "och 2024: 500 och 510.",
        "In Social administration Centre, the number of households receiving economic assistance was largely "
        "unchanged between 2023 and 2024: 500 and 510.",
    )
    assert _said(share)[0] == (
        "I Socialförvaltning Centrum var andelen av biståndshushållen som hade långvarigt bistånd i stort sett "
        "oförändrad mellan 2023 och 2024: 40,0 procent och 40,6 procent."
    )


def test_a_large_change_that_is_not_significant_is_never_called_an_increase() -> None:
    found = findings(*_release(_series("EB01", "1480-A-NO", [(2023, 20, None), (2024, 26, None)])))
    year = _find(found, "year", "EB01", "1480-A-NO")
    assert year.verdict == "no significant change"
    assert year.relative == pytest.approx(0.3)
    sv, en = _said(year)
    assert sv == (
        "I Socialförvaltning Nordost gick antalet hushåll med ekonomiskt bistånd från 20 (2023) till 26 (2024), "
        "en förändring som inte är statistiskt säkerställd."
    )
    assert en == (
        "In Social administration North-East, the number of households receiving economic assistance went from 20 "
        "(2023) to 26 (2024), a change that is not statistically significant."
    )
    for word in ("ökade", "minskade", "ökat", "minskat", "increase", "decrease"):
        assert word not in sv + en


def test_a_share_changes_in_percentage_points_singular_and_plural() -> None:
    found = findings(
        *_release(
            _series("EB05", "1480", [(2023, 38_200, 100_000), (2024, 40_300, 100_000)]),
            _series("BU02", "1480", [(2023, 40_000, 100_000), (2024, 41_000, 100_000)]),
        )
    )
    plural, singular = _find(found, "year", "EB05", "1480"), _find(found, "year", "BU02", "1480")
    assert plural.verdict == singular.verdict == "increasing"
    assert plural.statistic == "difference"
    assert _said(plural) == (
        "I Göteborg ökade andelen av biståndshushållen som hade långvarigt bistånd med 2,1 procentenheter mellan "
        "2023 och 2024, från 38,2 procent till 40,3 procent.",
        "In Göteborg, the share of assisted households receiving long-term assistance increased by 2.1 percentage "
        "points between 2023 and 2024, from 38.2 per cent to 40.3 per cent.",
    )
    assert "med 1 procentenhet mellan" in _said(singular)[0]
    assert "by 1 percentage point between" in _said(singular)[1]


def test_nothing_rests_on_a_suppressed_cell() -> None:
    series = _series("EB05", "1480-A-NO", [(y, 300 + y - 2019, 600) for y in range(2019, 2025)], symbol={2024: ".."})
    parent = _series("EB05", "1480", [(y, 3000, 6000) for y in range(2019, 2025)])
    found = findings(*_release(series, parent))
    about = [f for f in found if f.unit_code == "1480-A-NO"]
    assert about == []  # neither a change to 2024, a trend ending in it, nor a comparison at it
    assert all(c["period"] != 2024 or c["unit_code"] != "1480-A-NO" for f in found for c in f.cells)
    # and the rest of the series is not used to pretend 2023 is the last year
    assert {f.last for f in found} == {2024}


def test_a_changed_definition_breaks_the_series() -> None:
    cells, meta = _release(_series("EB01", "1480", FALLING), revisions={"EB01": 2024})
    found = findings(cells, meta)
    year = _find(found, "year", "EB01", "1480")
    assert (year.verdict, year.broken) == ("not comparable", True)
    assert not [f for f in found if f.kind == "trend"]  # one comparable year is no trend
    assert _said(year) == (
        "I Göteborg var antalet hushåll med ekonomiskt bistånd 15 000 under 2024. Definitionen ändrades 2024, så "
        "talet kan inte jämföras med året före (16 300).",
        "In Göteborg, the number of households receiving economic assistance was 15,000 in 2024. The definition "
        "changed in 2024, so the figure cannot be compared with the year before (16,300).",
    )


def test_a_trend_starts_at_a_definition_change() -> None:
    rows = [(y, 20_000 - 500 * (y - 2015), None) for y in range(2015, 2025)]
    found = findings(*_release(_series("EB01", "1480", rows), revisions={"EB01": 2019}))
    trend = _find(found, "trend", "EB01", "1480")
    assert (trend.first, trend.last) == (2019, 2024)
    assert "de senaste sex åren" in trend.sentence["sv"]
    assert _find(found, "year", "EB01", "1480").broken is False


def test_a_unit_against_its_parent_with_polarity_and_the_cells_of_both() -> None:
    found = findings(
        *_release(
            _series("BU02", "1480-A-NO", [(2024, 2_740, 20_000)]),
            _series("BU02", "1480-A-CE", [(2024, 1_860, 20_000)]),
            _series("BU02", "1480", [(2024, 9_300, 100_000)]),
        )
    )
    north, centre = _find(found, "comparison", "BU02", "1480-A-NO"), _find(found, "comparison", "BU02", "1480-A-CE")
    assert (north.verdict, north.parent_code) == ("worse", "1480")
    assert centre.verdict == "similar"
    assert [c["unit_code"] for c in north.cells] == ["1480-A-NO", "1480"]
    assert _said(north) == (
        "I Socialförvaltning Nordost var andelen barn och unga 0–20 år med minst en aktualisering 13,7 procent "
        "under 2024, högre än i Göteborg som helhet (9,3 procent).",
        "In Social administration North-East, the share of children and young people aged 0–20 with at least one "
        "referral was 13.7 per cent in 2024, higher than in Göteborg as a whole (9.3 per cent).",
    )
    assert _said(centre)[0] == (
        "I Socialförvaltning Centrum var andelen barn och unga 0–20 år med minst en aktualisering 9,3 procent "
        "under 2024, utan statistiskt säkerställd skillnad mot Göteborg som helhet (9,3 procent)."
    )
    assert north.score > centre.score


def test_key_figures_are_stated_as_levels_with_their_unit() -> None:
    found = findings(
        *_release(
            _series("BU07", "1480", [(2024, 8_890, 10_000)]),
            _series("HL01", "1480", [(2024, 3_000, 589_000)]),
            _series("BU02", "1480-A-NO", [(2024, 2_740, 20_000)], symbol={2024: ".."}),
        )
    )
    assert _said(_find(found, "level", "BU07", "1480")) == (
        "I Göteborg var andelen förhandsbedömningar klara inom 14 dagar 88,9 procent under 2024.",
        "In Göteborg, the share of initial assessments completed within 14 days was 88.9 per cent in 2024.",
    )
    assert _said(_find(found, "level", "HL01", "1480")) == (
        "I Göteborg var antalet personer i hemlöshet 50,9 per 10 000 invånare under 2024.",
        "In Göteborg, the number of persons in homelessness was 50.9 per 10,000 inhabitants in 2024.",
    )
    assert not [f for f in found if f.unit_code == "1480-A-NO"]  # a suppressed key figure is not stated


def test_a_breakdown_value_and_estimated_figures_are_named() -> None:
    rows = [(2023, 9_000, None), (2024, 8_000, None)]
    found = findings(*_release(_series("EB01", "1480-A-NO", rows, breakdown=("sex", "F"), status="approximate")))
    year = _find(found, "year", "EB01", "1480-A-NO", "F")
    assert year.approximate
    assert _said(year) == (
        "I Socialförvaltning Nordost minskade antalet hushåll med ekonomiskt bistånd (kön: kvinnor) med 11 procent "
        "mellan 2023 och 2024, från 9 000 till 8 000. Uppgifterna för Socialförvaltning Nordost är skattade.",
        "In Social administration North-East, the number of households receiving economic assistance (sex: women) "
        "decreased by 11 per cent between 2023 and 2024, from 9,000 to 8,000. The figures for Social administration "
        "North-East are estimates.",
    )


def test_findings_are_ranked_and_the_top_covers_indicators_and_units_once() -> None:
    found = findings(
        *_release(
            _series("EB01", "1480", FALLING),
            _series("EB01", "1480-A-CE", [(2023, 500, None), (2024, 510, None)]),
            _series("BU02", "1480-A-NO", [(2024, 2_740, 20_000)]),
            _series("BU02", "1480", [(2024, 9_300, 100_000)]),
        )
    )
    assert [f.rank for f in found] == list(range(1, len(found) + 1))
    assert [f.score for f in found] == sorted((f.score for f in found), reverse=True)
    unchanged = _find(found, "year", "EB01", "1480-A-CE")
    assert unchanged.score < _find(found, "year", "EB01", "1480").score  # not significant ranks low
    chosen = top(found, 3)
    assert len({(f.indicator, f.unit_code) for f in chosen}) == len(chosen) == 3
    assert chosen[0].verdict in ("decreasing", "worse")


def test_a_unit_keeps_its_findings_and_those_of_the_units_under_it() -> None:
    release = _release(
        _series("EB01", "1480", FALLING),
        _series("EB01", "1480-A-NO", [(2023, 2_000, None), (2024, 1_500, None)]),
        _series("EB01", "GR", [(2023, 30_000, None), (2024, 25_000, None)]),
    )
    by_name = {f.unit_code for f in findings(*release, unit="göteborg")}
    assert by_name == {"1480", "1480-A-NO"}
    assert {f.unit_code for f in findings(*release, unit="1480-A-NO")} == {"1480-A-NO"}
    with pytest.raises(ConfigurationError, match="no unit 'Mars'"):
        findings(*release, unit="Mars")


def test_a_slope_against_its_end_points_is_told_as_variation() -> None:
    rows = [(2020, 10_000, None), (2021, 15_000, None), (2022, 16_000, None), (2023, 17_000, None), (2024, 9_900, None)]
    trend = _find(findings(*_release(_series("EB01", "1480", rows))), "trend", "EB01", "1480")
    assert trend.estimate is not None
    assert trend.estimate > 1  # the fitted slope rises, the last year is below the first
    assert trend.verdict == "mixed"
    assert _said(trend) == (
        "I Göteborg har antalet hushåll med ekonomiskt bistånd varierat under de senaste fem åren, utan en entydig "
        "riktning: 10 000 (2020) och 9 900 (2024).",
        "In Göteborg, the number of households receiving economic assistance has varied over the last five years "
        "without a clear direction: 10,000 (2020) and 9,900 (2024).",
    )


def test_care_days_are_not_tested_as_if_each_day_were_an_event() -> None:
    found = findings(*_release(_series("BU14", "1480", [(2023, 1_797, None), (2024, 3_794, None)])))
    year = _find(found, "year", "BU14", "1480")
    assert year.verdict == "not tested"
    assert _said(year)[0] == "I Göteborg gick antalet vårddygn i placering från 1 797 (2023) till 3 794 (2024)."
    assert not [f for f in found if f.kind == "trend"]


def test_a_rate_of_an_age_band_is_per_inhabitants_of_that_age_and_labels_keep_their_capitals() -> None:
    band = _series("MB01", "1480", [(2023, 400, 80_000), (2024, 500, 80_000)], breakdown=("age_adults", "25-64"))
    year = _find(findings(*_release(band)), "year", "MB01", "1480", "25-64")
    assert _said(year)[0].endswith("från 5,0 per 1 000 invånare i åldersgruppen till 6,2 per 1 000 invånare i "
                                   "åldersgruppen.")  # fmt: skip
    cells, meta = _release(_series("BU08", "1480", [(2023, 500, 1_000), (2024, 700, 1_000)],
                                   breakdown=("legal_basis", "sol")))  # fmt: skip
    meta["breakdowns"]["legal_basis"] = {"sol": {"sv": "SoL (socialtjänstlagen)", "en": "Social Services Act (SoL)"}}
    year = _find(findings(cells, meta), "year", "BU08", "1480", "sol")
    assert "(lagrum: SoL (socialtjänstlagen))" in year.sentence["sv"]
    assert "(legal basis: Social Services Act (SoL))" in year.sentence["en"]


def test_values_shown_together_share_one_precision() -> None:
    assert words.decimals("count", [16_298.0]) == 0
    assert words.decimals("proportion", [136.2, 92.7]) == 1  # shares and rates always to one decimal
    assert words.decimals("ratio", [95.0, 100.4]) == 0  # an amount: whole when the largest reaches 100
    assert words.decimals("ratio", [1.6, 2.5]) == 1
    assert words.number(16_298, 0, "sv") == f"16{NBSP}298"
    assert words.number(16_298, 0, "en") == "16,298"


def test_the_words_of_changes_and_years() -> None:
    assert words.relative(-0.0798, "sv") == "8 procent"
    assert words.relative(0.006, "en") == "0.6 per cent"
    assert words.points(1.04, "sv") == "1 procentenhet"
    assert words.points(-0.5, "en") == "0.5 percentage points"
    assert words.points(12.26, "sv") == "12,3 procentenheter"
    assert words.points(0.04, "sv") == "0,04 procentenheter"  # never "0"
    assert (words.in_words(5, "sv"), words.in_words(12, "en"), words.in_words(13, "sv")) == ("fem", "twelve", "13")
    assert (words.unchanged("neuter", "sv"), words.unchanged("common", "sv")) == ("oförändrat", "oförändrad")


@pytest.fixture(scope="module")
def small_findings_release(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("findings")
    return small_release(folder, "2024", ["EB01", "EB05", "BU01", "BU02", "BU07", "HL02"], seed=11).path


def test_the_findings_command(small_findings_release: Path) -> None:
    runner = CliRunner()
    text = runner.invoke(cli, ["findings", str(small_findings_release), "--top", "3"])
    assert text.exit_code == 0, text.output
    lines = [line for line in text.output.splitlines() if line.strip()]
    assert 1 <= len(lines) <= 3
    assert all(line.startswith(("1.", "2.", "3.")) for line in lines)
    assert all(" I Öckerö " in line for line in lines)
    english = runner.invoke(cli, ["findings", str(small_findings_release), "--lang", "en", "--top", "2"])
    assert english.exit_code == 0
    assert " In Öckerö, " in english.output
    as_json = runner.invoke(cli, ["findings", str(small_findings_release), "--json", "--unit", "Öckerö"])
    assert as_json.exit_code == 0, as_json.output
    data = json.loads(as_json.output)
    assert data["release"] == "2024"
    assert data["findings"]
    first = data["findings"][0]
    assert {"kind", "indicator", "unit_code", "verdict", "cells", "score", "rank", "sentence"} <= set(first)
    assert set(first["sentence"]) == {"sv", "en"}
    wrong = runner.invoke(cli, ["findings", str(small_findings_release), "--unit", "Mars"])
    assert wrong.exit_code == 1
    assert "no unit 'Mars'" in wrong.output


@pytest.fixture(scope="module")
def seven_years(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """Seven years of synthetic Göteborg (its administrations too) with the indicators of the generator's
    built-in trends."""
    ids = ["EB01", "EB05", "HL01", "HL02", "BU02", "BU07", "BU09B", "KR02", "MB01"]
    return goteborg_release(tmp_path_factory.mktemp("goteborg"), "2018-2024", ids, seed=7)


def test_the_top_findings_are_the_trends_the_generator_was_built_with(seven_years: Release) -> None:
    found = release_findings(seven_years, unit="Göteborg")
    chosen = {(f.indicator, f.unit_code, f.verdict) for f in top(found, 10)}
    assert ("EB01", "1480", "decreasing") in chosen  # assistance down
    assert ("EB05", "1480", "increasing") in chosen  # with a growing long-term share
    assert chosen & {("HL01", "1480", "decreasing"), ("HL02", "1480", "decreasing")}  # homelessness down
    assert any(u == "1480-A-NO" and v == "worse" for _, u, v in chosen)  # Nordost differs from the city
    known = _find(found, "level", "BU09B", "1480")  # a third of the referred children were known before
    assert 30 <= known.value_last <= 37
    assert known.rank <= 20
    assert all(f.unit_code in {"1480", "1480-A-CE", "1480-A-HI", "1480-A-NO", "1480-A-SV"} for f in found)
