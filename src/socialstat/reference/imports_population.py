"""Import population by area, year, sex and single year of age from SCB's files (PX, or CSV as downloaded).

imports_scb.py turns the file into a long frame of texts; `_canonical` checks every row, collects every problem
and sums the rows into the canonical `population` table: other variables (civilstånd, tabellinnehåll) are summed
over without their totals, and ages of 100 and above into 100. See docs/how-to/import-population-and-costs.md.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from socialstat.errors import LoadError
from socialstat.reference.imports import (
    Findings,
    check_canonical,
    map_distinct,
    parse_years,
    repeated_keys,
    sort_canonical,
)
from socialstat.reference.imports_scb import area_code, is_total, parse_age, parse_sex, read_scb

KEY = "area_code,year,sex,age"


def import_population(path: str | os.PathLike[str], *, areas: Mapping[str, str] | None = None) -> pd.DataFrame:
    """Read SCB population figures from a PX file or a CSV download into the canonical `population` table.

    The result has exactly the canonical columns (area_code, year, sex, age, population, source='imported'),
    one row per key, sorted by it. Ages of 100 and above are summed into 100. `areas` (area code ->
    municipality code), when given, lists the area codes accepted. Raises `LoadError` for a file that cannot be
    read or lacks the variables, `ValidationError` with every problem (rule, file, line or cell) otherwise.
    """
    path = Path(path)
    if not path.is_file():
        raise LoadError(f"{path.name}: no such file")
    raw, others, findings = read_scb(path)
    return _canonical(raw, others, findings, areas)


def _drop_totals(raw: pd.DataFrame, columns: list[str], names: Mapping[str, str], source: str) -> pd.DataFrame:
    """`raw` without the rows of total categories, where a variable also has its individual values."""
    for column in columns:
        total = map_distinct(raw[column], is_total).astype(bool)
        if not total.all():
            raw = raw.loc[~total]
        elif column in ("age", "sex"):
            shown = ", ".join(repr(v) for v in raw[column].unique()[:3])
            raise LoadError(
                f"{source}: the {names[column]} variable holds only totals ({shown}); single years of age and both "
                "sexes are needed — download every age (0–100+) and men and women (män, kvinnor) separately"
            )
    return raw


def _canonical(
    raw: pd.DataFrame, others: list[str], findings: Findings, areas: Mapping[str, str] | None
) -> pd.DataFrame:
    """Check every row of `raw`, raise the problems together, else sum it into the canonical table."""
    source = findings.source
    if raw.empty:
        findings.raise_if_any()
        raise LoadError(f"{source}: no data rows below the header")
    raw = _drop_totals(raw, ["sex", "age", *others], {"sex": "sex (kön)", "age": "age (ålder)"}, source)
    area = map_distinct(raw["region"], area_code)
    age = map_distinct(raw["age"], lambda text: (parse_age(text) or (None, None))[0])
    exact = map_distinct(raw["age"], lambda text: (parse_age(text) or (None, None))[1])  # '100+' apart from '100'
    year = parse_years(raw["year"], "population")
    sex = map_distinct(raw["sex"], parse_sex)
    check = findings.check
    no_code = "region without an area code (e.g. '1480 Göteborg')"
    check("unknown_area", "area_code", raw, area.isna(), no_code, raw["region"])
    if areas is not None:
        unknown = area.notna() & ~area.isin(list(areas))
        check("unknown_area", "area_code", raw, unknown, "area code not among the given areas", area)
    check("invalid_year", "year", raw, year.isna(), "not a four-digit year from 1990 to 2100", raw["year"])
    check("invalid_age", "age", raw, age.isna(), "not a single year of age (0 år … 100+ år)", raw["age"])
    check("invalid_sex", "sex", raw, sex.isna(), "neither men (män) nor women (kvinnor)", raw["sex"])
    number = raw["_number"]
    no_number = "no number (an empty cell, or a dot symbol such as '..')"
    check("missing_value", "population", raw, raw["_missing"], no_number, raw["_shown"])
    check(
        "invalid_number",
        "population",
        raw,
        raw["_invalid"] | (number % 1 > 0),
        "not a whole number of inhabitants",
        raw["_shown"],
    )
    check("out_of_range", "population", raw, number < 0, "a negative number of inhabitants", raw["_shown"])
    keyed = pd.DataFrame({"a": area, "y": year, "s": sex, "e": exact}).join(raw[others])
    complete = keyed[["a", "y", "s", "e"]].notna().all(axis=1)
    repeated = repeated_keys(keyed.loc[complete], list(keyed.columns)).reindex(raw.index, fill_value=False)
    twice = "the same region, year, sex and age (and other variables) more than once"
    check("duplicate_key", KEY, raw, repeated, twice, raw["region"])
    findings.raise_if_any()
    rows = pd.DataFrame({"area_code": area, "year": year, "sex": sex, "age": age, "n": number})
    summed = rows.groupby(["area_code", "year", "sex", "age"], as_index=False, sort=False)["n"].sum()
    out = pd.DataFrame(
        {
            "area_code": summed["area_code"].astype("str"),
            "year": summed["year"].astype("int64"),
            "sex": summed["sex"].astype("str"),
            "age": summed["age"].astype("int64"),
            "population": summed["n"].round().astype("int64"),
            "source": "imported",
        }
    )
    return check_canonical(sort_canonical(out, "population"), "population", source)
