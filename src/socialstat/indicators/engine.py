"""Compile catalogue definitions to Ibis expressions and compute results: indicator x unit x year x breakdown.

The counting runs in the store's backend (Ibis, no SQL text); only the aggregated cells come back to Python,
where the statistics of `socialstat.stats` give values and limits. Every cell of the grid (unit x year x
breakdown value) is present, with zero where nothing was counted, so a zero can be told from a missing value.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace

import ibis
import numpy as np
import pandas as pd

from socialstat.errors import ConfigurationError
from socialstat.indicators.measures import aggregate, earlier_hits, mark_earlier, rows, same_rows
from socialstat.indicators.spec import (
    AGE_BANDS,
    Count,
    Indicator,
    Period,
    Structure,
    count_columns,
    load_catalogue,
    load_structures,
    person_column,
)
from socialstat.model import load_model
from socialstat.stats import proportion, rate
from socialstat.store.connect import Store

TOTAL = "total"
RESULT_COLUMNS = [
    "indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value", "numerator", "denominator",
    "value", "lower", "upper", "method", "persons", "status",
]  # fmt: skip


def unit_mapping(store: Store, structure: Structure) -> ibis.Table:
    """Area -> unit of the structure: columns area_code, unit_code, approximate."""
    areas = store.table("areas")
    if structure.level in ("district", "administration"):
        au = store.table("area_units")
        units = store.table("units").filter(lambda u: u.level == structure.level).select("unit_code").distinct()
        as_of = ibis.literal(structure.as_of, type="date")
        valid = au.filter((au.valid_from <= as_of) & (au.valid_to.isnull() | (au.valid_to >= as_of)))
        return valid.join(units, "unit_code").select("area_code", "unit_code", "approximate")
    if structure.level == "municipality":
        return areas.select("area_code", unit_code=areas.municipality_code, approximate=ibis.literal(False))
    if structure.level == "region":
        units = store.table("units")
        members = units.filter(units.parent_code == structure.region).select(member=units.unit_code).distinct()
        inside = areas.join(members, areas.municipality_code == members.member)
        return inside.select("area_code", unit_code=ibis.literal(structure.region), approximate=ibis.literal(False))
    if structure.level == "country":
        return areas.select("area_code", unit_code=ibis.literal("SE"), approximate=ibis.literal(False))
    raise ConfigurationError(f"structure {structure.name!r} has unknown level {structure.level!r}")


def _age_band(age: ibis.Value, bands: Sequence[tuple[int, int]]) -> ibis.Value:
    cases = [((age >= lo) & (age <= hi), f"{lo}-{hi}" if hi < 200 else f"{lo}+") for lo, hi in bands]
    return ibis.cases(*cases, else_=ibis.null("string"))


def age_bands(ind: Indicator, breakdown: str) -> tuple[tuple[int, int], ...]:
    """The age bands of a breakdown within the indicator's own ages: adults 21 and over by the adult bands are
    21-24, 25-64 and 65+ (not 18-24, which would promise ages the indicator never counts)."""
    low, high = ind.numerator.age or ind.denominator_age or (0, 200)
    return tuple(
        (max(lo, low), hi if hi >= 200 else min(hi, high))  # an open band (65+) stays open
        for lo, hi in AGE_BANDS[breakdown]
        if hi >= low and lo <= high
    )


def _band_labels(ind: Indicator, breakdown: str) -> list[str]:
    return [f"{lo}-{hi}" if hi < 200 else f"{lo}+" for lo, hi in age_bands(ind, breakdown)]


def _base(store: Store, count: Count) -> ibis.Table:
    """The counted table, joined to its parent when it is counted `via` one, filtered."""
    rel = store.table(count.table)
    if count.via:
        parent, key = count.via
        parent_rel = store.table(parent)
        extra = [c for c in parent_rel.columns if c not in rel.columns or c == key]
        rel = rel.join(parent_rel.select(extra), key)
    for f in count.filters:
        rel = rel.filter(rel[f.column].isin(list(f.values)))
    if count.within:
        start, stop, amount, unit = count.within
        known = rel[start].notnull() & rel[stop].notnull()
        if unit == "days":
            rel = rel.filter(known & (rel[stop].delta(rel[start], unit="day") <= amount))
        else:  # calendar months: e.g. four months from 31 October is 28 or 29 February
            rel = rel.filter(known & (rel[stop] <= rel[start] + ibis.interval(months=amount)))
    return rel


def _events(store: Store, count: Count, period: Period, years: Sequence[int], *, age_limit: bool = True) -> ibis.Table:
    """The counted rows, one per (row, year it counts in), with the year (and age, for an age limit, unless
    `age_limit` is False: the caller then applies it to fewer rows, see `_within_age`)."""
    base = _base(store, count)
    if period.rule == "event_year":  # each row belongs to one year: no expansion needed
        col = base[period.column]
        rel = base.mutate(year=(col.year() if col.type().is_date() else col).cast("int64"))
        in_year = rel.year.isin(list(years))
    else:  # a row running over several years counts in each of them
        rel = base.cross_join(ibis.memtable({"year": list(years)}, schema={"year": "int64"}))
        col = rel[period.column]
        end = rel[period.end_column]
        if period.rule == "active_in_year":
            first, last = ibis.date(rel.year, 1, 1), ibis.date(rel.year, 12, 31)
        else:  # point_in_time: running on that day of the year
            assert period.day is not None
            first = last = ibis.date(rel.year, *period.day)
        in_year = (col <= last) & (end.isnull() | (end >= first))
    rel = rel.filter(in_year)
    return _within_age(store, rel, count) if age_limit else rel


def _within_age(store: Store, rel: ibis.Table, count: Count) -> ibis.Table:
    """`rel` limited to the persons of `count.age` in the row's year (joined to persons for it)."""
    if count.age is None:
        return rel
    rel = _with_person(store, rel, _person_key(count))
    return rel.filter((rel.age >= count.age[0]) & (rel.age <= count.age[1]))


