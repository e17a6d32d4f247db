"""Findings: what a release shows, as structured facts ranked by importance, each with a sentence in Swedish and
in English (docs/analysis.md).

A finding is one of
- `year`: a series' change from the previous year (analysis.trends), with its test's verdict;
- `trend`: its trend over the last five or more published years;
- `comparison`: a unit against its parent (analysis.compare), at the last year;
- `level`: a key figure's value at the last year (the catalogue's `key_figure`, e.g. the statutory share of
  initial assessments within 14 days).
Each carries the release cells it rests on; all of them are published (the analyses never use a suppressed or
missing cell). The sentence comes from a template (sentences.yaml) with the indicator's `subject`, and never
calls a change that is not significant an increase or a decrease. The importance is a product of the size of
the effect, its significance, the number of persons it concerns, the unit's level, the breakdown and whether the
indicator is a key figure with a polarity; `top` picks the most important with at most one per indicator and
unit, spread over the areas.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, replace
from typing import Any

import pandas as pd

from socialstat.analysis.compare import comparisons
from socialstat.analysis.sentence import sentences
from socialstat.analysis.trends import changes
from socialstat.errors import ConfigurationError
from socialstat.release.metadata import indicator_metadata

CELL = ("indicator", "structure", "unit_code", "breakdown", "breakdown_value", "period")
SIGNIFICANT = {"increasing", "decreasing", "higher", "lower", "better", "worse"}
MOVED = {"increasing", "decreasing"}
SUMS = ("days_in_year", "sum", "sum_per_key")  # measures whose counts are not independent events: not tested
AREA_FACTOR = 0.75  # in `top`, each finding already taken from an area makes the area's next count this much less


@dataclass(frozen=True)
class Finding:
    """One fact a release supports."""

    kind: str  # year, trend, comparison, level
    indicator: str
    subject: str  # the indicator's subject in Swedish: indicators with the same one say the same thing
    area: str
    structure: str
    unit_code: str
    breakdown: str
    breakdown_value: str
    first: int
    last: int
    value_first: float | None
    value_last: float
    change: float | None  # last − first on the indicator's scale (a comparison: unit − parent)
    relative: float | None
    statistic: str  # what estimate/lower/upper are (difference, rate ratio, yearly rate ratio, funnel, none)
    estimate: float | None
    lower: float | None
    upper: float | None
    verdict: str  # increasing, decreasing, no significant change, not tested, not comparable, mixed (a trend
    #               whose end points go against its slope); better, worse, higher, lower, similar; level
    parent_code: str | None
    approximate: bool
    broken: bool
    cells: tuple[dict[str, Any], ...]
    score: float = 0.0
    rank: int = 0
    sentence: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        """As plain JSON-ready data (NaN as null)."""
        return {k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in asdict(self).items()}


def release_findings(release: Any, *, unit: str | None = None, year: int | None = None) -> list[Finding]:
    """The findings of a release (`socialstat.release.Release`), most important first; see `findings`."""
    return findings(release.cells(), release.metadata(), unit=unit, year=year)


def findings(
    cells: pd.DataFrame, meta: dict[str, Any], *, unit: str | None = None, year: int | None = None
) -> list[Finding]:
    """Every finding of a release's `cells` and metadata, most important first, about the units that exist in
    the last year (`year`, default the release's). `unit` (a code or a name) keeps the findings about it and
    the units under it."""
    indicators = _indicators(meta, cells)
    units = {u["unit_code"]: u for u in meta.get("units", [])}
    parents = {code: u["parent_code"] for code, u in units.items() if u.get("parent_code")}
    last = int(cells["period"].max()) if year is None else year
    cells = cells[(cells["period"] <= last) & cells["indicator"].isin(indicators)]
    current = {code for code, u in units.items() if exists_in(u, last)} if units else set(cells["unit_code"])
    if unit is not None:
        chosen = resolve_unit(unit, units)
        scope = {chosen, *(c for c, p in parents.items() if p == chosen)}
        cells = cells[cells["unit_code"].isin({*scope, parents.get(chosen, chosen)})]
        keep = scope & current
    else:
        keep = set(cells["unit_code"]) & current
    top_units = {c for c in keep if parents.get(c) not in keep}
    cells = cells.astype({"unit_code": str, "breakdown": str, "breakdown_value": str})
    published = _published(cells)
    anywhere: dict[tuple[str, ...], tuple[str, ...]] = {}
    for k in published:
        anywhere.setdefault((k[0], *k[2:]), k)
    context = _Context(indicators, units, top_units, published, anywhere, dict(meta.get("breakdowns", {})))
    multipliers = {i: float(d.get("multiplier") or 1) for i, d in indicators.items()}
    breaks = {i: [int(r["year"]) for r in d.get("revisions", [])] for i, d in indicators.items()}
    found: list[Finding] = []
    series = cells[cells["unit_code"].isin(keep)]
    untested = {i for i, d in indicators.items() if d.get("measure") in SUMS}
    for row in changes(series, multipliers=multipliers, breaks=breaks, untested=untested).to_dict("records"):
        if int(row["last"]) == last and _worth_saying(row):
            found.append(_from_change(row, context))
    polarity = {i: str(d.get("polarity", "none")) for i, d in indicators.items()}
    compared = comparisons(cells, parents, year=last, polarity=polarity, multipliers=multipliers)
    for row in compared[compared["unit_code"].isin(keep)].to_dict("records"):
        found.append(_from_comparison(row, context))
    found.extend(_levels(cells[cells["unit_code"].isin(keep)], last, context))
    return _ranked(_distinct(found, [str(s) for s in meta.get("structures", [])]))


def top(found: list[Finding], n: int = 10) -> list[Finding]:
    """The `n` most important findings: one per unit and topic (an indicator, or indicators with the same
    subject, as the homeless as a count and as a rate), each area's next one counting less (× 0.6 for every
    finding already taken from it) so that the list covers the areas. A key figure's level gives way to a
    significant change or trend of the same figure
    that is at least half as important: that says more."""
    chosen: list[Finding] = []
    taken: set[tuple[str, ...]] = set()
    per_area: dict[str, int] = {}
    left = [f for f in found if f.score > 0]
    moved = {(f.indicator, f.unit_code): f for f in reversed(found) if f.kind != "level" and f.verdict in MOVED}
    while left and len(chosen) < n:
        best = max(left, key=lambda f: f.score * AREA_FACTOR ** per_area.get(_channel(f), 0))
        left.remove(best)
        change = moved.get((best.indicator, best.unit_code)) if best.kind == "level" else None
        if change is not None and change.score >= best.score / 2:
            best = change
        topics = {(best.indicator, best.unit_code), (best.subject, best.unit_code), _story(best)}
        if topics & taken:
            continue
        chosen.append(best)
        taken |= topics
        per_area[_channel(best)] = per_area.get(_channel(best), 0) + 1
    return chosen


def _story(found: Finding) -> tuple[str, ...]:
    """Findings of one area, unit, kind and verdict tell one story (persons in exit programmes and new persons
    in them, both rising): `top` takes the first. Levels are each their own."""
    if found.kind == "level":
        return (found.indicator, found.unit_code, "level")
    return (found.area, found.unit_code, found.kind, found.verdict)


def _channel(found: Finding) -> str:
    """What `top` spreads over: each area's news (changes, trends, comparisons) and its key figures' levels
    apart, so that a summary says for every area both what moved and where it stands."""
    return f"{found.area}:{'level' if found.kind == 'level' else 'news'}"


def resolve_unit(unit: str, units: dict[str, dict[str, Any]]) -> str:
    """A unit's code from its code or its Swedish or English name (case-insensitive)."""
    if unit in units:
        return unit
    named = [
        c for c, u in units.items() if unit.casefold() in (str(u["name_sv"]).casefold(), str(u["name_en"]).casefold())
    ]
    if not named:
        raise ConfigurationError(f"no unit {unit!r} in the release (codes: {', '.join(sorted(units))})")
    return named[0]


