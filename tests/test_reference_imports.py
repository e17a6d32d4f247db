"""Reference imports: population from SCB's PX and CSV files, IFO costs from CSV, and every rule they check.

The files in tests/data/imports/ are made by hand in SCB's style with invented figures (see SOURCE.md there);
the expected values below are sums of their cells, worked out by hand. Files for single rules are written to
`tmp_path`.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from socialstat.errors import LoadError, Problem, ValidationError
from socialstat.reference.imports import RULES, parse_numbers
from socialstat.reference.imports_costs import import_costs
from socialstat.reference.imports_population import import_population
from socialstat.text import format_int, format_number

DATA = Path(__file__).parent / "data" / "imports"
PX_DATA = Path(__file__).parent / "data" / "px"
POPULATION_COLUMNS = ["area_code", "year", "sex", "age", "population", "source"]
COST_COLUMNS = ["unit_code", "year", "service_area", "cost_sek", "source"]


def value(frame: pd.DataFrame, **key: object) -> object:
    """The one value (population or cost_sek) of the row with the given key."""
    mask = pd.Series(True, index=frame.index)
    for column, wanted in key.items():
        mask &= frame[column] == wanted
    rows = frame.loc[mask]
    assert len(rows) == 1, f"{len(rows)} rows match {key}"
    column = "population" if "population" in frame.columns else "cost_sek"
    return rows.iloc[0][column]


def problems(excinfo: pytest.ExceptionInfo[ValidationError]) -> dict[tuple[str, str | None], Problem]:
    """The problems of a ValidationError by (rule, column); each rule and column is reported once."""
    found = {(p.reason, p.column): p for p in excinfo.value.problems}
    assert len(found) == len(excinfo.value.problems)
    return found


def write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_bytes(text.replace("\n", "\r\n").encode(encoding))
    return path


def px(path: Path, stub: dict[str, list[str]], heading: dict[str, list[str]], data: str, extra: str = "") -> Path:
    """A PX file in SCB's style: CHARSET="ANSI" (Windows-1252), variables without CODES unless `extra` has them."""
    variables = {**stub, **heading}
    lines = ['CHARSET="ANSI";', 'LANGUAGE="sv";', 'MATRIX="BE0101N1";', 'TITLE="Folkmängden";']
    lines += ['CONTENTS="Folkmängden";', 'UNITS="antal";']
    lines.append("STUB=" + ",".join(f'"{n}"' for n in stub) + ";")
    lines.append("HEADING=" + ",".join(f'"{n}"' for n in heading) + ";")
    lines += [f'VALUES("{n}")=' + ",".join(f'"{v}"' for v in vs) + ";" for n, vs in variables.items()]
    return write(path, "\n".join([*lines, extra, "DATA=", data + ";", ""]), "cp1252")


# --- population: the hand-made SCB-style files ---------------------------------------------------------------


@pytest.fixture(scope="module")
def from_px() -> pd.DataFrame:
    return import_population(DATA / "BE0101N1_ansi.px")


def test_a_px_file_becomes_the_canonical_population_table(from_px: pd.DataFrame) -> None:
    assert list(from_px.columns) == POPULATION_COLUMNS
    assert from_px[["year", "age", "population"]].dtypes.astype(str).tolist() == ["int64", "int64", "int64"]
    assert all(pd.api.types.is_string_dtype(from_px[c]) for c in ("area_code", "sex", "source"))
    assert len(from_px) == 24  # 2 regions × 2 years × 2 sexes × ages 0, 1 and 100
    assert set(from_px["source"]) == {"imported"}
    assert set(from_px["sex"]) == {"F", "M"}
    assert set(from_px["area_code"]) == {"1480", "1401"}
    assert not from_px.duplicated(["area_code", "year", "sex", "age"]).any()
    keys = list(zip(from_px["area_code"], from_px["year"], from_px["sex"], from_px["age"], strict=True))
    assert keys == sorted(keys)


def test_civilstand_is_summed_and_totals_left_out(from_px: pd.DataFrame) -> None:
    # Göteborg, women 100+ in 2023: ogifta 12 + gifta 1 + skilda 5 + änkor 62.
    assert value(from_px, area_code="1480", year=2023, sex="F", age=100) == 80
    # Göteborg, men 100+ in 2022: 2 + 3 + 1 + 6.
    assert value(from_px, area_code="1480", year=2022, sex="M", age=100) == 12
    # Härryda, women 100+ in 2023: ogifta 1 + gifta 1 + änkor 2.
    assert value(from_px, area_code="1401", year=2023, sex="F", age=100) == 4
    assert value(from_px, area_code="1480", year=2023, sex="M", age=0) == 3550
    # Göteborg 14 287 + 14 123, Härryda 840 + 825: the 'totalt ålder' rows would double it.
    assert from_px["population"].sum() == 30_075


