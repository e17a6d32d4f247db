"""Import the gross cost of individ- och familjeomsorg per unit, year and service area from a CSV file.

The format (docs/how-to/import-population-and-costs.md): a header naming `unit_code, year, service_area,
cost_sek` or, in Swedish, `enhet, år, område, kostnad_kr` (any case; other columns are ignored), delimiter `,`,
`;` or tab, UTF-8 or Windows-1252. Costs may have spaces as thousands separators, and a decimal comma in `;`- or
tab-separated files. The service area is a code of the `service_area` list or its Swedish or English label.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path

import pandas as pd

from socialstat.errors import LoadError
from socialstat.ingest.profile import normalise
from socialstat.model import load_model
from socialstat.reference.imports import (
    Findings,
    check_canonical,
    lines_where,
    parse_numbers,
    parse_years,
    read_delimited,
    repeated_keys,
    sort_canonical,
)

HEADERS = {  # canonical column -> the header names accepted for it (normalised)
    "unit_code": ("unit_code", "enhet"),
    "year": ("year", "år"),
    "service_area": ("service_area", "område"),
    "cost_sek": ("cost_sek", "kostnad_kr"),
}
KEY = "unit_code,year,service_area"


def import_costs(path: str | os.PathLike[str]) -> pd.DataFrame:
    """Read a cost CSV into the canonical `costs` table (unit_code, year, service_area, cost_sek, source).

    Every row is checked and every problem collected: `missing_value`, `invalid_number`, `out_of_range`
    (a negative cost), `unknown_code` (service area), `invalid_year`, `duplicate_key`, `malformed_row`, each
    naming the file and lines, raised together as a `ValidationError`. A file without the header is a
    `LoadError`. The result is sorted by unit, year and service area, with source 'imported'.
    """
    path = Path(path)
    found = read_delimited(path, _is_cost_header, "unit_code, year, service_area and cost_sek")
    position = {normalise(h): i for i, h in enumerate(found.header)}
    index = {column: next(position[n] for n in names if n in position) for column, names in HEADERS.items()}
    lines = [line for line, _fields in found.records]
    raw = pd.DataFrame(
        {column: pd.Series([f[i].strip() for _n, f in found.records], dtype="str") for column, i in index.items()}
    )
    raw["_row"] = pd.Series(lines, dtype="int64")
    findings = Findings("costs", found.source, lines_where)
    findings.malformed(found.malformed, len(found.header))
    if raw.empty:
        findings.raise_if_any()
        raise LoadError(f"{found.source}: no data rows below the header (line {found.header_line})")
    return _canonical(raw, findings, decimal_comma=found.delimiter != ",")


def _is_cost_header(fields: list[str]) -> bool:
    names = {normalise(f) for f in fields}
    return all(any(n in names for n in accepted) for accepted in HEADERS.values())


@cache
def _service_areas() -> dict[str, str]:
    """Normalised code, Swedish or English label -> the canonical service_area code."""
    out = {}
    for code in load_model().codes("service_area").codes:
        out.update({normalise(text): code.code for text in (code.code, code.sv, code.en)})
    return out


def _canonical(raw: pd.DataFrame, findings: Findings, *, decimal_comma: bool) -> pd.DataFrame:
    check = findings.check
    for column in ("unit_code", "year", "service_area"):
        check("missing_value", column, raw, raw[column] == "", "empty", raw[column])
    year = parse_years(raw["year"], "costs")
    given = raw["year"] != ""
    check("invalid_year", "year", raw, given & year.isna(), "not a four-digit year from 1990 to 2100", raw["year"])
    area = raw["service_area"].map(lambda text: _service_areas().get(normalise(text)))
    unknown = (raw["service_area"] != "") & area.isna()
    check("unknown_code", "service_area", raw, unknown, "not a service area (code or label)", raw["service_area"])
    cost, missing, invalid = parse_numbers(raw["cost_sek"], decimal_comma=decimal_comma)
    check("missing_value", "cost_sek", raw, missing, "no cost (an empty cell or '..')", raw["cost_sek"])
    separators = "spaces as thousands separators and a decimal comma or point" if decimal_comma else "a decimal point"
    check("invalid_number", "cost_sek", raw, invalid, f"not a number (written with {separators})", raw["cost_sek"])
    check("out_of_range", "cost_sek", raw, cost < 0, "a negative cost", raw["cost_sek"])
    keyed = pd.DataFrame({"u": raw["unit_code"], "y": year, "a": area})
    complete = keyed.notna().all(axis=1) & (raw["unit_code"] != "")
    repeated = repeated_keys(keyed.loc[complete], ["u", "y", "a"]).reindex(raw.index, fill_value=False)
    check("duplicate_key", KEY, raw, repeated, "the same unit, year and service area more than once", raw["unit_code"])
    findings.raise_if_any()
    out = pd.DataFrame(
        {
            "unit_code": raw["unit_code"].astype("str"),
            "year": year.astype("int64"),
            "service_area": area.astype("str"),
            "cost_sek": cost.astype("float64"),
            "source": "imported",
        }
    )
    return check_canonical(sort_canonical(out, "costs"), "costs", findings.source)