def _worth_saying(row: dict[str, Any]) -> bool:
    """Not a series that is zero throughout, nor a trend that could not be tested (nothing to say)."""
    if row["value_first"] == 0 and row["value_last"] == 0:
        return False
    return not (row["kind"] == "trend" and row["verdict"] == "not tested")


def exists_in(unit: dict[str, Any], year: int) -> bool:
    """Whether the unit exists in `year` (Göteborg's districts ended with 2020): findings are about the units
    of the last year, though the release keeps the old ones for the years back in time."""
    start, end = unit.get("valid_from"), unit.get("valid_to")
    return (not start or int(str(start)[:4]) <= year) and (not end or int(str(end)[:4]) >= year)


@dataclass(frozen=True)
class _Context:
    indicators: dict[str, dict[str, Any]]
    units: dict[str, dict[str, Any]]
    top_units: set[str]
    published: dict[tuple[str, ...], dict[str, Any]]  # the published cells by CELL
    anywhere: dict[tuple[str, ...], tuple[str, ...]]  # a cell's key without the structure -> its first CELL key
    labels: dict[str, dict[str, dict[str, str]]]  # the breakdowns' value labels


def _indicators(meta: dict[str, Any], cells: pd.DataFrame) -> dict[str, dict[str, Any]]:
    """The indicators' metadata, completed from the current catalogue for a release made before a field existed
    (the subject, the measure, key figures)."""
    given = dict(meta.get("indicators", {}))
    for i in sorted(set(cells["indicator"])):
        entry = given.get(i, {})
        if not {"subject", "measure", "key_figure"} <= set(entry):
            given[i] = {**indicator_metadata(str(i)), **entry}
    return {str(k): v for k, v in given.items()}