def test_a_utf8_px_file_with_english_names_and_a_contents_variable() -> None:
    frame = import_population(DATA / "BE0101N1_utf8_en.px")
    assert len(frame) == 32  # 2 regions × 2 years × 2 sexes × ages 0, 1, 99, 100
    assert set(frame["area_code"]) == {"1480", "1481"}
    assert value(frame, area_code="1481", year=2024, sex="F", age=100) == 13
    assert value(frame, area_code="1480", year=2024, sex="M", age=99) == 41
    # Mölndal 2024: 740 + 698 + 772 + 712 + 5 + 15 + 2 + 13, without the 'total age' rows.
    assert frame.loc[(frame["area_code"] == "1481") & (frame["year"] == 2024), "population"].sum() == 2957


@pytest.mark.parametrize("name", ["BE0101N1_wide_cp1252.csv", "BE0101N1_long_utf8.csv"])
def test_scb_csv_downloads_in_both_layouts_give_the_same_table_as_the_px(name: str, from_px: pd.DataFrame) -> None:
    frame = import_population(DATA / name)
    pd.testing.assert_frame_equal(frame, from_px)
    assert value(frame, area_code="1480", year=2022, sex="M", age=1) == 3700  # "3 700" in the long file


@pytest.mark.parametrize(
    ("delimiter", "encoding", "layout"),
    [("\t", "utf-8", "wide"), (",", "cp1252", "long"), (";", "utf-8-sig", "wide"), ("\t", "cp1252", "long")],
)
def test_csv_delimiters_encodings_and_layouts(tmp_path: Path, delimiter: str, encoding: str, layout: str) -> None:
    def line(*fields: str) -> str:
        return delimiter.join(f'"{f}"' for f in fields)

    if layout == "wide":
        rows = [line("region", "ålder", "kön", "2023"), line("1480 Göteborg", "0 år", "kvinnor", "3 380")]
        rows.append(line("1480 Göteborg", "0 år", "män", "3550"))
    else:
        rows = [
            line("region", "ålder", "kön", "år", "Folkmängd"),
            line("1480 Göteborg", "0 år", "kvinnor", "2023", "3380"),
        ]
        rows.append(line("1480 Göteborg", "0 år", "män", "2023", "3\u00a0550"))
    frame = import_population(
        write(tmp_path / "folk.csv", "\n".join(["Folkmängden efter region", "", *rows]), encoding)
    )
    assert frame[["area_code", "year", "sex", "age", "population"]].values.tolist() == [
        ["1480", 2023, "F", 0, 3380],
        ["1480", 2023, "M", 0, 3550],
    ]


def test_ages_100_and_over_are_folded_into_100(tmp_path: Path) -> None:
    ages = ["99 år", "100 år", "101 år", "105 år", "110+ år"]
    path = px(
        tmp_path / "old.px",
        {"region": ["1480 Göteborg"], "ålder": ages, "kön": ["kvinnor"]},
        {"tid": ["2023"]},
        "120 70 25 4 1",
    )
    frame = import_population(path)
    assert frame[["area_code", "year", "age", "population"]].values.tolist() == [
        ["1480", 2023, 99, 120],
        ["1480", 2023, 100, 100],  # 70 + 25 + 4 + 1
    ]


def test_civilstand_in_a_csv_is_summed_without_its_total(tmp_path: Path) -> None:
    text = """region;civilstånd;ålder;kön;2023
1480 Göteborg;ogifta;40 år;män;4 000
1480 Göteborg;gifta;40 år;män;3 000
1480 Göteborg;skilda;40 år;män;500
1480 Göteborg;änkor/änklingar;40 år;män;7
1480 Göteborg;totalt;40 år;män;7 507
1480 Göteborg;ogifta;totalt ålder;män;99 999
"""
    frame = import_population(write(tmp_path / "civ.csv", text))
    assert frame[["age", "sex", "population"]].values.tolist() == [[40, "M", 7507]]