def _person_key(count: Count) -> str:
    key = person_column(count)
    assert key is not None  # spec.py rejects age and sex where no column names a person
    return key


def _with_person(store: Store, rel: ibis.Table, key: str) -> ibis.Table:
    """`rel` with the person's `age` (in the row's year), `birth_year` and `person_sex`, joined on `key`."""
    if "person_sex" in rel.columns:
        return rel
    people = store.table("persons")
    people = people.select(person_id=people.person_key, birth_year=people.birth_year, person_sex=people.sex)
    rel = rel.left_join(people, rel[key] == people.person_id).drop("person_id")
    return rel.mutate(age=rel.year - rel.birth_year)


def _person_level(breakdown: str) -> bool:
    """Whether a breakdown is a property of the person in the year (sex, age band), not of the row."""
    return breakdown == "sex" or breakdown in AGE_BANDS


def is_unit_level(count: Count) -> bool:
    """Whether the counted rows belong to units (costs from the accounts) rather than to areas."""
    columns = count_columns(count)
    return "area_code" not in columns and "unit_code" in columns


def _unit_level_rows(
    store: Store, count: Count, period: Period, mapping: ibis.Table, years: Sequence[int]
) -> ibis.Table:
    """Unit-level figures (costs by district or administration) moved to the structure's units through areas.

    A unit's figure is shared over its areas in proportion to their population that year, and each area's part
    goes to the structure's unit of that area: an administration's cost shown for the old districts, or a
    district's for the new administrations. `weight` < 1 marks a figure split between units (approximate).
    """
    rel = _base(store, count).filter(lambda t: t[period.column].isin(list(years)))
    rel = rel.rename(source_unit="unit_code").mutate(year=rel[period.column].cast("int64"))
    au = store.table("area_units").select(source_unit="unit_code", area_code="area_code").distinct()
    pop = store.table("population")
    pop = pop.filter(pop.year.isin(list(years))).group_by(["area_code", "year"]).aggregate(pop=pop.population.sum())
    parts = au.join(pop, "area_code")
    totals = parts.group_by(["source_unit", "year"]).aggregate(unit_pop=parts.pop.sum())
    shares = parts.join(totals, ["source_unit", "year"]).join(mapping, "area_code")
    shares = shares.group_by(["source_unit", "year", "unit_code"]).aggregate(
        weight=shares.pop.sum().cast("float64") / shares.unit_pop.max(), split=shares.approximate.any()
    )
    rel = rel.join(shares, ["source_unit", "year"])
    return rel.mutate(**{c: rel[c] * rel.weight for c in count.value})


