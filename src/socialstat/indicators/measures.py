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
  broken by key, so the result is deterministic): the referrals of the 1 % most-referred children.
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


def aggregate(rel: ibis.Table, count: Count, period: Period, history: ibis.Table | None = None) -> ibis.Table:
    """Apply `count.measure` to the year's rows `rel`; `history` is every counted row (for new/returning)."""
    measure = count.measure
    if measure == "count":
        value = rel.count() if count.count == "rows" else rel[count.count].nunique()
        return rel.group_by(GROUP).aggregate(value=value.cast("float64"), persons=_persons(rel, count))
    if measure == "sum":
        return rel.group_by(GROUP).aggregate(value=_value_sum(rel, count.value).sum(), persons=_persons(rel, count))
    if measure == "days_in_year":
        days = _days_in_year(rel, period)
        return rel.group_by(GROUP).aggregate(value=days.sum().cast("float64"), persons=_persons(rel, count))
    key = count.count
    per_key = rel.group_by([*GROUP, key]).aggregate(
        size=_value_sum(rel, count.value).max() if count.value else rel.count(),
        rows=rel.count(),
        first=rel[period.column].min(),
    )
    if measure == "sum_per_key":
        return per_key.group_by(GROUP).aggregate(value=per_key.size.sum(), persons=per_key[key].nunique())
    if measure == "keys_with_rows":
        kept = per_key.filter(per_key.rows >= (count.min_rows or 1))
        return kept.group_by(GROUP).aggregate(value=kept[key].nunique().cast("float64"), persons=kept[key].nunique())
    if measure == "top_keys_rows":
        assert count.top is not None
        rank = ibis.row_number().over(group_by=GROUP, order_by=[ibis.desc(per_key.rows), per_key[key]])
        keys = per_key[key].count().over(group_by=GROUP)
        ranked = per_key.mutate(rank=rank, keys=keys)
        top = ranked.filter(ranked["rank"] < (ranked["keys"] * count.top).ceil())
        return top.group_by(GROUP).aggregate(value=top.rows.sum().cast("float64"), persons=top[key].nunique())
    if measure in ("new_keys", "returning_keys"):
        assert history is not None
        assert count.lookback is not None
        amount, unit = count.lookback
        back = ibis.interval(months=amount) if unit == "months" else ibis.interval(years=amount)
        h = history.select(h_key=history[key], h_start=history[period.column], h_end=_history_end(history, period))
        earlier = per_key.join(
            h, (per_key[key] == h.h_key) & (h.h_start < per_key.first) & (h.h_end >= per_key.first - back)
        )
        had = earlier.select(*GROUP, key).distinct()
        chosen = (
            per_key.anti_join(had, [*GROUP, key]) if measure == "new_keys" else per_key.semi_join(had, [*GROUP, key])
        )
        return chosen.group_by(GROUP).aggregate(
            value=chosen[key].nunique().cast("float64"), persons=chosen[key].nunique()
        )
    raise AssertionError(f"unknown measure {measure!r}")  # spec.py rejects unknown measures


def _history_end(history: ibis.Table, period: Period) -> ibis.Value:
    """When an earlier row counts as 'then': its end (still running counts as now), else its own date."""
    if period.end_column:
        return history[period.end_column].fill_null(ibis.date(9999, 12, 31))
    return history[period.column]