def test_title_lines_footnotes_and_contents_in_year_headers(tmp_path: Path) -> None:
    text = """"Folkmängden efter region, ålder, kön och år"
"Antal"

"region","ålder","kön","Folkmängd 2022","Folkmängd 2023"
"1480 Göteborg","0 år","män",3600,3550

"Fotnot: uppgifterna avser förhållandena den 31 december."
"""
    frame = import_population(write(tmp_path / "fotnot.csv", text))
    assert frame[["year", "population"]].values.tolist() == [[2022, 3600], [2023, 3550]]


def test_areas_given_accept_their_codes() -> None:
    frame = import_population(DATA / "BE0101N1_wide_cp1252.csv", areas={"1480": "1480", "1401": "1401"})
    assert len(frame) == 24


# --- population: the real SCB PX files of tests/data/px ------------------------------------------------------


def test_real_scb_px_with_dot_symbols_reports_every_missing_cell() -> None:
    with pytest.raises(ValidationError) as excinfo:
        import_population(PX_DATA / "BE0101F1datasymbols.px")
    found = problems(excinfo)
    assert list(found) == [("missing_value", "population")]
    problem = found[("missing_value", "population")]
    assert problem.rows == 6  # the women's cells of Sweden and Stockholm county, ages 20–22
    assert problem.first_row == 2
    assert problem.source == "BE0101F1datasymbols.px"
    assert "BE0101F1datasymbols.px" in problem.message
    assert "cell 2 (00 Sweden / 20 / 2003 / women)" in problem.message
    assert "and 1 more" in problem.message
    assert problem.examples == ("'.'", "'..'", "'...'")


@pytest.mark.parametrize(
    "name", ["BE0101F1langensvfiolikacelln.px", "BE0101F1nildotsymbols.px", "officialstatistics.px"]
)
def test_real_scb_px_with_several_contents_is_refused(name: str) -> None:
    with pytest.raises(LoadError, match=rf"^{name}: holds 2 kinds of figures in 'type' \(Inmigrated, Outmigrated\)"):
        import_population(PX_DATA / name)


# --- population: files that cannot be imported -----------------------------------------------------------------


def test_only_totals_of_sex_are_refused(tmp_path: Path) -> None:
    text = '"region","ålder","kön","2023"\n"1480 Göteborg","0 år","totalt",6930\n"1480 Göteborg","1 år","totalt",7100\n'
    with pytest.raises(LoadError, match=r"^tot\.csv: the sex \(kön\) variable holds only totals \('totalt'\); "):
        import_population(write(tmp_path / "tot.csv", text))


def test_only_totals_of_age_are_refused(tmp_path: Path) -> None:
    path = px(
        tmp_path / "tot.px",
        {"region": ["1480 Göteborg"], "ålder": ["totalt ålder"]},
        {"kön": ["män", "kvinnor"], "år": ["2023"]},
        "300 310",
    )
    with pytest.raises(LoadError, match=r"single years of age and both sexes are needed"):
        import_population(path)


def test_a_px_without_the_variables_is_refused_naming_what_it_has(tmp_path: Path) -> None:
    path = px(
        tmp_path / "hush.px", {"region": ["1480 Göteborg"], "hushållstyp": ["ensamstående"]}, {"år": ["2023"]}, "5"
    )
    with pytest.raises(
        LoadError, match=r"^hush\.px: no age / sex variable found among \['region', 'hushållstyp', 'år'\]"
    ):
        import_population(path)