def _breakdown_value(rel: ibis.Table, breakdown: str, ind: Indicator) -> ibis.Value:
    if breakdown == TOTAL:
        return ibis.literal(TOTAL)
    if breakdown == "sex":
        return rel.person_sex if "person_sex" in rel.columns else rel.sex
    if breakdown in AGE_BANDS:
        return _age_band(rel.age, age_bands(ind, breakdown))
    return rel[breakdown].cast("string")


def _counts(run: Run, ind: Indicator, count: Count, name: str, denominator: Count | None = None) -> pd.DataFrame:
    """`count` per unit, year and breakdown value, as column `name`, with its distinct persons (one query);
    with a `denominator` counting the same rows (measures.same_rows), that too, as column `denominator`."""
    store, mapping, years = run.store, run.mapping, run.years
    breakdowns = (TOTAL, *ind.breakdowns)
    cohort = count.measure in ("new_keys", "returning_keys")
    # Reduce the rows to one per key and group first when several breakdowns read them, when the table has
    # many rows per key and year, or when an age limit would otherwise join every row to persons.
    reduce = _reducible(count) and (
        len(breakdowns) > 2 or (len(breakdowns) > 1 and _repeated(count)) or count.age is not None
    )
    late_age = reduce or (cohort and all(_person_level(b) for b in ind.breakdowns))
    if is_unit_level(count):
        events = _unit_level_rows(store, count, ind.period, mapping, years)
    else:
        events = _events(store, count, ind.period, years, age_limit=not late_age).join(mapping, "area_code")
    counts = [count] * len(breakdowns)
    if cohort:
        branches = _marked_first_rows(run, events, count, ind)
    else:
        if reduce:
            events = _reduced(run, events, count, ind)
        branches = []
        for i, breakdown in enumerate(breakdowns):
            rel = events
            if _person_level(breakdown):
                rel, counts[i] = _persons_of(store, events, count, denominator)
            branches.append(rel.mutate(breakdown_value=_breakdown_value(rel, breakdown, ind).cast("string")))
    parts = []
    for breakdown, rel, counted in zip(breakdowns, branches, counts, strict=True):
        rel = rel.select(*_used_columns(rel, counted, ind))
        agg = aggregate(rel, counted, ind.period, persons=name == "numerator", denominator=denominator)
        extra = {"denominator": agg.denominator.cast("float64")} if denominator is not None else {}
        parts.append(
            agg.select(
                "unit_code",
                year=agg.year.cast("int64"),
                breakdown_value=agg.breakdown_value,
                breakdown=ibis.literal(breakdown),
                **{name: agg.value.cast("float64"), f"{name}_persons": agg.persons.cast("int64")},
                **extra,
            )
        )
    return ibis.union(*parts).execute() if len(parts) > 1 else parts[0].execute()


def _rows_spec(count: Count, ind: Indicator) -> tuple[object, ...]:
    """Everything the counted rows of `count` depend on within a run (which fixes structure and years): the
    start of the key under which a run shares what it derives from them."""
    return (count.table, count.via, count.filters, count.within, count.age, ind.period)


def _repeated(count: Count) -> bool:
    """Whether the counted table holds repeated measurements: its key includes its period column (assistance:
    one row per household and month), so a key has many rows in a year and reducing them pays."""
    table = load_model().table(count.table)
    return table.period is not None and table.period in table.key


