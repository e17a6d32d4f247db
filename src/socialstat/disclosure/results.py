"""Disclosure control of indicator results: which cells of `socialstat compute`'s output a release may publish,
and the audit of what a release then lets a reader learn.

A row is primary (its `rule`) when it rests on 1 to threshold−1 persons (`persons`), or, with
`rates_follow_counts`, when the count under its share, rate or ratio does (`denominator`). Every number a
release publishes belongs to a *series* (`series.py`): all the cells of one count definition in one period,
across the indicators and columns that publish it, with the units of every structure (districts and
administrations under their municipality, municipalities under the region) and every breakdown as linked
dimensions. Each series is protected by secondary suppression (`protect.secondary_suppression`) over every
relation that adds up exactly; a row that publishes a cell of a primary row is suppressed with it; cells the
previous release published with the same count are known to a reader and not relied on, and the cells it
suppressed are tried first. Medians add up to nothing and are suppressed by their persons only
(docs/disclosure.md).
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Hashable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from socialstat.disclosure.audit import Attack
from socialstat.disclosure.protect import secondary_suppression
from socialstat.disclosure.rules import DisclosureRules, load_rules
from socialstat.disclosure.series import COLUMNS, Series, components, series_of
from socialstat.indicators.spec import load_catalogue

PRIMARY_RULES = ("persons", "denominator")
HAS_DENOMINATOR = ("wilson", "byars", "exact", "ratio")  # a count or population under the value
KEY = ["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"]
PARALLEL_FROM = 4  # periods from which `in_parallel` uses every CPU by default
AUDIT = [*KEY, "disclosure", "rule", "numerator", "denominator", "lower", "upper", "width", "exposed"]
Job = tuple[pd.DataFrame, pd.DataFrame, DisclosureRules, "_Previous"]  # a period's rows, parents, rules, previous


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
    `disclosure`, or as a release publishes them: suppressed numbers empty), whose counts a reader knows.
    `workers`: processes (see `in_parallel`)."""
    rules = rules or load_rules()
    return _symbols(results, in_parallel(_protect_period, _jobs(results, units, rules, previous), workers), rules)


