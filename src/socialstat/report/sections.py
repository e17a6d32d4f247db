"""The parts of a chapter, built from a release view: key-figure tiles, an indicator's charts and its table, and
tables of breakdowns per unit (the chapter on aktualiseringar)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from socialstat.report import charts
from socialstat.report.view import Shown, View

TABLE_YEARS = 5  # years in an indicator's table
UNIT_COLUMNS = 5  # units side by side in a table of breakdowns
MANY = 7  # more units under the unit than this (a region's municipalities): a count's chart shows the unit alone


@dataclass(frozen=True)
class Tile:
    """A key figure: its title, the last year's value and the year before's."""

    title: str
    unit_of_measure: str
    now: Shown
    before: Shown | None
    before_label: str


@dataclass(frozen=True)
class Table:
    """Rows of units (or other labels) by columns, each value a shown cell."""

    caption: str
    columns: list[str]
    rows: list[tuple[str, list[Shown]]]
    notes: list[str] = field(default_factory=list)
    first_column: str | None = None  # the heading of the row labels (None: the word for unit)


@dataclass(frozen=True)
class Figure:
    """A chart with its caption and notes (gaps, bands, markers)."""

    chart: charts.Chart
    caption: str
    notes: list[str]


@dataclass(frozen=True)
class Section:
    """One indicator in a chapter: title, definition, charts and table."""

    indicator: str
    title: str
    definition: str
    figures: list[Figure]
    table: Table


def tiles(view: View, ids: list[str], labels: dict[str, Any]) -> list[Tile]:
    """The key figures among `ids` for the view's unit: the last year's value and the year before's."""
    found = []
    for indicator in ids:
        meta = view.indicators[indicator]
        if not meta.get("key_figure"):
            continue
        now = view.cell(indicator, view.unit, view.last)
        if now is None:
            continue
        before = view.cell(indicator, view.unit, view.last - 1)
        shown_before = view.shown(before) if before is not None else None
        found.append(Tile(meta["title"][view.lang], meta["unit_of_measure"][view.lang], view.shown(now), shown_before,
                          str(view.last - 1)))  # fmt: skip
    return found


def section(view: View, indicator: str, labels: dict[str, Any], parent_name: str) -> Section:
    """An indicator's section: its trend chart (the unit emphasised, the units under it), a comparison of the
    units under it with the unit in the last year (shares and rates), and a table of the last years."""
    meta = view.indicators[indicator]
    title = meta["title"][view.lang]
    units = [view.unit, *view.children]
    drawn = units if meta.get("statistic") != "count" or len(view.children) <= MANY else [view.unit]
    figures = [_trend(view, indicator, drawn, labels)]
    compared = _comparison(view, indicator, labels, parent_name)  # None for a count, or without units under it
    if compared is not None:
        figures.append(compared)
    return Section(indicator, title, meta["definition"][view.lang], figures, _table(view, indicator, units, labels))


def breakdown_tables(view: View, indicator: str, caption: str) -> list[Table]:
    """The last year's cells of an indicator by its breakdown values (rows) and the units (columns), at most
    UNIT_COLUMNS units to a table so that it fits the page (a region's municipalities take several)."""
    cells = view.cells[(view.cells["indicator"] == indicator) & (view.cells["period"] == view.last)]
    breakdowns = [b for b in cells["breakdown"].unique() if b != "total"]
    if not breakdowns:
        return []
    breakdown = str(breakdowns[0])
    values = sorted(cells.loc[cells["breakdown"] == breakdown, "breakdown_value"].unique())
    labels = view.meta.get("breakdowns", {}).get(breakdown, {})
    units = [view.unit, *view.children]
    tables = []
    for start in range(0, len(units), UNIT_COLUMNS):
        chosen = units[start : start + UNIT_COLUMNS]
        rows = [
            (
                labels.get(v, {}).get(view.lang, v),
                [_shown_or_blank(view, view.cell(indicator, u, view.last, breakdown, v)) for u in chosen],
            )
            for v in values
        ]
        rows.append((_total(view.lang), [_shown_or_blank(view, view.cell(indicator, u, view.last)) for u in chosen]))
        tables.append(Table(caption, [view.name(u) for u in chosen], rows, _notes(view, rows), first_column=""))
    return tables