def _reducible(count: Count) -> bool:
    """Whether `count`'s measure gives the same on rows reduced to one per key and group (with n_rows and
    summed values): sums always; counts of rows or keys when no value column is read (summing would lose a
    largest row sum); not the measures that need each row's dates."""
    if count.measure == "sum":
        return True
    return count.measure in ("count", "keys_with_rows", "top_keys_rows") and not count.value


def _reduced(run: Run, events: ibis.Table, count: Count, ind: Indicator) -> ibis.Table:
    """The counted rows reduced to one per unit, year, person and value of the row-level breakdowns, with the
    rows' number in `n_rows`, materialised in the backend: with several breakdowns, each then reads this
    instead of every row (twelve household-months become one household-year)."""
    key = person_column(count)
    denominator = ind.denominator_count.count if ind.denominator_count else None
    columns = [c for c in (count.count, key, denominator) if c and c != "rows"]
    columns += [b for b in ind.breakdowns if not _person_level(b) and b in events.columns]
    columns += [c for c in ("age", "person_sex") if c in events.columns]
    group = list(dict.fromkeys(["unit_code", "year", *columns]))
    person = key is not None and any(_person_level(b) for b in ind.breakdowns)

    def build() -> ibis.Table:
        sums = {c: events[c].cast("float64").sum() for c in count.value}
        reduced = events.group_by(group).aggregate(n_rows=rows(events), **sums)
        if person:  # join persons once, to fewer rows
            reduced = _with_person(run.store, reduced, str(key))
        return run.store.cache(_within_age(run.store, reduced, count))

    return run.shared_reduction(("reduced", *_rows_spec(count, ind), tuple(group), count.value, person), build)


def _persons_of(store: Store, events: ibis.Table, count: Count, denominator: Count | None) -> tuple[ibis.Table, Count]:
    """The rows for a sex or age breakdown, and the count to apply to them.

    Counting persons or rows, the rows are first reduced to one per person, unit and year (with `n_rows`), and
    only those are joined to `persons`: far fewer rows to join than the events (household-months). Other
    measures join every row.
    """
    key = _person_key(count)
    if "person_sex" in events.columns:
        return events, count
    reducible = count.measure == "count" and count.count in (key, "rows") and not count.value
    if not reducible or (denominator is not None and denominator.count != key):
        return _with_person(store, events, key), count
    per_key = events.group_by(["unit_code", "year", key]).aggregate(n_rows=rows(events))
    if count.count == "rows":  # rows = the sum of each person's rows
        count = replace(count, measure="sum", value=("n_rows",))
    return _with_person(store, per_key, key), count


def _first_rows(
    store: Store, events: ibis.Table, count: Count, ind: Indicator, cached: list[ibis.Table]
) -> list[ibis.Table]:
    """For new/returning keys: per breakdown, one row per key, unit and year with its first date there, marked
    `earlier` (measures.mark_earlier). Sex and age are the same for all of a key's rows in a year, so those
    breakdowns reuse the total's first rows; the look back runs once for all breakdowns. The intermediate
    tables are materialised in the backend (and released by the caller): each is read several times."""
    key, date = count.count, ind.period.column
    attrs = [c for c in ("age", "person_sex") if c in events.columns]
    per_key = events.group_by(["unit_code", "year", key, *attrs]).aggregate(first=events[date].min())
    if any(_person_level(b) for b in ind.breakdowns):  # join persons to the first rows, not to every row
        per_key = _with_person(store, per_key, _person_key(count))
    per_key = store.cache(per_key if "age" in events.columns else _within_age(store, per_key, count))
    cached.append(per_key)
    firsts: dict[str, ibis.Table] = {}
    sources = [per_key]
    for breakdown in (TOTAL, *ind.breakdowns):
        if breakdown == TOTAL or _person_level(breakdown):
            firsts[breakdown] = per_key.mutate(breakdown_value=_breakdown_value(per_key, breakdown, ind).cast("string"))
        else:
            rel = events.mutate(breakdown_value=_breakdown_value(events, breakdown, ind).cast("string"))
            group = rel.group_by(["unit_code", "year", "breakdown_value", key])
            firsts[breakdown] = store.cache(group.aggregate(first=rel[date].min()))
            cached.append(firsts[breakdown])
            sources.append(firsts[breakdown])
    hits = store.cache(earlier_hits(sources, _base(store, count), count, ind.period))
    cached.append(hits)
    return [mark_earlier(f, hits, count).mutate(breakdown=ibis.literal(b)) for b, f in firsts.items()]