def protect_and_audit(
    results: pd.DataFrame,
    units: pd.DataFrame,
    *,
    rules: DisclosureRules | None = None,
    previous: pd.DataFrame | None = None,
    workers: int | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """`protect_results` and then `audit_results` on its output, in one pass: each period's series are built
    once and audited in the process that protected them (what `release create` does)."""
    rules = rules or load_rules()
    both = in_parallel(_protect_and_audit_period, _jobs(results, units, rules, previous), workers)
    return _symbols(results, [p for p, _ in both], rules), _audited([a for _, a in both])


def _symbols(results: pd.DataFrame, parts: list[pd.DataFrame], rules: DisclosureRules) -> pd.DataFrame:
    """The protected periods together, in the order of `results`, with their symbols."""
    if not parts:
        return results.assign(disclosure=pd.Series(dtype=str), rule=pd.Series(dtype=str), symbol=pd.Series(dtype=str))
    out = pd.concat(parts).loc[results.index]
    zero = out["numerator"].fillna(-1).eq(0) & out["disclosure"].eq("published")
    out["symbol"] = ""
    out.loc[zero, "symbol"] = rules.zero_symbol
    out.loc[out["disclosure"] != "published", "symbol"] = rules.suppressed_symbol
    return out


def _protect_period(job: Job) -> pd.DataFrame:
    """The rows of one period, protected (a job for `in_parallel`)."""
    group, parents, rules, before = job
    return _protect_series(group, series_of(group, parents), rules, before)


def _protect_and_audit_period(job: Job) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The rows of one period, protected, and the audit of its suppressed rows (a job for `in_parallel`)."""
    group, parents, rules, before = job
    all_series = series_of(group, parents)
    protected = _protect_series(group, all_series, rules, before)
    return protected, _audit_series(protected, all_series, rules.threshold, before)


def _protect_series(
    group: pd.DataFrame, all_series: list[Series], rules: DisclosureRules, before: _Previous
) -> pd.DataFrame:
    """The rows of one period, protected series by series: series that share rows one after the other."""
    rule = _primary_rule(group, rules)
    primary_rows = set(rule.index[rule != ""])
    sensitive = _sensitive(rule)
    where = _where(group)
    suppressed = set(primary_rows)
    for component in components(all_series):
        for s in component:
            first = s.primary(sensitive)
            for p in first:  # every row that publishes a primary cell goes with it
                suppressed |= set(s.rows_at[p])
            if not first:
                continue
            known = before.known(s, where)
            found = secondary_suppression(
                s.table, first, rules.threshold, known=known, before=before.hidden_in(s, where),
                given=s.hidden(suppressed) - first,
            )  # fmt: skip
            for p in found:
                suppressed |= set(s.rows_at[p])
    rule[list(suppressed - primary_rows)] = "secondary"
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
    """Every suppressed row of `protect_results`' output with the interval a reader can still narrow its count
    to (`lower`, `upper`: of its numerator's series, else its denominator's), from every relation that adds up in
    the results and the previous release's published cells, and `exposed`: a primary row that a reader can
    narrow below the threshold in any of its series, or whose count another row publishes. Medians add up to
    nothing: no interval, never exposed by sums."""
    jobs = _jobs(protected, units, rules or load_rules(), previous)
    suppressed = [job for job in jobs if (job[0]["disclosure"] != "published").any()]
    return _audited(in_parallel(_audit_period, suppressed, workers))


def _jobs(cells: pd.DataFrame, units: pd.DataFrame, rules: DisclosureRules, previous: pd.DataFrame | None) -> list[Job]:
    """One job per period: its rows, the units' parents, the rules, and what the previous release says of it."""
    parents = units.drop_duplicates("unit_code").set_index("unit_code")
    before = _previous(previous)
    return [(group, parents, rules, before.part(int(p))) for p, group in cells.groupby("period", sort=True)]


def _audited(found: list[pd.DataFrame]) -> pd.DataFrame:
    if not found:
        return pd.DataFrame(columns=AUDIT)
    out = pd.concat(found)
    out["width"] = out["upper"] - out["lower"]
    return out[AUDIT].reset_index(drop=True)


def _audit_period(job: Job) -> pd.DataFrame:
    """The suppressed rows of one period with their intervals (a job for `in_parallel`)."""
    group, parents, rules, before = job
    return _audit_series(group, series_of(group, parents), rules.threshold, before)


def _audit_series(group: pd.DataFrame, all_series: list[Series], threshold: int, before: _Previous) -> pd.DataFrame:
    """The suppressed rows of one period with the interval of each, series by series."""
    suppressed = set(group.index[group["disclosure"] != "published"])
    primary_rows = group["disclosure"] == "primary"
    sensitive = _sensitive(group["rule"].where(primary_rows, ""))
    where = _where(group)
    interval: dict[tuple[Hashable, str], tuple[float, float]] = {}
    exposed: set[Hashable] = set()
    for s in all_series:
        hidden, known, primary = s.hidden(suppressed), before.known(s, where), s.primary(sensitive)
        attack = Attack(s.table, hidden - known)
        for p in hidden | primary:
            count = s.table.counts[p]
            low, high = attack.interval(p) if p in hidden and p not in known else (count, count)
            for row in s.rows_at[p]:
                interval[(row, s.column[row])] = (low, high)
                if p in primary and high - low < threshold and sensitive.get(row) == s.column[row]:
                    exposed.add(row)
    rows = group.loc[sorted(suppressed, key=group.index.get_loc)]
    order = {r: [sensitive[r]] if r in sensitive else list(COLUMNS) for r in rows.index}  # the sensitive one first
    chosen = [next((interval[(r, c)] for c in order[r] if (r, c) in interval), (np.nan, np.nan)) for r in rows.index]
    return rows.assign(
        lower=[c[0] for c in chosen], upper=[c[1] for c in chosen], exposed=[r in exposed for r in rows.index]
    )


def in_parallel(func: Callable[[Any], Any], jobs: list[Any], workers: int | None) -> list[Any]:
    """`func` over `jobs` in order, in `workers` processes (default: one per CPU when there are several periods;
    the periods are independent, so the result is the same either way). Processes are started fresh (`spawn`),
    never forked from one that holds a database connection; a script needs `if __name__ == "__main__":`."""
    if workers is None:
        workers = (os.cpu_count() or 1) if len(jobs) >= PARALLEL_FROM else 1
    if workers <= 1 or len(jobs) <= 1:
        return [func(job) for job in jobs]
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(min(workers, len(jobs)), mp_context=context) as pool:
        return list(pool.map(func, jobs))


def _primary_rule(group: pd.DataFrame, rules: DisclosureRules) -> pd.Series:
    """Why each row is primary (`persons`, `denominator`) or empty; never for indicators whose catalogue entry
    says `disclosure: none` (costs: kronor per inhabitant are about no persons)."""
    threshold = rules.threshold
    rule = pd.Series("", index=group.index, dtype=object)
    if rules.rates_follow_counts:
        small = group["method"].isin(HAS_DENOMINATOR) & group["denominator"].fillna(threshold).between(
            0, threshold, inclusive="neither"
        )
        rule[small] = "denominator"
    persons = group["persons"].fillna(0)
    rule[(persons > 0) & (persons < threshold)] = "persons"
    catalogue = load_catalogue()
    public = group["indicator"].map(lambda i: i in catalogue and catalogue[i].disclosure == "none")
    rule[public.astype(bool)] = ""  # the catalogue says these are about no persons (costs)
    return rule


def _sensitive(rule: pd.Series) -> dict[Hashable, str]:
    """Which count of each primary row is the small one: its numerator (rule `persons`: the persons behind it)
    or its denominator (rule `denominator`). Only that count must stay uncertain; the other one may be large and
    published elsewhere (BU03C's denominator is all the referrals of the unit)."""
    return {r: "numerator" if v == "persons" else "denominator" for r, v in rule.items() if v in PRIMARY_RULES}


@dataclass(frozen=True)
class _Previous:
    """What the previous release tells a reader, by period: the counts it published (by indicator, unit,
    breakdown, column) and the cells it suppressed (by indicator, unit, breakdown)."""

    counts: dict[int, dict[tuple[str, ...], float]] = field(default_factory=dict)
    hidden: dict[int, set[tuple[str, ...]]] = field(default_factory=dict)

    def part(self, period: int) -> _Previous:
        """Only one period (all a job needs)."""
        return _Previous({period: self.counts.get(period, {})}, {period: self.hidden.get(period, set())})

    def known(self, s: Series, where: dict[Hashable, tuple[str, ...]]) -> set[int]:
        """The cells of `s` a reader knows: published before by some row, with the count they have now.
        `where` gives each row's indicator, structure, unit and breakdown (`_where`)."""
        counts = self.counts.get(s.key[0], {})
        if not counts:
            return set()
        return {
            p
            for p, rows in s.rows_at.items()
            if any(counts.get((*where[r], s.column[r])) == s.table.counts[p] for r in rows)
        }

    def hidden_in(self, s: Series, where: dict[Hashable, tuple[str, ...]]) -> set[int]:
        """The cells of `s` some row of which the previous release suppressed."""
        hidden = self.hidden.get(s.key[0], set())
        if not hidden:
            return set()
        return {p for p, rows in s.rows_at.items() if any(where[r] in hidden for r in rows)}


WHERE = ["indicator", "structure", "unit_code", "breakdown", "breakdown_value"]


def _where(group: pd.DataFrame) -> dict[Hashable, tuple[str, ...]]:
    """Each row's place, as the previous release's cells are keyed."""
    return dict(zip(group.index, group[WHERE].astype(str).itertuples(index=False, name=None), strict=True))


def _previous(previous: pd.DataFrame | None) -> _Previous:
    found = _Previous()
    if previous is None or previous.empty:
        return found
    if "disclosure" in previous.columns:
        suppressed = previous["disclosure"] != "published"
    else:  # a release's cells: a suppressed cell's numbers are empty
        suppressed = previous["symbol"].ne("") & previous["numerator"].isna()
    keys = previous[WHERE].astype(str)
    for where, period, hidden, numerator, denominator in zip(
        keys.itertuples(index=False, name=None), previous["period"].astype(int), suppressed,
        previous["numerator"], previous["denominator"], strict=True,
    ):  # fmt: skip
        if hidden:
            found.hidden.setdefault(period, set()).add(where)
            continue
        for column, value in zip(COLUMNS, (numerator, denominator), strict=True):
            if not pd.isna(value):
                found.counts.setdefault(period, {})[(*where, column)] = float(value)
    return found