def _trend(view: View, indicator: str, units: list[str], labels: dict[str, Any]) -> Figure:
    meta = view.indicators[indicator]
    lines, gaps = [], []
    for unit in units:
        series = view.series(indicator, unit)
        by_year = {int(r["period"]): r for r in series.to_dict("records")}
        values, lower, upper = [], [], []
        for year in view.years:
            row = by_year.get(year)
            usable = view.usable(row)
            values.append(float(row["value"]) if usable and row is not None else math.nan)
            lower.append(float(row["lower"]) if usable and row is not None and pd.notna(row["lower"]) else math.nan)
            upper.append(float(row["upper"]) if usable and row is not None and pd.notna(row["upper"]) else math.nan)
            if row is not None and not usable:
                gaps.append(f"{view.name(unit)} {year}")
        lines.append(charts.Line(view.name(unit), view.years, values, lower, upper, emphasis=unit == view.unit))
    title = meta["title"][view.lang]
    caption = labels["trend_chart"].format(title=title, first=view.years[0], last=view.years[-1])
    alt = _trend_alt(view, indicator, caption, lines)
    chart = charts.time_series(lines, axis=meta["unit_of_measure"][view.lang], lang=view.lang, alt=alt)
    notes = [labels["gaps"].format(names=", ".join(gaps))] if gaps else []
    if any(not math.isnan(v) for line in lines for v in line.lower):
        notes.append(labels["band"])
    return Figure(chart, caption, notes)


def _comparison(view: View, indicator: str, labels: dict[str, Any], parent_name: str) -> Figure | None:
    meta = view.indicators[indicator]
    compared = view.compared(indicator)
    if not compared:
        return None
    dots = [charts.Dot(view.name(c.unit), c.value, c.lower, c.upper, c.outside) for c in compared]
    base = compared[0].parent_value
    title = meta["title"][view.lang]
    caption = labels["comparison_chart"].format(title=title, year=view.last, parent=parent_name)
    shown = "; ".join(f"{d.name} {view.number(d.value, indicator)}" for d in dots)
    alt = f"{caption}. {parent_name} {view.number(base, indicator)}; {shown}."
    chart = charts.dot_plot(dots, parent=parent_name, parent_value=base, axis=meta["unit_of_measure"][view.lang],
                            lang=view.lang, alt=alt)  # fmt: skip
    return Figure(chart, caption, [labels["outside"].format(parent=parent_name)])


def _table(view: View, indicator: str, units: list[str], labels: dict[str, Any]) -> Table:
    years = view.years[-TABLE_YEARS:]
    rows = []
    for unit in units:
        rows.append((view.name(unit), [_shown_or_blank(view, view.cell(indicator, unit, y)) for y in years]))
    meta = view.indicators[indicator]
    caption = labels["table"].format(title=meta["title"][view.lang]) + f" ({meta['unit_of_measure'][view.lang]})"
    return Table(caption, [str(y) for y in years], rows, _notes(view, rows))


def _notes(view: View, rows: list[tuple[str, list[Shown]]]) -> list[str]:
    return view.footnotes(s for _, shown in rows for s in shown)


def _trend_alt(view: View, indicator: str, caption: str, lines: list[charts.Line]) -> str:
    """The chart in words: each line's first and last published value."""
    parts = []
    for line in lines:
        points = [(y, v) for y, v in zip(line.years, line.values, strict=True) if not math.isnan(v)]
        if points:
            (y0, v0), (y1, v1) = points[0], points[-1]
            parts.append(f"{line.name}: {view.number(v0, indicator)} ({y0}) – {view.number(v1, indicator)} ({y1})")
    return f"{caption}. " + "; ".join(parts) + "."


def _shown_or_blank(view: View, row: dict[str, Any] | None) -> Shown:
    return Shown("..", "", suppressed=True) if row is None else view.shown(row)


def _total(lang: str) -> str:
    return "Totalt" if lang == "sv" else "Total"