def _marked_first_rows(run: Run, events: ibis.Table, count: Count, ind: Indicator) -> list[ibis.Table]:
    """`_first_rows` of every breakdown, materialised as one table the run shares: new and returning keys over
    the same rows and look back (EB12 and EB12B) mark the first rows once."""

    def build() -> ibis.Table:
        cached: list[ibis.Table] = []
        try:
            branches = _first_rows(run.store, events, count, ind, cached)
            columns = ["unit_code", "year", "breakdown", "breakdown_value", count.count, "earlier"]
            return run.store.cache(ibis.union(*[b.select(*columns) for b in branches]))
        finally:
            for table in cached:
                table.release()

    spec = ("first rows", *_rows_spec(count, ind), count.count, count.lookback, ind.breakdowns)
    marked = run.shared_reduction(spec, build)
    return [marked.filter(marked.breakdown == b).drop("breakdown") for b in (TOTAL, *ind.breakdowns)]


def _used_columns(rel: ibis.Table, count: Count, ind: Indicator) -> list[str]:
    """The columns the measures read: the rest is not carried into the aggregation."""
    personal = load_model().table(count.table).personal_columns
    denominator = ind.denominator_count.count if ind.denominator_count else None
    wanted = [
        "unit_code", "year", "breakdown_value", count.count, *personal[:1], *count.value, *(count.days or ()),
        denominator,
        ind.period.column, ind.period.end_column, "first", "earlier", "n_rows",
    ]  # fmt: skip
    return list(dict.fromkeys(c for c in wanted if c and c in rel.columns))


def _denominators(store: Store, ind: Indicator, mapping: ibis.Table, years: Sequence[int]) -> pd.DataFrame:
    """Population per unit, year and breakdown value (total, sex, age bands); categories share the total."""
    assert ind.denominator_age is not None
    lo, hi = ind.denominator_age
    pop = store.table("population")
    pop = pop.filter(pop.year.isin(list(years)) & (pop.age >= lo) & (pop.age <= hi)).join(mapping, "area_code")
    parts = []
    for breakdown in (TOTAL, *[b for b in ind.breakdowns if b == "sex" or b in AGE_BANDS]):
        if breakdown == "sex":
            value = pop.sex
        elif breakdown in AGE_BANDS:
            value = _age_band(pop.age, age_bands(ind, breakdown))
        else:
            value = ibis.literal(TOTAL)
        agg = pop.mutate(breakdown_value=value.cast("string")).group_by(["unit_code", "year", "breakdown_value"])
        agg = agg.aggregate(denominator=pop.population.sum().cast("float64"))
        parts.append(agg.mutate(breakdown=ibis.literal(breakdown)))
    return ibis.union(*parts).execute() if len(parts) > 1 else parts[0].execute()


def _grid(ind: Indicator, units: list[str], years: Sequence[int]) -> pd.DataFrame:
    """Every cell that must be reported: units x years x each breakdown's values."""
    model = load_model()
    columns = count_columns(ind.numerator)
    rows = []
    for breakdown in (TOTAL, *ind.breakdowns):
        if breakdown == TOTAL:
            values = [TOTAL]
        elif breakdown == "sex":
            values = list(model.codes("sex").values())
        elif breakdown in AGE_BANDS:
            values = _band_labels(ind, breakdown)
        elif columns[breakdown].type == "boolean":
            values = ["false", "true"]
        else:
            values = list(model.codes(columns[breakdown].codes or "").values())
            for f in ind.numerator.filters:  # a breakdown of a filtered column shows only what was kept
                if f.column == breakdown:
                    values = [v for v in values if v in set(map(str, f.values))]
        rows += [(u, y, breakdown, v) for u in units for y in years for v in values]
    return pd.DataFrame(rows, columns=["unit_code", "year", "breakdown", "breakdown_value"])