def _published(cells: pd.DataFrame) -> dict[tuple[str, ...], dict[str, Any]]:
    symbol, quality = ("symbol", "status") if "symbol" in cells.columns else ("status", "quality")
    shown = cells[(cells[symbol] != "..") & cells["value"].notna() & (cells[quality] != "incomplete")]
    return {tuple(str(r[c]) for c in CELL): r for r in shown.to_dict("records")}


def _from_change(row: dict[str, Any], context: _Context) -> Finding:
    years = range(int(row["first"]), int(row["last"]) + 1) if row["kind"] == "trend" else (row["first"], row["last"])
    cells = _cells(row, row["structure"], years, context)
    verdict = str(row["verdict"])
    moved = row["value_last"] - row["value_first"]
    if row["kind"] == "trend" and verdict in MOVED and moved * (1 if verdict == "increasing" else -1) <= 0:
        verdict = "mixed"  # the fitted slope and the end points disagree: no plain statement of a direction
    return _finding(
        context, row["kind"], row, row["structure"], cells, first=int(row["first"]), value_first=row["value_first"],
        value_last=row["value_last"], change=row["change"], relative=row["relative"], statistic=row["statistic"],
        estimate=row["estimate"], lower=row["lower"], upper=row["upper"], verdict=verdict, parent=None,
        approximate=bool(row["approximate"]), broken=bool(row["broken"]),
    )  # fmt: skip


def _from_comparison(row: dict[str, Any], context: _Context) -> Finding:
    own = _cells(row, row["structure"], (row["period"],), context)
    mine = {**row, "unit_code": row["parent_code"]}
    theirs = _cells(mine, row["structure"], (row["period"],), context) or _anywhere(mine, context)
    approximate = any(c.get("status") == "approximate" for c in _rows(own + theirs, context))
    return _finding(
        context, "comparison", row, row["structure"], own + theirs, first=int(row["period"]),
        value_first=row["parent_value"], value_last=row["value"], change=row["value"] - row["parent_value"],
        relative=_ratio(row["value"], row["parent_value"]), statistic="funnel 95 %", estimate=row["parent_value"],
        lower=row["lower95"], upper=row["upper95"], verdict=row["verdict"], parent=row["parent_code"],
        approximate=approximate, broken=False, strength=row["strength"],
    )  # fmt: skip


def _levels(cells: pd.DataFrame, last: int, context: _Context) -> list[Finding]:
    key = [i for i, d in context.indicators.items() if d.get("key_figure")]
    chosen = cells[cells["indicator"].isin(key) & (cells["period"] == last) & (cells["breakdown"] == "total")]
    found = []
    for row in chosen.to_dict("records"):
        cell = _cells(row, row["structure"], (last,), context)
        if not cell:
            continue  # suppressed or missing: nothing to say
        level = _finding(
            context, "level", row, row["structure"], cell, first=last, value_first=None, value_last=row["value"],
            change=None, relative=None, statistic="none", estimate=None, lower=None, upper=None, verdict="level",
            parent=None, approximate=row["status"] == "approximate", broken=False,
        )  # fmt: skip
        found.append(level)
    return found


