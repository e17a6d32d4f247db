"""Disclosure control of indicator results: which cells of `socialstat compute`'s output a release may publish.

Each indicator and period is one set of linked tables: the units of every structure computed (districts and
administrations under their municipality, municipalities under the region) × each breakdown (sex, age band,
category, ...), sharing the units' totals. A cell is primary when it rests on 1 to threshold−1 persons, or when
its share's denominator does. For counts, shares and rates (whose numerator is a count of persons or events) the
numerators are protected by secondary suppression (`protect.secondary_suppression`) over every relation that
adds up exactly in the results; cells known from the previous release, with the same numerator, are not relied
on. Ratios (kronor per household, days) and medians are suppressed by their persons only: their numerators are
not counts, and the audit of their sums is not done yet (docs/disclosure.md).
"""

from __future__ import annotations

import pandas as pd

from socialstat.disclosure.protect import known_cells, secondary_suppression
from socialstat.disclosure.rules import DisclosureRules, load_rules
from socialstat.disclosure.table import TOTAL, from_cells

COUNTED = ("count", "wilson", "byars", "exact")  # methods whose numerator is a count of persons or events
KEY = ["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"]


def protect_results(
    results: pd.DataFrame,
    units: pd.DataFrame,
    *,
    rules: DisclosureRules | None = None,
    previous: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """`results` with `disclosure` (published, primary or secondary) and `symbol` (`..` suppressed, `-` zero,
    else empty). `units` gives each unit's parent and level; `previous` is the previous release's cells (with
    `disclosure`, or as a release publishes them: suppressed numerators empty), whose published numerators a
    reader knows."""
    rules = rules or load_rules()
    parents = units.drop_duplicates("unit_code").set_index("unit_code")
    known = _known(previous)
    parts = []
    for (indicator, period), group in results.groupby(["indicator", "period"], sort=True):
        status = _protect(group, parents, rules.threshold, known.get((indicator, period), {}))
        parts.append(group.assign(disclosure=status))
    out = pd.concat(parts).loc[results.index] if parts else results.assign(disclosure=pd.Series(dtype=str))
    zero = out["numerator"].fillna(-1).eq(0) & out["disclosure"].eq("published")
    out["symbol"] = ""
    out.loc[zero, "symbol"] = rules.zero_symbol
    out.loc[out["disclosure"] != "published", "symbol"] = rules.suppressed_symbol
    return out


def _known(previous: pd.DataFrame | None) -> dict[tuple[str, int], dict[tuple[str, ...], float]]:
    found: dict[tuple[str, int], dict[tuple[str, ...], float]] = {}
    if previous is None or previous.empty:
        return found
    if "disclosure" in previous.columns:
        published = previous[previous["disclosure"] == "published"]
    else:  # a release's cells: a suppressed cell's numerator is empty
        published = previous[previous["numerator"].notna()]
    for row in published.itertuples(index=False):
        found.setdefault((row.indicator, int(row.period)), {})[_coordinates_of(row)] = float(row.numerator)
    return found


def _coordinates_of(row: object) -> tuple[str, ...]:
    return (str(row.unit_code), str(row.breakdown), str(row.breakdown_value))  # type: ignore[attr-defined]


def _protect(
    group: pd.DataFrame, parents: pd.DataFrame, threshold: int, known: dict[tuple[str, ...], float]
) -> pd.Series:
    """One indicator and period: the status of each of its rows."""
    persons = group["persons"].fillna(0)
    primary = (persons > 0) & (persons < threshold)
    shares = group["method"].eq("wilson")
    primary |= shares & group["denominator"].fillna(threshold).between(0, threshold, inclusive="neither")
    status = pd.Series("published", index=group.index)
    status[primary] = "primary"
    counted = group[group["method"].isin(COUNTED) & group["numerator"].notna()]
    if counted.empty or not primary[counted.index].any():
        return status
    breakdowns = sorted(b for b in counted["breakdown"].unique() if b != "total")
    cells = pd.DataFrame({"unit": counted["unit_code"].astype(str), "n": counted["numerator"]}, index=counted.index)
    for b in breakdowns:
        cells[b] = counted["breakdown_value"].where(counted["breakdown"] == b, TOTAL).astype(str)
    dims = ["unit", *breakdowns]
    units = sorted(cells["unit"].unique())
    partitions = {"unit": _unit_partitions(units, parents)}
    for b in breakdowns:
        partitions[b] = [(TOTAL, sorted(set(cells.loc[cells[b] != TOTAL, b])))]
    table = from_cells(cells, dims, "n", partitions)
    position = table.positions()
    row_of = {position[tuple(r)]: i for i, r in zip(cells.index, cells[dims].itertuples(index=False), strict=True)}
    first = {p for p, i in row_of.items() if primary[i]}
    released = zip(counted["unit_code"], counted["breakdown"], counted["breakdown_value"], strict=True)
    as_released = [(str(u), str(b), str(v)) for u, b, v in released]
    in_table = {  # the known cells, in the table's coordinates
        coordinates: known[key]
        for key, coordinates in zip(as_released, cells[dims].itertuples(index=False, name=None), strict=True)
        if key in known
    }
    seen = known_cells(table, in_table)
    for p in secondary_suppression(table, first, threshold, known=seen):
        status[row_of[p]] = "secondary"
    return status


def _unit_partitions(units: list[str], parents: pd.DataFrame) -> list[tuple[str, list[str]]]:
    """Each unit present whose children (of one level: districts, or administrations) are present too."""
    present = set(units)
    groups: dict[tuple[str, str], list[str]] = {}
    for unit in units:
        if unit in parents.index:
            parent = parents.at[unit, "parent_code"]
            if isinstance(parent, str) and parent in present:
                groups.setdefault((parent, str(parents.at[unit, "level"])), []).append(unit)
    return [(parent, sorted(children)) for (parent, _), children in sorted(groups.items())]
