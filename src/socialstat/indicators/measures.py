"""The library of measures: tested, reusable Ibis building blocks that a catalogue definition names.

Each measure takes the counted rows of one year (already expanded per year, mapped to units and given a
breakdown value) and returns one row per (unit_code, year, breakdown_value) with `value` and `persons` (the
distinct persons or keys behind the value, for disclosure control). A definition picks one by name:

- `count`: distinct values of the `count` column (persons, households, referrals), or rows;
- `sum`: the sum of the `value` columns over the rows (amounts paid);
- `sum_per_key`: per distinct key, the largest sum of the `value` columns over its rows, summed (persons in
  assistance households: adults + children of each household);
- `keys_with_rows`: distinct keys with at least `min_rows` rows in the year (long-term assistance: 10 months);
- `days_in_year`: the days each row runs within the year, summed (care days);
- `new_keys` / `returning_keys`: keys whose first row of the year had no earlier row within `lookback`
  before it (new households, new placements), or had one (re-referrals);
- `top_keys_rows`: the rows of the `top` share of keys with the most rows (rounded up to whole keys; ties
  broken by key, so the result is deterministic): the referrals of the 1 % most-referred children;
- `median_days`: the median number of days between two dates of the rows (investigation times).
"""

from __future__ import annotations

import ibis

from socialstat.indicators.spec import Count, Period
from socialstat.model import load_model

GROUP = ["unit_code", "year", "breakdown_value"]


def _persons(rel: ibis.Table, count: Count) -> ibis.Value:
    """Distinct persons behind a value: the table's first personal key (person, else household)."""
    personal = load_model().table(count.table).personal_columns
    return rel[personal[0]].nunique() if personal else rel.count()


def rows(rel: ibis.Table) -> ibis.Value:
    """The number of counted rows: a relation reduced to one row per key and group carries each row's weight
    in `n_rows` (engine._reduced); otherwise every row is one."""
    return rel.n_rows.sum() if "n_rows" in rel.columns else rel.count()


def _value_sum(rel: ibis.Table, columns: tuple[str, ...]) -> ibis.Value:
    total = rel[columns[0]].cast("float64").fill_null(0)
    for column in columns[1:]:
        total = total + rel[column].cast("float64").fill_null(0)
    return total


def _days_in_year(rel: ibis.Table, period: Period) -> ibis.Value:
    first, last = ibis.date(rel.year, 1, 1), ibis.date(rel.year, 12, 31)
    start = ibis.greatest(rel[period.column], first)
    end = ibis.least(rel[period.end_column].fill_null(last), last) if period.end_column else last
    return (end.delta(start, unit="day") + 1).cast("int64")


def same_rows(numerator: Count, denominator: Count | None) -> bool:
    """Whether `denominator` counts the numerator's own rows (same table, parent, filters, age and time limit)
    in a way `aggregate` can give alongside the numerator, so both come from one pass over the rows."""
    if denominator is None or denominator.measure != "count":
        return False
    n, d = numerator, denominator
    if (n.table, n.via, n.filters, n.age, n.within) != (d.table, d.via, d.filters, d.age, d.within):
        return False
    if n.measure in ("count", "sum", "days_in_year"):
        return True
    if n.measure in ("new_keys", "returning_keys"):
        return d.count == n.count
    return d.count in (n.count, "rows")


