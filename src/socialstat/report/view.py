"""A release as the report reads it: the cells of a unit and the units under it, their names, and every shown
number formatted for the language with its cell's key.

Every number the report prints from a release cell goes through `View.shown`, which returns the text and the
cell's key; the HTML puts the key on the number (`data-cell`), so a test can check each one against the
release. A suppressed cell shows its symbol (`..`), never a number.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import pandas as pd

from socialstat.analysis import words
from socialstat.analysis.findings import exists_in, resolve_unit
from socialstat.errors import ReportError
from socialstat.stats import funnel_limits

KEY = ("indicator", "structure", "unit_code", "breakdown", "breakdown_value", "period")

COMPARED = ("proportion", "rate")  # the statistics whose units are compared with funnel limits


@dataclass(frozen=True)
class Shown:
    """A number as printed: its text (or symbol) and the key of the cell it comes from."""

    text: str
    key: str
    suppressed: bool = False
    note: str = ""  # the cell's footnote (approximate_units, incomplete_year), marked * where printed


@dataclass(frozen=True)
class Compared:
    """A unit under the view's unit, in the last year, against the unit's value: outside the 95 % funnel
    limits or not (a share or a rate)."""

    unit: str
    row: dict[str, Any]
    value: float
    lower: float  # the unit's own interval (NaN where none)
    upper: float
    denominator: float
    parent_value: float
    outside: bool


def cell_key(row: dict[str, Any]) -> str:
    """A cell's key as one string: indicator|structure|unit|breakdown|value|period."""
    return "|".join(str(int(row[k])) if k == "period" else str(row[k]) for k in KEY)


class View:
    """The release's cells about one unit (a municipality or a region) and the units under it."""

    def __init__(self, release: Any, unit: str, lang: str) -> None:
        self.release, self.lang = release, lang
        self.meta = release.metadata()
        self.units = {u["unit_code"]: u for u in self.meta.get("units", [])}
        try:
            self.unit = resolve_unit(unit, self.units)
        except Exception as err:  # a ConfigurationError: the report's own error says what to do
            raise ReportError(f"report: {err}") from None
        cells = release.cells()
        self.last = int(cells["period"].max())
        self.years = sorted(int(p) for p in cells["period"].unique())
        self.children = sorted(
            (c for c, u in self.units.items() if u.get("parent_code") == self.unit and exists_in(u, self.last)),
            key=lambda c: self.name(c),
        )
        if not exists_in(self.units[self.unit], self.last):
            ended = str(self.units[self.unit].get("valid_to") or "")[:4]
            raise ReportError(f"report: {self.name(self.unit)} ended in {ended}; the release's last year is "
                              f"{self.last}: choose a unit that exists then")  # fmt: skip
        self.parent = self.units[self.unit].get("parent_code")
        wanted = {self.unit, *self.children, *([self.parent] if self.parent else [])}
        self.cells = cells[cells["unit_code"].isin(wanted)].copy()
        self.indicators: dict[str, dict[str, Any]] = self.meta.get("indicators", {})
        order = {s: i for i, s in enumerate(self.meta.get("structures", []))}
        ranked = self.cells.assign(_order=self.cells["structure"].map(order).fillna(len(order)))
        self._series: dict[tuple[str, str, str, str], pd.DataFrame] = {}
        for key, rows in ranked.groupby(["indicator", "unit_code", "breakdown", "breakdown_value"], sort=False):
            first = rows[rows["_order"] == rows["_order"].min()]  # the first structure that publishes them
            self._series[tuple(str(k) for k in key)] = first.drop(columns="_order").sort_values("period")  # type: ignore[index]

    def in_language(self, lang: str) -> View:
        """The same view in another language (the cells are read once)."""
        other = copy.copy(self)
        other.lang = lang
        return other

    def has(self, indicator: str) -> bool:
        """Whether the release publishes the indicator for the view's unit."""
        return not self.series(indicator, self.unit).empty

    def compared(self, indicator: str) -> list[Compared]:
        """The units under the view's unit against it in the last year, where both are published."""
        meta = self.indicators[indicator]
        base = self.cell(indicator, self.unit, self.last)
        if meta.get("statistic") not in COMPARED or base is None or not self.usable(base):
            return []
        kind = "proportion" if meta["statistic"] == "proportion" else "rate"
        found = []
        for unit in self.children:
            row = self.cell(indicator, unit, self.last)
            if row is None or not self.usable(row) or not row.get("denominator"):
                continue
            limits = funnel_limits(kind, float(base["value"]), float(row["denominator"]), confidence=0.95,
                                   multiplier=float(meta.get("multiplier") or 1))  # fmt: skip
            value = float(row["value"])
            outside = bool(value > float(limits.upper) or value < float(limits.lower))
            found.append(Compared(unit, row, value, _float(row.get("lower")), _float(row.get("upper")),
                                  float(row["denominator"]), float(base["value"]), outside))  # fmt: skip
        return found

    def footnotes(self, shown: Iterable[Shown | None]) -> list[str]:
        """The footnotes of the marked (*) cells among `shown`: estimated units, incomplete years."""
        used = sorted({s.note for s in shown if s is not None and s.note})
        texts = self.meta.get("footnotes", {})
        return [f"* {texts[n][self.lang]}" for n in used if n in texts]

    def name(self, code: str) -> str:
        """A unit's name in the report's language."""
        unit = self.units.get(code, {})
        return str(unit.get(f"name_{self.lang}") or unit.get("name_sv") or code)

    def series(self, indicator: str, unit: str, breakdown: str = "total", value: str = "total") -> pd.DataFrame:
        """A unit's cells of an indicator, one per year, from the first structure that publishes them."""
        return self._series.get((indicator, unit, breakdown, value), self.cells.iloc[0:0])

    def cell(
        self, indicator: str, unit: str, year: int, breakdown: str = "total", value: str = "total"
    ) -> dict[str, Any] | None:
        """One cell, or None if the release does not have it."""
        rows = self.series(indicator, unit, breakdown, value)
        rows = rows[rows["period"] == year]
        return None if rows.empty else dict(rows.iloc[0])

    def shown(self, row: dict[str, Any]) -> Shown:
        """The cell's value as the report prints it: exact counts, one decimal for shares and rates (whole from
        100), or the cell's symbol when it has no published value."""
        key = cell_key(row)
        value = row.get("value")
        if value is None or (isinstance(value, float) and math.isnan(value)) or row.get("symbol") == "..":
            return Shown(str(row.get("symbol") or ".."), key, suppressed=True)
        note = str(row.get("note") or "")
        if row.get("symbol") == "-" and not value:
            return Shown("-", key, note=note)
        return Shown(self.number(float(value), str(row["indicator"])), key, note=note)

    def number(self, value: float, indicator: str) -> str:
        """A value as the report prints it: counts whole, shares and rates to one decimal, other amounts (kronor,
        days, averages) whole from 100."""
        statistic = self.indicators.get(indicator, {}).get("statistic")
        return words.number(value, words.decimals(statistic, [value]), self.lang)

    def usable(self, row: dict[str, Any] | None) -> bool:
        """Whether a cell has a published value that the analysis and the prose may rest on."""
        return row is not None and not self.shown(row).suppressed and row.get("status") != "incomplete"


def _float(value: Any) -> float:
    """A cell's number, NaN where it has none."""
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan
