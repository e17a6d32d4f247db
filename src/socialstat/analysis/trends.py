"""Trends in a release: each series' change from the previous year and its trend over the last years, with a
verdict that never calls noise a change.

A series is one indicator, structure, unit and breakdown value, read from the release's published cells only.
The test suits the statistic (the cell's `method`):

| method | change from the previous year | trend over the years |
|---|---|---|
| `wilson` (a share) | difference of proportions (Newcombe), in percentage points | Cochran–Armitage slope |
| `byars`, `exact` (a rate) | rate ratio, exact conditional interval | log-linear Poisson: yearly rate ratio |
| `count` | ratio of the counts (a rate ratio over equal time), exact | log-linear Poisson over equal time |
| `ratio`, `median` | the change in value, without a test | none |

The verdict is `increasing` or `decreasing` only when the interval excludes no change (0 for a difference, 1 for a
ratio), else `no significant change`; `not tested` where there is no test. A year whose cell is suppressed (`..`),
missing or incomplete (the data do not cover it) is never used: a change needs both years published, a trend at
least `TREND_YEARS` published years in a row ending with the last. A series whose cells are approximate (units
estimated from areas that do not match them) is marked `approximate`. A definition change (the catalogue's
`revisions`) breaks a series: a trend uses only the years from the change on, and a change from the previous year
across it is marked `broken` with the verdict `not comparable`.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from socialstat.stats import difference_of_proportions, proportion_trend, rate_ratio, rate_trend

KEY = ["indicator", "structure", "unit_code", "breakdown", "breakdown_value"]
TREND_YEARS = 5
SHARES = ("wilson",)
RATES = ("byars", "exact")
COUNTS = ("count",)


@dataclass(frozen=True)
class Change:
    """One series' change from the previous year, or its trend over several years."""

    kind: str  # "year" (from the previous year) or "trend"
    first: int
    last: int
    value_first: float
    value_last: float
    change: float  # last − first, on the indicator's scale
    relative: float  # change / value_first (NaN when value_first is 0)
    statistic: str  # what `estimate` is: difference, rate ratio, yearly rate ratio, linear trend in proportion
    estimate: float
    lower: float
    upper: float
    verdict: str


def changes(
    cells: pd.DataFrame,
    *,
    multipliers: dict[str, float] | None = None,
    breaks: dict[str, list[int]] | None = None,
    untested: set[str] | frozenset[str] = frozenset(),
    confidence: float = 0.95,
) -> pd.DataFrame:
    """Every series' change from the previous year and trend over the last years (`cells`: a release's cells,
    with `symbol`, or a long export with `status`). `multipliers`: each indicator's (100 for a percentage; the
    release's metadata has them), else inferred from a published share. `breaks`: each indicator's years of a
    definition change (the metadata's `revisions`). `untested`: indicators whose counts are not events of a
    Poisson process (sums of days or kronor: one more placement adds a year of days), described without a
    test. One row per series and kind, with the `Change` fields, the series' key, `approximate` (a cell the
    change or trend uses is estimated) and `broken`."""
    symbol = "symbol" if "symbol" in cells.columns else "status"
    quality = "status" if symbol == "symbol" else "quality"
    scale = {**inferred_multipliers(cells), **(multipliers or {})}
    rows: list[dict[str, Any]] = []
    for key, points in _series(cells, symbol, quality):
        multiplier = scale.get(key[0], 1.0)
        last_year = max(points)
        usable = {y: p for y, p in points.items() if p.usable}
        since = max((b for b in (breaks or {}).get(key[0], []) if b <= last_year), default=None)
        tested = key[0] not in untested
        year = _year_change(usable, last_year, multiplier, confidence, tested)
        broken = since == last_year
        if year is not None and broken:
            year = replace(year, verdict="not comparable")
        comparable = usable if since is None else {y: p for y, p in usable.items() if y >= since}
        trend = _trend(comparable, last_year, multiplier, confidence) if tested else None
        for change, cut in ((year, broken), (trend, False)):
            if change is not None:
                approximate = any(points[y].approximate for y in range(change.first, change.last + 1) if y in points)
                rows.append({**dict(zip(KEY, key, strict=True)), **change.__dict__, "approximate": approximate,
                             "broken": cut})  # fmt: skip
    columns = [*KEY, *Change.__dataclass_fields__, "approximate", "broken"]
    return pd.DataFrame(rows, columns=columns)


@dataclass(frozen=True)
class _Point:
    """One year of a series."""

    numerator: float
    denominator: float
    value: float
    method: str
    usable: bool  # published: not suppressed, not missing, not incomplete
    approximate: bool  # estimated: the unit's areas do not match it exactly


def _series(cells: pd.DataFrame, symbol: str, quality: str) -> Any:
    """Each series' key and its points by year, read once from plain arrays (a pandas group per series is a
    hundred times slower)."""
    ordered = cells.sort_values([*KEY, "period"])
    keys = list(zip(*(ordered[k].astype(str).tolist() for k in KEY), strict=True))
    columns = {c: ordered[c].tolist() for c in ("period", "numerator", "denominator", "value", "method")}
    shown = ((ordered[symbol] != "..") & ordered["value"].notna() & (ordered[quality] != "incomplete")).tolist()
    approx = (ordered[quality] == "approximate").tolist()
    start = 0
    for end in range(1, len(keys) + 1):
        if end < len(keys) and keys[end] == keys[start]:
            continue
        points = {int(columns["period"][i]): _point(columns, shown, approx, i) for i in range(start, end)}
        yield keys[start], points
        start = end


def _point(columns: dict[str, list[Any]], shown: list[bool], approx: list[bool], i: int) -> _Point:
    numbers = [_num(columns[c][i]) for c in ("numerator", "denominator", "value")]
    return _Point(numbers[0], numbers[1], numbers[2], str(columns["method"][i]), bool(shown[i]), bool(approx[i]))


def _num(value: Any) -> float:
    return float("nan") if value is None or pd.isna(value) else float(value)


def _year_change(
    usable: dict[int, _Point], last_year: int, multiplier: float, confidence: float, tested: bool = True
) -> Change | None:
    if last_year not in usable or last_year - 1 not in usable:
        return None
    now, before = usable[last_year], usable[last_year - 1]
    method = now.method
    if not tested:
        return _described("year", last_year - 1, last_year, before.value, now.value)
    if method in SHARES:
        test = difference_of_proportions(
            now.numerator, now.denominator, before.numerator, before.denominator,
            confidence=confidence, multiplier=multiplier,
        )  # fmt: skip
        statistic, null = "difference", 0.0
    elif method in RATES or method in COUNTS:
        time_now, time_before = (now.denominator, before.denominator) if method in RATES else (1.0, 1.0)
        test = rate_ratio(now.numerator, time_now, before.numerator, time_before, confidence=confidence)
        statistic, null = "rate ratio", 1.0
    else:
        return _described("year", last_year - 1, last_year, before.value, now.value)
    return _change("year", last_year - 1, last_year, before.value, now.value, statistic, test, null)


def _trend(usable: dict[int, _Point], last_year: int, multiplier: float, confidence: float) -> Change | None:
    run = _last_run(usable, last_year)
    if run is None or run[-1][1].method not in (*SHARES, *RATES, *COUNTS):
        return None
    method = run[-1][1].method
    years = np.array([y for y, _ in run], dtype=float)
    numerators = np.array([p.numerator for _, p in run])
    denominators = np.array([p.denominator for _, p in run])
    first, last = run[0][1], run[-1][1]
    if method in SHARES:
        test = proportion_trend(numerators, denominators, years, confidence=confidence)
        scaled = _Scaled(float(test.value) * multiplier, float(test.lower) * multiplier, float(test.upper) * multiplier)
        statistic = "yearly change in percentage points" if multiplier == 100 else "yearly change in proportion"
        return _change("trend", int(years[0]), last_year, first.value, last.value, statistic, scaled, 0.0)
    times = denominators if method in RATES else np.ones(len(run))
    test = rate_trend(numerators, times, years, confidence=confidence)
    return _change("trend", int(years[0]), last_year, first.value, last.value, "yearly rate ratio", test, 1.0)


@dataclass(frozen=True)
class _Scaled:
    value: float
    lower: float
    upper: float


def _last_run(usable: dict[int, _Point], last_year: int) -> list[tuple[int, _Point]] | None:
    """The published years in a row that end with the last year, if there are at least TREND_YEARS."""
    start = last_year
    while start - 1 in usable:
        start -= 1
    if last_year not in usable or last_year - start + 1 < TREND_YEARS:
        return None
    return [(y, usable[y]) for y in range(start, last_year + 1)]


def inferred_multipliers(cells: pd.DataFrame) -> dict[str, float]:
    """Each share's or rate's multiplier from one of its published cells: value × denominator / numerator (100
    for a percentage, 1000 for a rate per 1 000); the release's metadata gives them too."""
    scaled = cells[cells["method"].isin((*SHARES, *RATES)) & (cells["numerator"] > 0) & cells["value"].notna()]
    first = scaled.drop_duplicates("indicator")
    ratio = first["value"] * first["denominator"] / first["numerator"]
    return {str(i): float(round(r, 6)) for i, r in zip(first["indicator"], ratio, strict=True)}


def _change(
    kind: str, first: int, last: int, before: float, now: float, statistic: str, test: Any, null: float
) -> Change:
    if np.isnan(test.value) or np.isnan(test.lower) or np.isnan(test.upper):
        verdict = "not tested"
    elif test.lower > null:
        verdict = "increasing"
    elif test.upper < null:
        verdict = "decreasing"
    else:
        verdict = "no significant change"
    return Change(kind, first, last, float(before), float(now), float(now - before), _relative(before, now),
                  statistic, float(test.value), float(test.lower), float(test.upper), verdict)  # fmt: skip


def _described(kind: str, first: int, last: int, before: float, now: float) -> Change:
    nan = float("nan")
    return Change(kind, first, last, float(before), float(now), float(now - before), _relative(before, now), "none",
                  nan, nan, nan, "not tested")  # fmt: skip


def _relative(before: float, now: float) -> float:
    return float((now - before) / before) if before else float("nan")