@dataclass
class Run:
    """One computation over a store, structure and years, with what its indicators share (cached)."""

    store: Store
    structure: str
    years: list[int]
    mapping: ibis.Table = field(init=False)
    flags: pd.DataFrame = field(init=False)
    denominators: dict[tuple[object, ...], pd.DataFrame] = field(default_factory=dict)
    data_years: dict[tuple[object, ...], list[int]] = field(default_factory=dict)
    reduced: OrderedDict[tuple[object, ...], ibis.Table] = field(default_factory=OrderedDict)
    keep_reduced: int = 2  # reduced tables held in the backend at a time (the catalogue is ordered by table)

    def __post_init__(self) -> None:
        structures = load_structures()
        if self.structure not in structures:
            raise ConfigurationError(f"unknown structure {self.structure!r}; known: {sorted(structures)}")
        # Materialised once: the mapping is small (one row per area) and every indicator joins it.
        self.mapping = ibis.memtable(unit_mapping(self.store, structures[self.structure]).execute())
        self.flags = self.mapping.group_by("unit_code").aggregate(approximate=self.mapping.approximate.any()).execute()

    def shared_reduction(self, key: tuple[object, ...], build: Callable[[], ibis.Table]) -> ibis.Table:
        """The materialised reduction `key`, built once and shared by the indicators that need the same one
        (households by household type for EB02, EB05 and EB08); the oldest is released beyond `keep_reduced`."""
        if key in self.reduced:
            self.reduced.move_to_end(key)
            return self.reduced[key]
        table = self.reduced[key] = build()
        while len(self.reduced) > self.keep_reduced:
            self.reduced.popitem(last=False)[1].release()
        return table

    def close(self) -> None:
        """Release what the run holds in the backend."""
        while self.reduced:
            self.reduced.popitem()[1].release()

    def __enter__(self) -> Run:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def compute_indicator(
    store: Store, indicator: Indicator | str, structure: str, years: Sequence[int], *, run: Run | None = None
) -> pd.DataFrame:
    """Results of one indicator for every unit of `structure` and every year in `years`."""
    ind = load_catalogue()[indicator] if isinstance(indicator, str) else indicator
    if run is None:
        with Run(store, structure, list(years)) as own:
            return compute_indicator(store, ind, structure, years, run=own)
    mapping, flags = run.mapping, run.flags
    cells = _grid(ind, sorted(flags["unit_code"]), years)
    keys = ["unit_code", "year", "breakdown", "breakdown_value"]
    together = same_rows(ind.numerator, ind.denominator_count)
    counted = _counts(run, ind, ind.numerator, "numerator", ind.denominator_count if together else None)
    cells = cells.merge(counted.rename(columns={"numerator_persons": "persons"}), on=keys, how="left")
    if ind.statistic != "median":  # nothing counted is zero; a median of nothing is missing
        cells["numerator"] = cells["numerator"].fillna(0)
    cells["numerator"] = cells["numerator"].astype(float)
    cells["persons"] = cells["persons"].fillna(0).astype("int64")
    if ind.denominator_constant is not None:
        cells["denominator"] = ind.denominator_constant
    elif together:
        cells["denominator"] = cells["denominator"].fillna(0).astype(float)
    elif ind.denominator_count is not None:
        den_count = _counts(run, ind, ind.denominator_count, "denominator")
        cells = cells.merge(den_count.drop(columns="denominator_persons"), on=keys, how="left")
        cells["denominator"] = cells["denominator"].fillna(0).astype(float)
    elif ind.denominator_age is not None:
        key = (ind.denominator_age, tuple(b for b in ind.breakdowns if b == "sex" or b in AGE_BANDS))
        if key not in run.denominators:
            run.denominators[key] = _denominators(store, ind, mapping, years)
        den = run.denominators[key]
        cells = cells.merge(den, on=["unit_code", "year", "breakdown", "breakdown_value"], how="left")
        totals = den.loc[den["breakdown"] == TOTAL, ["unit_code", "year", "denominator"]]
        cells = cells.merge(totals.rename(columns={"denominator": "_total"}), on=["unit_code", "year"], how="left")
        cells["denominator"] = cells["denominator"].astype(float).fillna(cells.pop("_total").astype(float))
    else:
        cells["denominator"] = np.nan
    _apply_statistic(cells, ind)
    data_key = (ind.numerator.table, ind.numerator.via, ind.period.column, ind.numerator.lookback)
    if data_key not in run.data_years:
        run.data_years[data_key] = _years_with_data(store, ind, years)
    data_years = run.data_years[data_key]
    approx = cells["unit_code"].map(dict(zip(flags["unit_code"], flags["approximate"], strict=True)))
    if is_unit_level(ind.numerator):
        split = _unit_level_rows(store, ind.numerator, ind.period, mapping, years)
        split = split.filter((split.weight < 0.999999) | split.split).select("unit_code", "year").distinct().execute()
        pairs = set(zip(split["unit_code"], split["year"], strict=True))
        approx = approx | pd.Series([(u, y) in pairs for u, y in zip(cells["unit_code"], cells["year"], strict=True)])
    cells["status"] = np.where(~cells["year"].isin(data_years), "incomplete", np.where(approx, "approximate", "ok"))
    cells["indicator"] = ind.id
    cells["structure"] = structure
    cells = cells.rename(columns={"year": "period"})
    return (
        cells[RESULT_COLUMNS]
        .sort_values(["unit_code", "period", "breakdown", "breakdown_value"])
        .reset_index(drop=True)
    )