def _finding(context: _Context, kind: str, row: dict[str, Any], structure: str, cells: list[dict[str, Any]],
             *, parent: str | None, strength: str = "", **values: Any) -> Finding:  # fmt: skip
    indicator = str(row["indicator"])
    found = Finding(
        kind=kind, indicator=indicator, subject=str(context.indicators[indicator]["subject"]["sv"]),
        area=str(context.indicators[indicator].get("area", "")), structure=structure,
        unit_code=str(row["unit_code"]), breakdown=str(row["breakdown"]), breakdown_value=str(row["breakdown_value"]),
        last=int(row.get("last", row.get("period", 0))), parent_code=parent, cells=tuple(cells),
        **{k: _float(v) if k not in ("first", "verdict", "statistic", "approximate", "broken") else v
           for k, v in values.items()},
    )  # fmt: skip
    meta = context.indicators[indicator]
    said = sentences(found, meta, context.units, context.labels)
    return replace(found, score=_score(found, context, strength), sentence=said)


def _cells(row: dict[str, Any], structure: str, years: Any, context: _Context) -> list[dict[str, Any]]:
    """The published cells of the row's series in `years` (empty if any is not published)."""
    keys = [
        (str(row["indicator"]), str(structure), str(row["unit_code"]), str(row["breakdown"]),
         str(row["breakdown_value"]), str(int(y)))
        for y in years
    ]  # fmt: skip
    if not all(k in context.published for k in keys):
        return []
    return [dict(zip(CELL, (*k[:5], int(k[5])), strict=True)) for k in keys]


def _anywhere(row: dict[str, Any], context: _Context) -> list[dict[str, Any]]:
    """The cell in whichever structure publishes it (GR's value for the municipalities)."""
    found = context.anywhere.get(
        tuple(str(int(row[c])) if c == "period" else str(row[c]) for c in CELL if c != "structure")
    )
    return [] if found is None else [dict(zip(CELL, (*found[:5], int(found[5])), strict=True))]


def _rows(cells: list[dict[str, Any]], context: _Context) -> list[dict[str, Any]]:
    return [context.published[tuple(str(c[k]) for k in CELL)] for c in cells]


def _score(found: Finding, context: _Context, strength: str) -> float:
    """Importance: effect size × significance × persons concerned × unit level × breakdown × key figure."""
    meta = context.indicators[found.indicator]
    if found.kind == "level":
        effect, significance = 0.3, 1.0
    else:
        effect = min(abs(_effect(found)), 1.0) if not math.isnan(_effect(found)) else 0.0
        significance = (1.3 if strength == "99.8" else 1.0) if found.verdict in SIGNIFICANT else 0.1
    last = _rows([found.cells[-1 if found.kind != "comparison" else 0]], context)[0] if found.cells else {}
    persons = _float(last.get("numerator")) if meta.get("statistic") in ("count", "proportion", "rate") else None
    if persons is None or math.isnan(persons):
        persons = _float(last.get("denominator")) or 0.0
    reach = math.log10(10 + max(persons if not math.isnan(persons) else 0.0, 0.0))
    level = 1.0 if found.unit_code in context.top_units else 0.6
    breakdown = 1.0 if found.breakdown == "total" else 0.35
    key = 1.5 if meta.get("key_figure") else 1.0
    polar = 1.2 if meta.get("polarity", "none") != "none" else 1.0
    approximate = 0.6 if found.approximate else 1.0
    return round(effect * significance * reach * level * breakdown * key * polar * approximate, 6)


def _effect(found: Finding) -> float:
    """The size of the effect as a relative change: of the value (counts, rates, a share over years), of the
    unit against its parent, or over a trend's whole run."""
    if found.value_first is None or not found.value_first:
        return float("nan")
    return float(found.value_last / found.value_first - 1)


def _distinct(found: list[Finding], structures: list[str]) -> list[Finding]:
    """One finding per fact: a unit published in several structures (Göteborg as a municipality and as the
    total of its administrations) says the same thing once, from the first structure of the release."""
    order = {s: i for i, s in enumerate(structures)}
    found = sorted(found, key=lambda f: order.get(f.structure, len(order)))
    seen: set[tuple[Any, ...]] = set()
    kept = []
    for f in found:
        key = (f.kind, f.indicator, f.unit_code, f.breakdown, f.breakdown_value, f.first, f.last, f.parent_code)
        if key not in seen:
            seen.add(key)
            kept.append(f)
    return kept


def _ranked(found: list[Finding]) -> list[Finding]:
    ordered = sorted(found, key=lambda f: (-f.score, f.indicator, f.unit_code, f.kind, f.breakdown_value))
    return [replace(f, rank=i) for i, f in enumerate(ordered, start=1)]


def _ratio(value: float, base: float) -> float:
    return float(value / base - 1) if base else float("nan")


def _float(value: Any) -> Any:
    if value is None:
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return value
