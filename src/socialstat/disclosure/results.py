"""Disclosure control of indicator results: which cells of `socialstat compute`'s output a release may publish,
and the audit of what a release then lets a reader learn.

Each indicator and period is one set of linked tables: the units of every structure computed (districts and
administrations under their municipality, municipalities under the region) × each breakdown (sex, age band,
category, ...), sharing the units' totals. A cell is primary (its `rule`) when it rests on 1 to threshold−1
persons (`persons`), or, with `rates_follow_counts`, when the count under a share, rate or ratio does
(`denominator`). The counted quantity of each cell — the numerator of counts, shares and rates (persons or
events), the denominator of ratios (households behind kronor per household) — is protected by secondary
suppression (`protect.secondary_suppression`) over every relation that adds up exactly in the results; cells
the previous release published with the same count are known to a reader and not relied on. Medians add up to
nothing and are suppressed by their persons only (docs/disclosure.md).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from socialstat.disclosure.audit import Attack
from socialstat.disclosure.protect import known_cells, secondary_suppression
from socialstat.disclosure.rules import DisclosureRules, load_rules
from socialstat.disclosure.table import TOTAL, LinearTable, from_cells

COUNTED = ("count", "wilson", "byars", "exact")  # methods whose numerator is a count of persons or events
BY_DENOMINATOR = ("ratio",)  # methods whose denominator is the count (kronor or days per household or person)
HAS_DENOMINATOR = ("wilson", "byars", "exact", "ratio")  # a count or population under the value
KEY = ["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"]
PARALLEL_FROM = 100  # jobs (indicator × period) from which `in_parallel` uses every CPU by default
AUDIT = [*KEY, "disclosure", "rule", "lower", "upper", "width", "exposed"]


def protect_results(
    results: pd.DataFrame,
    units: pd.DataFrame,
    *,
    rules: DisclosureRules | None = None,
    previous: pd.DataFrame | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """`results` with `disclosure` (published, primary or secondary), `rule` (why a cell is suppressed:
    `persons`, `denominator` or `secondary`; empty when published) and `symbol` (`..` suppressed, `-` zero, else
    empty). `units` gives each unit's parent and level; `previous` is the previous release's cells (with
    `disclosure`, or as a release publishes them: suppressed numbers empty), whose counts a reader knows."""
    rules = rules or load_rules()
    parents = units.drop_duplicates("unit_code").set_index("unit_code")
    before = _previous(previous)
    jobs = [(g, parents, rules, before.part(k)) for k, g in results.groupby(["indicator", "period"], sort=True)]
    parts = in_parallel(_protect_group, jobs, workers)
    if not parts:
        return results.assign(disclosure=pd.Series(dtype=str), rule=pd.Series(dtype=str), symbol=pd.Series(dtype=str))
    out = pd.concat(parts).loc[results.index]
    zero = out["numerator"].fillna(-1).eq(0) & out["disclosure"].eq("published")
    out["symbol"] = ""
    out.loc[zero, "symbol"] = rules.zero_symbol
    out.loc[out["disclosure"] != "published", "symbol"] = rules.suppressed_symbol
    return out


def _protect_group(job: tuple[pd.DataFrame, pd.DataFrame, DisclosureRules, _Previous]) -> pd.DataFrame:
    """One indicator and period, protected (a job for `in_parallel`)."""
    group, parents, rules, before = job
    rule = _primary_rule(group, rules)
    built = _reader_table(group, parents, before)
    if built is not None:
        first = {p for p, i in built.row_of.items() if rule[i]}
        if first:
            protection = secondary_suppression(
                built.table, first, rules.threshold, known=built.known, before=built.hidden_before
            )
            for p in protection:
                rule[built.row_of[p]] = "secondary"
    status = rule.map(lambda r: "published" if not r else "secondary" if r == "secondary" else "primary")
    return group.assign(disclosure=status, rule=rule)


def audit_results(
    protected: pd.DataFrame,
    units: pd.DataFrame,
    *,
    rules: DisclosureRules | None = None,
    previous: pd.DataFrame | None = None,
    workers: int | None = None,
) -> pd.DataFrame:
    """Every suppressed cell of `protect_results`' output with the interval a reader can still narrow its count
    to (`lower`, `upper`), from every relation that adds up in the results and the previous release's published
    cells, and `exposed`: a primary cell narrower than the threshold. Cells whose count adds up to nothing
    (medians) have no interval and are never exposed by sums."""
    rules = rules or load_rules()
    parents = units.drop_duplicates("unit_code").set_index("unit_code")
    before = _previous(previous)
    suppressed = protected["disclosure"] != "published"
    jobs = [
        (group, parents, before.part(key))
        for key, group in protected.groupby(["indicator", "period"], sort=True)
        if suppressed[group.index].any()
    ]
    found = in_parallel(_audit_group, jobs, workers)
    if not found:
        return pd.DataFrame(columns=AUDIT)
    out = pd.concat(found)
    out["width"] = out["upper"] - out["lower"]
    out["exposed"] = out["disclosure"].eq("primary") & out["width"].lt(rules.threshold)
    return out[AUDIT].reset_index(drop=True)


def _audit_group(job: tuple[pd.DataFrame, pd.DataFrame, _Previous]) -> pd.DataFrame:
    """The suppressed cells of one indicator and period with their intervals (a job for `in_parallel`)."""
    group, parents, before = job
    hidden_rows = group.index[group["disclosure"] != "published"]
    lower = pd.Series(np.nan, index=hidden_rows)
    upper = lower.copy()
    built = _reader_table(group, parents, before)
    if built is not None:
        position = {i: p for p, i in built.row_of.items()}
        hidden = {position[i] for i in hidden_rows if i in position}
        attack = Attack(built.table, hidden - built.known)
        for p in hidden:
            low, high = (built.table.counts[p],) * 2 if p in built.known else attack.interval(p)
            lower[built.row_of[p]], upper[built.row_of[p]] = low, high
    return group.loc[hidden_rows].assign(lower=lower, upper=upper)


def in_parallel(func: Callable[[Any], pd.DataFrame], jobs: list[Any], workers: int | None) -> list[pd.DataFrame]:
    """`func` over `jobs` in order, in `workers` processes (default: one per CPU when there are many jobs; the
    tables of each indicator and period are independent, so the result is the same either way)."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(jobs) >= PARALLEL_FROM else 1
    if workers <= 1 or len(jobs) <= 1:
        return [func(job) for job in jobs]
    context = multiprocessing.get_context("spawn")  # never fork a process that holds a database connection
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(func, jobs, chunksize=max(1, len(jobs) // (workers * 8))))


def counted(cells: pd.DataFrame) -> pd.Series:
    """The count each cell's disclosure rests on: the numerator of counts, shares and rates, the denominator of
    ratios; missing where nothing adds up (medians)."""
    by_numerator = cells["method"].isin(COUNTED)
    by_denominator = cells["method"].isin(BY_DENOMINATOR)
    return cells["numerator"].where(by_numerator, cells["denominator"].where(by_denominator)).astype(float)


def _primary_rule(group: pd.DataFrame, rules: DisclosureRules) -> pd.Series:
    """Why each row is primary (`persons`, `denominator`) or empty."""
    threshold = rules.threshold
    rule = pd.Series("", index=group.index, dtype=object)
    if rules.rates_follow_counts:
        small = group["method"].isin(HAS_DENOMINATOR) & group["denominator"].fillna(threshold).between(
            0, threshold, inclusive="neither"
        )
        rule[small] = "denominator"
    persons = group["persons"].fillna(0)
    rule[(persons > 0) & (persons < threshold)] = "persons"
    return rule


@dataclass(frozen=True)
class _ReaderTable:
    """One indicator and period as the reader's linear table of counted quantities."""

    table: LinearTable
    row_of: dict[int, Any]  # table position → row label of the results
    known: set[int]  # positions a reader knows from the previous release
    hidden_before: set[int]  # positions the previous release suppressed


def _reader_table(group: pd.DataFrame, parents: pd.DataFrame, previous: _Previous) -> _ReaderTable | None:
    values = counted(group)
    rows = group[values.notna()]
    if rows.empty:
        return None
    breakdowns = sorted(b for b in rows["breakdown"].unique() if b != "total")
    cells = pd.DataFrame({"unit": rows["unit_code"].astype(str), "n": values[rows.index]}, index=rows.index)
    for b in breakdowns:
        cells[b] = rows["breakdown_value"].where(rows["breakdown"] == b, TOTAL).astype(str)
    dims = ["unit", *breakdowns]
    partitions = {"unit": _unit_partitions(sorted(cells["unit"].unique()), parents)}
    for b in breakdowns:
        partitions[b] = [(TOTAL, sorted(set(cells.loc[cells[b] != TOTAL, b])))]
    table = from_cells(cells, dims, "n", partitions)
    position = table.positions()
    coordinates = list(cells[dims].itertuples(index=False, name=None))
    row_of = {position[c]: i for i, c in zip(cells.index, coordinates, strict=True)}
    released = zip(rows["unit_code"], rows["breakdown"], rows["breakdown_value"], strict=True)
    as_released = [((str(u), str(b), str(v)), c) for (u, b, v), c in zip(released, coordinates, strict=True)]
    key = (group["indicator"].iloc[0], int(group["period"].iloc[0]))
    counts, hidden = previous.counts.get(key, {}), previous.hidden.get(key, set())
    known = known_cells(table, {c: counts[r] for r, c in as_released if r in counts})  # in the table's coordinates
    return _ReaderTable(table, row_of, known, {position[c] for r, c in as_released if r in hidden})


@dataclass(frozen=True)
class _Previous:
    """What the previous release tells a reader, by indicator and period, then unit and breakdown: the counts
    it published, and the cells it suppressed."""

    counts: dict[tuple[str, int], dict[tuple[str, ...], float]]
    hidden: dict[tuple[str, int], set[tuple[str, ...]]]

    def part(self, key: Any) -> _Previous:
        """Only what concerns one indicator and period (all a job needs)."""
        return _Previous({key: self.counts.get(key, {})}, {key: self.hidden.get(key, set())})


def _previous(previous: pd.DataFrame | None) -> _Previous:
    found = _Previous({}, {})
    if previous is None or previous.empty:
        return found
    if "disclosure" in previous.columns:
        suppressed = previous["disclosure"] != "published"
    else:  # a release's cells: a suppressed cell's numbers are empty
        suppressed = previous["symbol"].ne("") & previous["numerator"].isna()
    values = counted(previous)
    for row, hidden, value in zip(previous.itertuples(index=False), suppressed, values, strict=True):
        key = (row.indicator, int(row.period))
        coordinates = (str(row.unit_code), str(row.breakdown), str(row.breakdown_value))
        if hidden:
            found.hidden.setdefault(key, set()).add(coordinates)
        elif not pd.isna(value):
            found.counts.setdefault(key, {})[coordinates] = float(value)
    return found


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