def _apply_statistic(cells: pd.DataFrame, ind: Indicator) -> None:
    if ind.statistic in ("count", "ratio", "median"):
        if ind.statistic in ("count", "median"):
            cells["value"] = cells["numerator"] * ind.multiplier
        else:  # a sum or average: no sampling interval applies
            den = cells["denominator"].astype(float).where(cells["denominator"] > 0)
            cells["value"] = cells["numerator"] / den * ind.multiplier
        cells["lower"] = np.nan
        cells["upper"] = np.nan
        cells["method"] = ind.statistic
        return
    den = cells["denominator"].astype(float).where(cells["denominator"] > 0)
    function = proportion if ind.statistic == "proportion" else rate
    est = function(cells["numerator"], den, multiplier=ind.multiplier)
    cells["value"], cells["lower"], cells["upper"] = est.value, est.lower, est.upper
    cells["method"] = est.method


def _years_with_data(store: Store, ind: Indicator, years: Sequence[int]) -> list[int]:
    rel = _base(store, Count(ind.numerator.table, "rows", via=ind.numerator.via))
    col = rel[ind.period.column]
    year = col.year() if col.type().is_date() else col
    present = set(rel.select(year=year).distinct().execute()["year"].dropna().astype(int))
    back = 0  # a measure looking back (new or returning keys) needs the years it looks into too
    if ind.numerator.lookback is not None:
        amount, unit = ind.numerator.lookback
        back = amount if unit == "years" else -(-amount // 12)
    return [y for y in years if all(y - k in present for k in range(back + 1))]


def compute(store: Store, *, structure: str, years: Sequence[int], ids: Sequence[str] | None = None) -> pd.DataFrame:
    """Results of the catalogue (or of `ids`) for every unit of `structure` and every year."""
    catalogue = load_catalogue()
    unknown = [i for i in ids or [] if i not in catalogue]
    if unknown:
        raise ConfigurationError(f"unknown indicators {unknown}")
    with Run(store, structure, list(years)) as run:
        frames = [compute_indicator(store, catalogue[i], structure, years, run=run) for i in (ids or list(catalogue))]
    return pd.concat(frames, ignore_index=True)
