"""A release's cells as one long table: the shape of every export (CSV, Excel, Parquet), one row per cell.

Built from the release folder only (its cells and metadata), never from the store. Columns, in order:

indicator, indicator_title, indicator_title_en, area, structure, unit_code, unit_name, unit_name_en,
parent_unit_code, unit_level, period, breakdown, breakdown_value, breakdown_label, value, lower, upper,
numerator, denominator, status, note, method, quality.

`status` is the symbol: `..` suppressed (its numbers empty), `-` zero, empty when published. A total is a row
like any other: `breakdown` `total` and `breakdown_value` `Total`. `quality` is the data status (`ok`,
`approximate`: a unit estimated from areas that do not match it exactly, `incomplete`: a year not whole) and
`note` the key of its footnote in the metadata.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

TOTAL = "Total"
TOTAL_LABEL = {"sv": "Totalt", "en": "Total"}  # the label of the Total category
COLUMNS = [
    "indicator", "indicator_title", "indicator_title_en", "area", "structure", "unit_code", "unit_name",
    "unit_name_en", "parent_unit_code", "unit_level", "period", "breakdown", "breakdown_value", "breakdown_label",
    "value", "lower", "upper", "numerator", "denominator", "status", "note", "method", "quality",
]  # fmt: skip
BREAKDOWNS = {  # the breakdown variables' names (Swedish, English)
    "sex": ("kön", "sex"), "age_children": ("ålder", "age"), "age_adults": ("ålder", "age"),
    "kind": ("slag", "kind"), "reporter": ("anmälare", "reporter"), "decision": ("beslut", "decision"),
    "reason": ("skäl", "reason"), "household_type": ("hushållstyp", "household type"),
    "household_with_children": ("hushåll med barn", "household with children"), "obstacle": ("hinder", "obstacle"),
    "category": ("insats", "intervention"), "legal_basis": ("lagrum", "legal basis"),
    "service_area": ("verksamhetsområde", "service area"), "situation": ("situation", "situation"),
}  # fmt: skip
NUMBERS = ["value", "lower", "upper", "numerator", "denominator"]


def long_cells(release: Any) -> pd.DataFrame:
    """Every cell of `release` (a `socialstat.release.Release`) as one row of the long table."""
    cells = release.cells()
    meta = release.metadata()
    units = _latest_units(meta["units"])
    indicators = meta["indicators"]
    out = cells.assign(
        indicator_title=cells["indicator"].map(lambda i: indicators[i]["title"]["sv"]),
        indicator_title_en=cells["indicator"].map(lambda i: indicators[i]["title"]["en"]),
        area=cells["indicator"].map(lambda i: indicators[i]["area"]),
        unit_name=cells["unit_code"].map(lambda u: units.get(u, {}).get("name_sv")),
        unit_name_en=cells["unit_code"].map(lambda u: units.get(u, {}).get("name_en")),
        parent_unit_code=cells["unit_code"].map(lambda u: units.get(u, {}).get("parent_code")),
        unit_level=cells["unit_code"].map(lambda u: units.get(u, {}).get("level")),
        quality=cells["status"],
        status=cells["symbol"],
    )
    labels = meta.get("breakdowns", {})
    out["breakdown_label"] = [
        labels.get(b, {}).get(v, {}).get("sv", v) for b, v in zip(out["breakdown"], out["breakdown_value"], strict=True)
    ]
    total = out["breakdown"] == "total"
    out.loc[total, "breakdown_value"] = TOTAL
    out.loc[total, "breakdown_label"] = TOTAL
    return out[COLUMNS].reset_index(drop=True)


def indicator_tables(long: pd.DataFrame) -> Iterator[tuple[str, str, str, pd.DataFrame]]:
    """(indicator, structure, breakdown, cells) for every indicator table of the long table: each breakdown with
    the indicator's totals (its `Total`), or the totals alone (breakdown `total`) for an indicator without one."""
    for (indicator, structure), cells in long.groupby(["indicator", "structure"], sort=True):
        totals = cells[cells["breakdown"] == "total"]
        breakdowns = sorted(b for b in cells["breakdown"].unique() if b != "total")
        if not breakdowns:
            yield str(indicator), str(structure), "total", totals
        for b in breakdowns:
            yield str(indicator), str(structure), b, pd.concat([totals, cells[cells["breakdown"] == b]])


def unit_order(cells: pd.DataFrame) -> list[str]:
    """The units of `cells` in the order tables show them: the top level first, then by code."""
    ordered = cells.sort_values(["unit_level", "unit_code"], na_position="first")["unit_code"]
    return list(dict.fromkeys(ordered))


def unit_label(name: object, code: str) -> str:
    """A unit's name, or its code when it has none (None, or NaN: pandas' missing text)."""
    return name if isinstance(name, str) and name else code


def _latest_units(units: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Each unit's latest version (a unit can have several periods of validity)."""
    found: dict[str, dict[str, Any]] = {}
    for unit in sorted(units, key=lambda u: (u["unit_code"], u.get("valid_from") or "")):
        found[unit["unit_code"]] = unit
    return found