def test_a_csv_without_the_variables_is_refused_naming_what_it_has(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^a\.csv: no age column in the header \['region', 'kön', '2023'\] \(line 1\)"):
        import_population(write(tmp_path / "a.csv", "region,kön,2023\n1480 Göteborg,män,5\n"))
    with pytest.raises(LoadError, match=r"^b\.csv: no header line naming the region .* first line has the fields"):
        import_population(write(tmp_path / "b.csv", "ålder;kön;2023\n0 år;män;5\n"))


def test_unreadable_files_are_load_errors(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^missing\.csv: no such file"):
        import_population(tmp_path / "missing.csv")
    with pytest.raises(LoadError, match=r"^broken\.px, line 2, TITLE: unterminated string"):
        import_population(write(tmp_path / "broken.px", 'CHARSET="ANSI";\nTITLE="Folkmängden;\nDATA=1;\n', "cp1252"))
    path = tmp_path / "bytes.csv"
    path.write_bytes(b'"region","\xe5lder","k\xf6n","2023"\n"1480","0 \x81r","m\xe4n",1\n')
    with pytest.raises(LoadError, match=r"^bytes\.csv: not valid cp1252"):
        import_population(path)
    path.write_bytes(b'enhet;\xe5r;omr\xe5de;kostnad_kr\n1480;2023;"' + b"x" * 200_000)  # an unclosed quote
    with pytest.raises(LoadError, match=r"^bytes\.csv: not a readable delimited text file \(field larger than"):
        import_costs(path)


def test_csv_layouts_that_cannot_be_read_are_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^h\.csv: no data rows below the header"):
        import_population(write(tmp_path / "h.csv", '"region","ålder","kön","2023"\n'))
    with pytest.raises(LoadError, match=r"^l\.csv: a long layout \(with a year column\) needs one value column"):
        import_population(write(tmp_path / "l.csv", "region;ålder;kön;år\n1480;0 år;män;2023\n"))
    with pytest.raises(LoadError, match=r"^w\.csv: both year columns \['2023'\] and a value column \['antal'\]"):
        import_population(write(tmp_path / "w.csv", "region;ålder;kön;2023;antal\n1480;0 år;män;1;1\n"))


def test_wide_csv_problems_name_the_line_and_the_year_column(tmp_path: Path) -> None:
    text = "region,ålder,kön,2022,2023\n1480 Göteborg,0 år,män,..,5\n1480 Göteborg,1 år,män,6,\n"
    with pytest.raises(ValidationError) as excinfo:
        import_population(write(tmp_path / "w.csv", text))
    (problem,) = excinfo.value.problems
    assert (problem.reason, problem.rows, problem.first_row) == ("missing_value", 2, 2)
    assert problem.message.endswith("(line 2 (2022), line 3 (2023))")


# --- population: every rule, with file and row -------------------------------------------------------------------

BAD_LONG = """"Folkmängden efter region, ålder, kön och år"

region;ålder;kön;år;Folkmängd
1480 Göteborg;0 år;män;2023;3 550
9999 Okänd;0 år;män;2023;10
Göteborg;0 år;kvinnor;2023;10
1480 Göteborg;1 år;män;2023;12x
1480 Göteborg;2 år;män;2023;12,5
1480 Göteborg;3 år;män;2023;-3
1480 Göteborg;5-9 år;män;2023;40
1480 Göteborg;4 år;okänt;2023;40
1480 Göteborg;4 år;män;20x3;40
1480 Göteborg;6 år;män;2023;..
1480 Göteborg;7 år;män;2023;
1480 Göteborg;8 år;män;2023;5
1480 Göteborg;8 år;män;2023;6
1480 Göteborg;9 år;män;2023;6;extra
"""


def test_every_population_rule_names_the_file_and_the_lines(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as excinfo:
        import_population(write(tmp_path / "folk.csv", BAD_LONG), areas={"1480": "1480"})
    found = sorted((p.first_row, p.reason, p.column, p.rows) for p in excinfo.value.problems)
    assert found == [  # (first line, rule, column, rows)
        (5, "unknown_area", "area_code", 1),  # 9999 is not among the areas
        (6, "unknown_area", "area_code", 1),  # 'Göteborg' without a code
        (7, "invalid_number", "population", 2),  # 12x, and 12,5 is not whole
        (9, "out_of_range", "population", 1),
        (10, "invalid_age", "age", 1),
        (11, "invalid_sex", "sex", 1),
        (12, "invalid_year", "year", 1),
        (13, "missing_value", "population", 2),  # '..' and empty
        (15, "duplicate_key", "area_code,year,sex,age", 2),
        (17, "malformed_row", None, 1),
    ]
    by_line = {p.first_row: p for p in excinfo.value.problems}
    assert by_line[6].message == "folk.csv: region without an area code (e.g. '1480 Göteborg') (line 6)"
    assert by_line[7].message == "folk.csv: not a whole number of inhabitants (line 7, line 8)"
    assert "(line 15, line 16)" in by_line[15].message
    assert by_line[10].examples == ("'5-9 år'",)
    for problem in excinfo.value.problems:
        assert problem.source == "folk.csv"
        assert problem.message.startswith("folk.csv: ")
        assert f"line {problem.first_row}" in problem.message
        assert problem.reason in RULES
    assert "folk.csv, column year, row 12: [invalid_year]" in str(excinfo.value)


def test_px_problems_name_the_cell_and_its_labels(tmp_path: Path) -> None:
    path = px(
        tmp_path / "celler.px",
        {"region": ["1480 Göteborg", "9999 Okänd"], "ålder": ["0 år"]},
        {"kön": ["män", "kvinnor"], "år": ["2023"]},
        '3550 ".."\n4 5',
    )
    with pytest.raises(ValidationError) as excinfo:
        import_population(path, areas={"1480": "1480"})
    found = problems(excinfo)
    assert set(found) == {("missing_value", "population"), ("unknown_area", "area_code")}
    assert "cell 2 (1480 Göteborg / 0 år / kvinnor / 2023)" in found[("missing_value", "population")].message
    unknown = found[("unknown_area", "area_code")]
    assert (unknown.rows, unknown.first_row, unknown.examples) == (2, 3, ("'9999'",))
    assert "celler.px: area code not among the given areas (cell 3 (9999 Okänd / 0 år / män / 2023), cell 4" in (
        unknown.message
    )


# --- costs -------------------------------------------------------------------------------------------------------


def test_a_swedish_cost_file_with_decimal_commas() -> None:
    frame = import_costs(DATA / "ifo_costs_sv.csv")
    assert list(frame.columns) == COST_COLUMNS
    assert frame[["year", "cost_sek"]].dtypes.astype(str).tolist() == ["int64", "float64"]
    assert all(pd.api.types.is_string_dtype(frame[c]) for c in ("unit_code", "service_area", "source"))
    assert frame[["unit_code", "year", "service_area"]].values.tolist() == [
        ["1401", 2022, "criminality"],
        ["1401", 2023, "homelessness"],
        ["1401", 2023, "substance_abuse"],
        ["1480", 2023, "children_youth"],
        ["1480", 2023, "economic_assistance"],
        ["1480-A-NO", 2023, "domestic_violence"],
    ]
    assert value(frame, unit_code="1480", service_area="economic_assistance") == 1_234_567_890.50
    assert value(frame, unit_code="1480-A-NO", service_area="domestic_violence") == 12_345_678.25
    assert value(frame, unit_code="1401", year=2022) == 1_250_000.75
    assert set(frame["source"]) == {"imported"}


def test_an_english_cost_file_with_codes_and_labels() -> None:
    frame = import_costs(DATA / "ifo_costs_en.csv")
    assert frame[["unit_code", "service_area", "cost_sek"]].values.tolist() == [
        ["1480", "children_youth", 2_400_000_000.0],
        ["1480", "economic_assistance", 1_250_000_000.5],
        ["1480-A-CE", "domestic_violence", 15_000_000.0],
        ["1481", "substance_abuse", 52_000_000.25],
    ]
    assert set(frame["year"]) == {2024}


def test_cost_headers_are_matched_without_regard_to_case(tmp_path: Path) -> None:
    text = "Enhet\tÅR\tOmråde\tKostnad_KR\tKommentar\n1415\t2024\t  barn   och UNGA \t1\u00a0000,5\tfri text\n"
    frame = import_costs(write(tmp_path / "k.tsv", text, "cp1252"))
    assert frame[["unit_code", "year", "service_area", "cost_sek"]].values.tolist() == [
        ["1415", 2024, "children_youth", 1000.5]
    ]


BAD_COSTS = """unit_code;year;service_area;cost_sek
1480;2023;economic_assistance;1 000
;2023;children_youth;5
1480;2023;children_youth;..
1480;2023;criminality;12abc
1480;2023;homelessness;-5
1480;2023;Äldreomsorg;7
1480;23;substance_abuse;7
1401;2024;Hemlöshet;1
1401;2024;homelessness;2
1401;2024;homelessness
"""


def test_every_cost_rule_names_the_file_and_the_lines(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as excinfo:
        import_costs(write(tmp_path / "kostnad.csv", BAD_COSTS))
    found = problems(excinfo)
    assert {k: (p.rows, p.first_row) for k, p in found.items()} == {
        ("missing_value", "unit_code"): (1, 3),
        ("missing_value", "cost_sek"): (1, 4),
        ("invalid_number", "cost_sek"): (1, 5),
        ("out_of_range", "cost_sek"): (1, 6),
        ("unknown_code", "service_area"): (1, 7),
        ("invalid_year", "year"): (1, 8),
        ("duplicate_key", "unit_code,year,service_area"): (2, 9),
        ("malformed_row", None): (1, 11),
    }
    for problem in excinfo.value.problems:
        assert problem.source == "kostnad.csv"
        assert problem.message.startswith("kostnad.csv: ")
        assert f"line {problem.first_row}" in problem.message
        assert problem.table == "costs"
    assert "(line 9, line 10)" in found[("duplicate_key", "unit_code,year,service_area")].message
    assert found[("unknown_code", "service_area")].examples == ("'Äldreomsorg'",)


def test_a_decimal_comma_in_a_comma_separated_cost_file_is_not_a_number(tmp_path: Path) -> None:
    with pytest.raises(ValidationError) as excinfo:
        import_costs(write(tmp_path / "c.csv", 'enhet,år,område,kostnad_kr\n1480,2023,Missbruk,"1 234,5"\n'))
    assert [(p.reason, p.first_row) for p in excinfo.value.problems] == [("invalid_number", 2)]


def test_a_cost_file_without_the_header_is_refused(tmp_path: Path) -> None:
    with pytest.raises(LoadError, match=r"^x\.csv: no header line naming unit_code, year, service_area and cost_sek"):
        import_costs(write(tmp_path / "x.csv", "enhet;år;kostnad\n1480;2023;5\n"))
    with pytest.raises(LoadError, match=r"^y\.csv: no data rows below the header \(line 1\)"):
        import_costs(write(tmp_path / "y.csv", "enhet;år;område;kostnad_kr\n"))


# --- numbers ----------------------------------------------------------------------------------------------------


@given(st.integers(-(10**12), 10**12))
def test_swedish_grouped_integers_read_back(number: int) -> None:
    numbers, missing, invalid = parse_numbers(pd.Series([format_int(number)]), decimal_comma=False)
    assert (numbers.iloc[0], bool(missing.iloc[0]), bool(invalid.iloc[0])) == (number, False, False)


@given(st.integers(0, 10**11))
def test_swedish_decimal_numbers_read_back(cents: int) -> None:
    numbers, _missing, invalid = parse_numbers(pd.Series([format_number(cents / 100, 2)]), decimal_comma=True)
    assert not invalid.iloc[0]
    assert numbers.iloc[0] == pytest.approx(cents / 100, abs=1e-6)


def test_missing_and_nil_cells() -> None:
    numbers, missing, invalid = parse_numbers(pd.Series(["..", "", ".", "-", " 12 ", "1.2.3"]), decimal_comma=True)
    assert missing.tolist() == [True, True, True, False, False, False]
    assert invalid.tolist() == [False, False, False, False, False, True]
    assert numbers.tolist()[3:5] == [0.0, 12.0]


def test_the_cli_loads_population_and_costs_into_the_store_replacing_same_keys(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from socialstat.cli import cli
    from socialstat.reference import build_units
    from socialstat.store import init_store
    from socialstat.store.load import load_reference

    db = f"duckdb:///{tmp_path / 'ref.duckdb'}"
    runner = CliRunner()
    with init_store(db) as store:
        empty = runner.invoke(cli, ["population", "import", str(DATA / "BE0101N1_ansi.px"), "--db", db])
        for name, frame in build_units(["1401", "1480"]).items():
            if name in ("units", "areas"):
                load_reference(store, name, frame)
    assert empty.exit_code == 1
    assert "the store has no areas yet" in empty.output
    # Göteborg's population must be given by area (it has sub-areas): the municipality code is not one of them.
    refused = runner.invoke(cli, ["population", "import", str(DATA / "BE0101N1_ansi.px"), "--db", db])
    assert refused.exit_code == 1
    assert "unknown_area" in refused.output
    assert "BE0101N1_ansi.px" in refused.output

    loaded = runner.invoke(cli, ["costs", "import", str(DATA / "ifo_costs_sv.csv"), "--db", db])
    assert loaded.exit_code == 0, loaded.output
    assert "Loaded 6 cost rows (3 units)" in loaded.output
    again = runner.invoke(cli, ["costs", "import", str(DATA / "ifo_costs_sv.csv"), "--db", db])
    assert again.exit_code == 0
    with init_store(db) as store:
        stored = store.table("costs").execute()
    assert len(stored) == 6  # replaced, not doubled
    assert (
        stored.set_index(["unit_code", "service_area"]).loc[("1480", "economic_assistance"), "cost_sek"] == 1234567890.5
    )
