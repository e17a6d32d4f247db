"""The counts a release publishes, as the reader's linear tables: one *series* per thing counted.

Indicators often publish the same count: BU01, BU04 and BU06 all count the referrals of a unit and year (by
kind, by reporter, by decision), BU03 publishes the same referrals as its numerator (by sex and age), and a
share's denominator (investigations) can be another indicator's numerator. A reader combines them, so the
unit of protection is not the indicator but the series: every published number of one count definition (the
catalogue's `Count` and period rule) in one period, from whichever indicator and column (numerator or
denominator) it comes. Cells of different indicators at the same coordinates (unit, breakdown value) are one
cell of the series; each indicator's breakdown is a dimension, and a relation holds wherever the cells add up
exactly (`table.from_cells`).

A result row is in at most two series: its numerator's (for every statistic but medians) and its
denominator's when that is another count (not the population, which is public, nor a constant). A series
cell is hidden only when every row that publishes it is suppressed. Indicators outside the catalogue (tests)
get a series of their own: the numerator's, and the denominator's for shares and ratios.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from socialstat.disclosure.table import TOTAL, LinearTable, from_cells
from socialstat.indicators.spec import Indicator, load_catalogue

COLUMNS = ("numerator", "denominator")


@dataclass(frozen=True)
class Series:
    """One series in one period: its linear table and which result rows publish each cell."""

    key: tuple[Any, ...]
    table: LinearTable
    rows_at: dict[int, list[Hashable]]  # cell position → the result rows that publish it
    column: dict[Hashable, str]  # result row → the column (numerator or denominator) it publishes here
    position_of: dict[Hashable, int] = field(default_factory=dict)  # result row → its cell

    def primary(self, sensitive: dict[Hashable, str]) -> set[int]:
        """Cells that a row publishes as its sensitive column (`sensitive`: row → numerator or denominator)."""
        return {p for p, rows in self.rows_at.items() if any(sensitive.get(r) == self.column[r] for r in rows)}

    def hidden(self, suppressed_rows: set[Hashable]) -> set[int]:
        """Cells every row of which is suppressed."""
        return {p for p, rows in self.rows_at.items() if suppressed_rows.issuperset(rows)}

    def cells_of(self, rows: Iterable[Hashable]) -> set[int]:
        """The cells of these rows that are in this series."""
        return {self.position_of[r] for r in rows if r in self.position_of}


def series_of(group: pd.DataFrame, parents: pd.DataFrame) -> list[Series]:
    """The series of the result rows of one period (any indicators), in a deterministic order."""
    catalogue = load_catalogue()
    period = int(group["period"].iloc[0])
    place = dict(  # row → (indicator, unit, breakdown, breakdown value, numerator, denominator)
        zip(
            group.index,
            zip(
                group["indicator"].astype(str), group["unit_code"].astype(str), group["breakdown"].astype(str),
                group["breakdown_value"].astype(str), group["numerator"].astype(float),
                group["denominator"].astype(float), strict=True,
            ),
            strict=True,
        )
    )  # fmt: skip
    members: dict[tuple[Any, ...], list[tuple[Hashable, str]]] = {}
    for indicator, rows in group.groupby("indicator", sort=True):
        for key, column in _keys(str(indicator), rows["method"].iloc[0], catalogue.get(str(indicator))):
            values = rows[column]
            members.setdefault((period, *key), []).extend((i, column) for i in rows.index[values.notna()])
    found = []
    for key, rows in members.items():
        if rows:
            found += _build(key, place, rows, parents)
    return sorted(found, key=lambda s: s.key)


def _keys(indicator: str, method: str, ind: Indicator | None) -> list[tuple[tuple[Any, ...], str]]:
    """The series keys of an indicator's numerator and denominator (a readable, sortable key first)."""
    if ind is None:
        keys = [((indicator, "numerator"), "numerator")] if method != "median" else []
        if method in ("wilson", "ratio"):
            keys.append(((indicator, "denominator"), "denominator"))
        return keys
    keys = []
    if ind.statistic != "median":
        keys.append(((repr(ind.numerator), repr(ind.period)), "numerator"))
    if ind.denominator_count is not None:
        keys.append(((repr(ind.denominator_count), repr(ind.period)), "denominator"))
    return keys


def _build(
    key: tuple[Any, ...],
    place: dict[Hashable, tuple[Any, ...]],
    members: list[tuple[Hashable, str]],
    parents: pd.DataFrame,
) -> list[Series]:
    """The series of `members`; indicators whose counts disagree with the others at a shared cell (which the
    engine should never give) are split off into series of their own rather than merged wrongly."""
    breakdowns = sorted({place[r][2] for r, _ in members} - {"total"})
    coordinates: dict[Hashable, tuple[str, ...]] = {}
    value: dict[tuple[str, ...], set[float]] = {}
    for r, column in members:
        _, unit, breakdown, breakdown_value, numerator, denominator = place[r]
        at = (unit, *(breakdown_value if b == breakdown else TOTAL for b in breakdowns))
        coordinates[r] = at
        value.setdefault(at, set()).add(denominator if column == "denominator" else numerator)
    indicators = sorted({place[r][0] for r, _ in members})
    if len(indicators) > 1 and any(len(v) > 1 for v in value.values()):
        return [
            s
            for indicator in indicators
            for s in _build((*key, indicator), place, [(r, c) for r, c in members if place[r][0] == indicator], parents)
        ]
    dims = ["unit", *breakdowns]
    unique = pd.DataFrame([(*at, next(iter(v))) for at, v in value.items()], columns=[*dims, "n"])
    partitions = {"unit": unit_partitions(sorted(set(unique["unit"])), parents)}
    for j, b in enumerate(breakdowns, start=1):
        partitions[b] = [(TOTAL, sorted({at[j] for at in value} - {TOTAL}))]
    table = from_cells(unique, dims, "n", partitions)
    position = table.positions()
    position_of = {r: position[at] for r, at in coordinates.items()}
    rows_at: dict[int, list[Hashable]] = {}
    for r, p in position_of.items():
        rows_at.setdefault(p, []).append(r)
    return [Series(key, table, rows_at, dict(members), position_of)]


def unit_partitions(units: list[str], parents: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Each unit present whose children (of one level: districts, or administrations) are present too."""
    present = set(units)
    groups: dict[tuple[str, str], list[str]] = {}
    for unit in units:
        if unit in parents.index:
            parent = parents.at[unit, "parent_code"]
            if isinstance(parent, str) and parent in present:
                groups.setdefault((parent, str(parents.at[unit, "level"])), []).append(unit)
    return [(parent, sorted(children)) for (parent, _), children in sorted(groups.items())]


def components(all_series: list[Series]) -> list[list[Series]]:
    """Series joined by result rows they share (a share's numerator and denominator), in order: each group is
    protected in one job, its series one after another."""
    index = {id(s): k for k, s in enumerate(all_series)}
    root = list(range(len(all_series)))

    def find(k: int) -> int:
        while root[k] != k:
            root[k] = root[root[k]]
            k = root[k]
        return k

    first_series: dict[Hashable, int] = {}
    for s in all_series:
        for row in s.position_of:
            if row in first_series:
                root[find(index[id(s)])] = find(first_series[row])
            else:
                first_series[row] = index[id(s)]
    groups: dict[int, list[Series]] = {}
    for k, s in enumerate(all_series):
        groups.setdefault(find(k), []).append(s)
    return [groups[k] for k in sorted(groups)]
