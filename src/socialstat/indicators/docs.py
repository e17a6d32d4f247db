"""Render the catalogue as Markdown (docs/indicators.md is this function's output)."""

from __future__ import annotations

from socialstat.indicators.spec import Count, Indicator, indicator_areas, load_catalogue, load_structures

_STATISTICS = {
    "count": "count (no interval)",
    "proportion": "proportion, Wilson score interval",
    "rate": "rate, exact Poisson interval below 10 events, Byar's approximation from 10",
    "ratio": "ratio of a sum or count to its denominator (no sampling interval)",
    "median": "median (no interval)",
}
_PERIODS = {
    "event_year": "rows whose `{column}` falls in the year",
    "active_in_year": "rows running at some time in the year (`{column}` to `{end}`, open end = still running)",
    "point_in_time": "rows running on {day} of the year (`{column}` to `{end}`, open end = still running)",
}
_MONTHS = dict(enumerate(
    ["", "January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
     "November", "December"]))  # fmt: skip


def describe(ind: Indicator) -> str:
    """One indicator as Markdown."""
    return "\n".join(_one(ind))


def _measured(count: Count) -> str:
    key = f"`{count.count}`"
    values = " + ".join(f"`{v}`" for v in count.value)
    if count.measure == "sum":
        return f"sum of {values}"
    if count.measure == "sum_per_key":
        return f"sum over distinct {key} of its largest {values} in the year"
    if count.measure == "keys_with_rows":
        return f"distinct {key} with at least {count.min_rows} rows in the year"
    if count.measure == "top_keys_rows":
        return f"rows of the {count.top:.0%} of {key} with the most rows (rounded up to whole keys)"
    if count.measure == "median_days" and count.days:
        return f"median number of days from `{count.days[0]}` to `{count.days[1]}`"
    if count.measure == "days_in_year":
        return "days each row runs within the year, summed"
    if count.measure in ("new_keys", "returning_keys") and count.lookback:
        amount, unit = count.lookback
        had = "none" if count.measure == "new_keys" else "one"
        return f"distinct {key} that had {had} in the {amount} {unit} before their first row of the year"
    return "rows" if count.count == "rows" else f"distinct {key}"


def _describe_count(count: Count) -> str:
    text = f"{_measured(count)} of `{count.table}`"
    if count.via:
        text += f" (with its `{count.via[0]}` row, by `{count.via[1]}`)"
    filters = "; ".join(f"`{f.column}` in {', '.join(map(str, f.values))}" for f in count.filters)
    if filters:
        text += f"; filters: {filters}"
    if count.within:
        start, stop, amount, unit = count.within
        text += f"; `{stop}` at most {amount} {unit} after `{start}`"
    if count.age:
        text += f"; ages {count.age[0]}–{count.age[1]} (year minus birth year)"
    return text


def _one(ind: Indicator) -> list[str]:
    areas = indicator_areas()
    if ind.denominator_constant is not None:
        denominator = f"the constant {ind.denominator_constant:g}"
    elif ind.denominator_count:
        denominator = _describe_count(ind.denominator_count)
    elif ind.denominator_age:
        lo, hi = ind.denominator_age
        denominator = f"population aged {lo}–{hi}" + (" (all ages)" if (lo, hi) == (0, 100) else "")
    else:
        denominator = "none"
    day = f"{ind.period.day[1]} {_MONTHS[ind.period.day[0]]}" if ind.period.day else ""
    period = _PERIODS[ind.period.rule].format(column=ind.period.column, end=ind.period.end_column, day=day)
    lines = [
        f"### {ind.id} — {ind.title.sv}",
        "",
        f"*{ind.title.en}* · area: {areas[ind.area].sv} ({ind.area})",
        "",
        ind.definition.sv,
        "",
        f"> {ind.definition.en}",
        "",
        "| field | value |",
        "|---|---|",
        f"| unit of measure | {ind.unit_of_measure.sv} / {ind.unit_of_measure.en} |",
        f"| statistic | {_STATISTICS[ind.statistic]}"
        + (f", × {ind.multiplier:g}" if ind.multiplier != 1 else "")
        + " |",
        f"| numerator | {_describe_count(ind.numerator)} |",
        f"| denominator | {denominator} |",
        f"| period | {period} |",
        f"| breakdowns | {', '.join(['total', *ind.breakdowns])} |",
        f"| polarity | {ind.polarity.replace('_', ' ')} |",
        f"| disclosure | {ind.disclosure} |",
        f"| source | {ind.source.sv} / {ind.source.en} |",
        f"| legal reference | {ind.legal} |",
        f"| in sentences | {ind.subject.sv} ({ind.subject.gender}) / {ind.subject.en} |",
        *(["| key figure | yes |"] if ind.key_figure else []),
        *[f"| definition changed | {r.year}: {r.text.sv} / {r.text.en} |" for r in ind.revisions],
        "",
    ]
    return lines


def render_catalogue() -> str:
    """The catalogue and the unit structures as a Markdown document."""
    catalogue = load_catalogue()
    areas = indicator_areas()
    out = [
        "# Indicators",
        "",
        "<!-- Generated by `socialstat indicators docs` from src/socialstat/indicators/catalogue/*.yaml.",
        "     Do not edit by hand: run `make docs`. A test fails when this file and the catalogue differ. -->",
        "",
        "Each indicator is one YAML file in `src/socialstat/indicators/catalogue/`; the engine compiles it to Ibis.",
        "Ages are the year minus the birth year. Age bands: children 0–12, 13–17, 18–20; adults 18–24, 25–64, 65+.",
        "Statistics and their methods: [statistics.md](statistics.md).",
        "",
        "## Unit structures",
        "",
        "| structure | units | description |",
        "|---|---|---|",
    ]
    for s in load_structures().values():
        as_of = f", as on {s.as_of}" if s.as_of else ""
        out.append(f"| `{s.name}` | {s.level}{as_of} | {s.description} |")
    out += ["", "## Catalogue", "", "| id | area | title | statistic |", "|---|---|---|---|"]
    for ind in catalogue.values():
        out.append(f"| [{ind.id}](#{ind.id.lower()}) | {areas[ind.area].sv} | {ind.title.sv} | {ind.statistic} |")
    out.append("")
    for code, area in areas.items():
        members = [i for i in catalogue.values() if i.area == code]
        if members:
            out += [f"## {area.sv}", ""]
            for ind in members:
                out += _one(ind)
    return "\n".join(out)