def aggregate(
    rel: ibis.Table, count: Count, period: Period, *, persons: bool = True, denominator: Count | None = None
) -> ibis.Table:
    """Apply `count.measure` to the year's rows `rel` (marked by `mark_earlier` for new/returning keys).

    Returns `value` and `persons` per group; `persons=False` gives 0 instead (a denominator needs no persons,
    and counting distinct persons is the costly part). With a `denominator` that counts the same rows
    (`same_rows`), its count comes out of the same pass as column `denominator`.
    """
    measure = count.measure
    metrics: dict[str, ibis.Value]
    if measure in ("count", "sum", "days_in_year"):  # straight from the rows
        if measure == "count":
            value = rows(rel) if count.count == "rows" else rel[count.count].nunique()
        elif measure == "sum":
            value = _value_sum(rel, count.value).sum()
        else:
            value = _days_in_year(rel, period).sum()
        metrics = {"value": value.cast("float64")}
        if persons:
            metrics["persons"] = _persons(rel, count)
        if denominator is not None:
            metrics["denominator"] = rows(rel) if denominator.count == "rows" else rel[denominator.count].nunique()
        return _with_persons(rel.group_by(GROUP).aggregate(**metrics))
    if measure == "median_days":
        assert count.days is not None
        days = rel[count.days[1]].delta(rel[count.days[0]], unit="day")
        metrics = {"value": days.median().cast("float64"), "persons": _persons(rel, count)}
        return rel.group_by(GROUP).aggregate(**metrics)
    key = count.count
    if measure in ("new_keys", "returning_keys"):  # the rows are keys, marked by mark_earlier
        if "earlier" not in rel.columns:
            raise AssertionError("new_keys / returning_keys need the keys marked by mark_earlier")
        chosen = ~rel.earlier if measure == "new_keys" else rel.earlier
        metrics = {"value": rel[key].nunique(where=chosen).cast("float64"), "persons": rel[key].nunique(where=chosen)}
        if denominator is not None:
            metrics["denominator"] = rel[key].nunique()
        return rel.group_by(GROUP).aggregate(**metrics)
    per_key = rel.group_by([*GROUP, key]).aggregate(
        size=_value_sum(rel, count.value).max() if count.value else rows(rel),
        rows=rows(rel),
    )
    if measure == "top_keys_rows":  # rank keys by their rows: the top share's rows
        assert count.top is not None
        rank = ibis.row_number().over(group_by=GROUP, order_by=[ibis.desc(per_key.rows), per_key[key]])
        ranked = per_key.mutate(rank=rank, keys=per_key[key].count().over(group_by=GROUP))
        per_key = ranked.mutate(chosen=ranked["rank"] < (ranked["keys"] * count.top).ceil())
        metrics = {"value": per_key.rows.sum(where=per_key.chosen)}
    elif measure == "keys_with_rows":
        per_key = per_key.mutate(chosen=per_key.rows >= (count.min_rows or 1))
        metrics = {"value": per_key[key].nunique(where=per_key.chosen)}
    elif measure == "sum_per_key":
        per_key = per_key.mutate(chosen=ibis.literal(True))
        metrics = {"value": per_key.size.sum()}
    else:
        raise AssertionError(f"unknown measure {measure!r}")  # spec.py rejects unknown measures
    metrics["value"] = metrics["value"].cast("float64")
    metrics["persons"] = per_key[key].nunique(where=per_key.chosen)
    if denominator is not None:
        metrics["denominator"] = per_key.rows.sum() if denominator.count == "rows" else per_key[key].nunique()
    return per_key.group_by(GROUP).aggregate(**metrics)


def _with_persons(agg: ibis.Table) -> ibis.Table:
    return agg if "persons" in agg.columns else agg.mutate(persons=ibis.literal(0))


def earlier_hits(firsts: list[ibis.Table], history: ibis.Table, count: Count, period: Period) -> ibis.Table:
    """The distinct (p_key, p_date) among `firsts` (tables of `count.count` and `first`) whose key had a row
    in `history` starting before p_date and still running (or dated) within `count.lookback` before it."""
    assert count.lookback is not None
    key, date = count.count, period.column
    amount, unit = count.lookback
    back = ibis.interval(months=amount) if unit == "months" else ibis.interval(years=amount)
    pairs = ibis.union(*[f.select(p_key=f[key], p_date=f.first) for f in firsts], distinct=True)
    h = history.select(h_key=history[key], h_start=history[date], h_end=_history_end(history, period))
    hits = pairs.join(h, (pairs.p_key == h.h_key) & (h.h_start < pairs.p_date) & (h.h_end >= pairs.p_date - back))
    return hits.select("p_key", "p_date").distinct()


def mark_earlier(firsts: ibis.Table, hits: ibis.Table, count: Count) -> ibis.Table:
    """`firsts` (one row per key and group, with its `first` date) with `earlier`: whether it is among `hits`."""
    found = hits.mutate(earlier=ibis.literal(True))
    marked = firsts.left_join(found, (firsts[count.count] == found.p_key) & (firsts.first == found.p_date))
    return marked.drop("p_key", "p_date").mutate(earlier=marked.earlier.fill_null(False))


def _history_end(history: ibis.Table, period: Period) -> ibis.Value:
    """When an earlier row counts as 'then': its end (still running counts as now), else its own date."""
    if period.end_column:
        return history[period.end_column].fill_null(ibis.date(9999, 12, 31))
    return history[period.column]
