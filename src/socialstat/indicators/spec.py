"""The indicator catalogue as data: one YAML file per indicator, loaded and checked into frozen dataclasses.

Fields follow DESIGN.md §3. An indicator counts distinct persons (or rows) of one canonical table in a period,
optionally over a population denominator, and may be broken down by sex, age band or one of the table's coded
columns. Harder definitions (cohorts, point-in-time counts, durations) will name a measure from a library of
tested building blocks; this module rejects anything it cannot compile, so no indicator is silently wrong.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from socialstat.errors import SpecificationError
from socialstat.model import load_model
from socialstat.model.spec import Column, Table, parse_document

STATISTICS = ("count", "proportion", "rate", "ratio", "median")
MEASURES = (
    "count", "sum", "sum_per_key", "keys_with_rows", "days_in_year", "new_keys", "returning_keys", "top_keys_rows",
    "median_days",
)  # fmt: skip
POLARITIES = ("higher_is_better", "higher_is_worse", "none")
PERIOD_RULES = ("event_year", "active_in_year", "point_in_time")
AGE_BANDS: dict[str, tuple[tuple[int, int], ...]] = {
    "age_children": ((0, 12), (13, 17), (18, 20)),
    "age_adults": ((18, 24), (25, 64), (65, 200)),
}
_REQUIRED = (
    "id", "area", "title", "definition", "unit_of_measure", "statistic", "numerator", "period", "polarity", "subject",
)  # fmt: skip
_OPTIONAL = ("multiplier", "denominator", "breakdowns", "disclosure", "source", "legal", "key_figure", "revisions")
GENDERS = ("common", "neuter")


@dataclass(frozen=True)
class Text:
    """A Swedish and an English text."""

    sv: str
    en: str

    def get(self, lang: str) -> str:
        """The text in `lang` ('sv' or 'en')."""
        return self.sv if lang == "sv" else self.en


@dataclass(frozen=True)
class Subject:
    """What a sentence about the indicator calls it: a definite noun phrase in Swedish and English ("antalet
    hushåll med ekonomiskt bistånd"), the Swedish phrase's grammatical gender (an adjective after it agrees:
    antalet ... var oförändrat, andelen ... var oförändrad), and optionally what follows a value in place of
    the default (" procent" for a percentage, the unit of measure for a rate, ratio or median, nothing for a
    count)."""

    sv: str
    en: str
    gender: str  # "common" (en-ord) or "neuter" (ett-ord)
    unit: Text | None = None

    def get(self, lang: str) -> str:
        """The phrase in `lang` ('sv' or 'en')."""
        return self.sv if lang == "sv" else self.en


@dataclass(frozen=True)
class Revision:
    """A change of definition from `year` on: the series before it is not comparable with the years after."""

    year: int
    text: Text


@dataclass(frozen=True)
class Filter:
    """Keep rows whose `column` is one of `values`."""

    column: str
    values: tuple[Any, ...]


@dataclass(frozen=True)
class Count:
    """What is counted: distinct persons (or rows) of `table`, filtered, optionally within an age range.

    `via` joins the table to a parent (table, key) whose columns it lacks (a referral's reasons get the
    referral's person, area and date); `within` keeps rows whose `to` date is at most a number of days or
    calendar months after their `from` date (both known).
    """

    table: str
    count: str  # a column whose distinct values are counted (a person, household or referral), or "rows"
    filters: tuple[Filter, ...] = ()
    age: tuple[int, int] | None = None
    via: tuple[str, str] | None = None
    within: tuple[str, str, int, str] | None = None  # (from column, to column, amount, "days" | "months")
    measure: str = "count"  # a building block of indicators/measures.py
    value: tuple[str, ...] = ()  # numeric columns summed by the sum measures
    min_rows: int | None = None  # for keys_with_rows
    lookback: tuple[int, str] | None = None  # for new_keys / returning_keys: (amount, "months" | "years")
    top: float | None = None  # for top_keys_rows: the share of keys with the most rows (0.01 = top 1 %)
    days: tuple[str, str] | None = None  # for median_days: (from date column, to date column)


Numerator = Count


@dataclass(frozen=True)
class Period:
    """Which rows fall in a year: `event_year` (the column's year), `active_in_year` (start..end overlaps the
    year) or `point_in_time` (start..end covers the given day of the year, e.g. 1 November)."""

    rule: str
    column: str
    end_column: str | None = None
    day: tuple[int, int] | None = None  # (month, day) for point_in_time


@dataclass(frozen=True)
class Indicator:
    """One indicator of the catalogue."""

    id: str
    area: str
    title: Text
    definition: Text
    unit_of_measure: Text
    statistic: str
    numerator: Numerator
    period: Period
    polarity: str
    multiplier: float = 1.0
    denominator_age: tuple[int, int] | None = None  # population aged within this range
    denominator_count: Count | None = None  # or another count (a share of counted rows or persons)
    denominator_constant: float | None = None  # or a fixed number (12: an average per month)
    breakdowns: tuple[str, ...] = ()
    disclosure: str = "persons"
    source: Text = field(default_factory=lambda: Text("", ""))
    legal: str = ""
    subject: Subject = field(default_factory=lambda: Subject("", "", "neuter"))
    key_figure: bool = False  # one of an area's key figures: stated as a finding every year, shown as a tile
    revisions: tuple[Revision, ...] = ()


def _text(raw: Any, where: str) -> Text:
    if not isinstance(raw, dict) or not raw.get("sv") or not raw.get("en"):
        raise SpecificationError(f"{where}: needs both 'sv' and 'en'")
    if set(raw) != {"sv", "en"}:  # e.g. an unquoted "per 1,000" split by YAML's flow syntax
        raise SpecificationError(f"{where}: has keys other than 'sv' and 'en' {sorted(set(raw) - {'sv', 'en'})}")
    return Text(str(raw["sv"]).strip(), str(raw["en"]).strip())


def _age(raw: Any, where: str) -> tuple[int, int] | None:
    if raw is None:
        return None
    if not (isinstance(raw, list) and len(raw) == 2 and all(isinstance(a, int) for a in raw) and raw[0] <= raw[1]):
        raise SpecificationError(f"{where}: age must be [from, to] in whole years")
    return (raw[0], raw[1])


def indicator_areas() -> dict[str, Text]:
    """The chapters an indicator can belong to: the six service areas, and costs."""
    areas = {c.code: Text(c.sv, c.en) for c in load_model().codes("service_area").codes}
    areas["costs"] = Text("Kostnader", "Costs")
    return areas


def person_column(count: Count) -> str | None:
    """The column of a count's rows that names a person of `persons` (for age and sex), if any: the person
    (`person_key`), or else a key that references persons (an assistance household's applicant)."""
    columns = count_columns(count)
    if "person_key" in columns:
        return "person_key"
    return next((c.name for c in columns.values() if c.references == "persons.person_key"), None)


def count_columns(count: Count) -> dict[str, Column]:
    """The columns a count's rows have: its table's, plus its parent's when it is joined `via` one."""
    model = load_model()
    columns = {c.name: c for c in model.table(count.table).columns}
    if count.via:
        for c in model.table(count.via[0]).columns:
            columns.setdefault(c.name, c)
    return columns


def _table(name: Any, where: str) -> Table:
    try:
        return load_model().table(name)
    except SpecificationError:
        raise SpecificationError(f"{where}: {name!r} is not a table of the canonical model") from None


def _parse_count(raw: dict[str, Any], where: str) -> Count:
    model = load_model()
    table = _table(raw["table"], where)
    unit_level = table.kind == "reference" and "unit_code" in table.column_names and "year" in table.column_names
    if table.kind != "microdata" and not (unit_level and raw.get("measure") == "sum"):
        raise SpecificationError(f"{where}: table {table.name!r} is not microdata (nor unit-level figures summed)")
    via = None
    if "via" in raw:
        parent = _table(raw["via"]["table"], f"{where} via")
        key = raw["via"]["key"]
        if key not in table.column_names or key not in parent.column_names:
            raise SpecificationError(f"{where}: via key {key!r} must be a column of {table.name} and {parent.name}")
        via = (parent.name, key)
    count = Count(table.name, "rows", via=via)
    columns = count_columns(count)
    counted = raw.get("count", "rows")
    if counted != "rows" and counted not in columns:
        raise SpecificationError(f"{where}: count must be 'rows' or a column of the counted rows")
    filters = []
    for f in raw.get("filters", []):
        if f["column"] not in columns:
            raise SpecificationError(f"{where}: filter column {f['column']!r} is not a column of the counted rows")
        column = columns[f["column"]]
        values = tuple(f["in"])
        if column.codes:
            unknown = set(map(str, values)) - set(model.codes(column.codes).values())
            if unknown:
                raise SpecificationError(f"{where}: filter on {column.name} has unknown codes {sorted(unknown)}")
        filters.append(Filter(column.name, values))
    within = None
    if "within" in raw:
        spec = raw["within"]
        units = [u for u in ("days", "months") if u in spec]
        dates = [spec.get("from"), spec.get("to")]
        if len(units) != 1 or not all(d in columns and columns[d].type == "date" for d in dates):
            raise SpecificationError(f"{where}: within needs 'from' and 'to' date columns and either days or months")
        if not isinstance(spec[units[0]], int) or spec[units[0]] < 0:
            raise SpecificationError(f"{where}: within needs a whole, non-negative number of {units[0]}")
        within = (spec["from"], spec["to"], spec[units[0]], units[0])
    measure = raw.get("measure", "count")
    if measure not in MEASURES:
        raise SpecificationError(f"{where}: measure must be one of {MEASURES}")
    value = tuple(raw.get("value", ()))
    for column in value:
        if column not in columns or columns[column].type not in ("int64", "float64"):
            raise SpecificationError(f"{where}: value column {column!r} is not a numeric column of the counted rows")
    if measure == "sum" and not value:
        raise SpecificationError(f"{where}: measure sum needs value columns")
    if measure in ("sum_per_key", "keys_with_rows", "new_keys", "returning_keys") and counted == "rows":
        raise SpecificationError(f"{where}: measure {measure} needs a key to count (count: a column)")
    min_rows = raw.get("min_rows")
    if measure == "keys_with_rows" and not (isinstance(min_rows, int) and min_rows >= 1):
        raise SpecificationError(f"{where}: keys_with_rows needs min_rows, a whole number from 1")
    lookback = None
    if measure in ("new_keys", "returning_keys"):
        spec = raw.get("lookback") or {}
        units = [u for u in ("months", "years") if u in spec]
        if len(units) != 1 or not isinstance(spec[units[0]], int) or spec[units[0]] < 1:
            raise SpecificationError(f"{where}: {measure} needs a lookback in whole months or years")
        lookback = (spec[units[0]], units[0])
    top = raw.get("top")
    if measure == "top_keys_rows" and counted == "rows":
        raise SpecificationError(f"{where}: measure top_keys_rows needs a key to count (count: a column)")
    if measure == "top_keys_rows" and not (isinstance(top, float) and 0 < top < 1):
        raise SpecificationError(f"{where}: top_keys_rows needs top, a share between 0 and 1 (0.01 = 1 %)")
    days = None
    if measure == "median_days":
        spec = raw.get("days") or {}
        dates = [spec.get("from"), spec.get("to")]
        if not all(d in columns and columns[d].type == "date" for d in dates):
            raise SpecificationError(f"{where}: median_days needs days: {{from: date column, to: date column}}")
        days = (spec["from"], spec["to"])
    return Count(
        table.name,
        counted,
        tuple(filters),
        _age(raw.get("age"), where),
        via,
        within,
        measure,
        value,
        min_rows,
        lookback,
        top,
        days,
    )


def parse_indicator(raw: dict[str, Any], source: str) -> Indicator:
    """Check one indicator definition against the model and return it; errors name the file and the field."""
    return parse_document(raw, source, "an indicator", _parse_indicator)


def _parse_indicator(raw: dict[str, Any], source: str) -> Indicator:
    missing = [k for k in _REQUIRED if k not in raw]
    if missing:
        raise SpecificationError(f"{source}: missing fields {missing}")
    unknown = set(raw) - {*_REQUIRED, *_OPTIONAL}
    if unknown:
        raise SpecificationError(f"{source}: unknown fields {sorted(unknown)}")
    where = f"{source} ({raw['id']})"
    if raw["area"] not in indicator_areas():
        raise SpecificationError(f"{where}: area {raw['area']!r} is not a service area (or costs)")
    if raw["statistic"] not in STATISTICS:
        raise SpecificationError(f"{where}: statistic must be one of {STATISTICS}")
    if raw["polarity"] not in POLARITIES:
        raise SpecificationError(f"{where}: polarity must be one of {POLARITIES}")
    numerator = _parse_count(raw["numerator"], f"{where} numerator")
    columns = count_columns(numerator)
    period = raw["period"]
    if period.get("rule") not in PERIOD_RULES:
        raise SpecificationError(f"{where}: period rule must be one of {PERIOD_RULES}")
    for key in ("column", "end_column"):
        if period.get(key) and period[key] not in columns:
            raise SpecificationError(f"{where}: period {key} {period[key]!r} is not a column of the counted rows")
    if period["rule"] in ("active_in_year", "point_in_time") and not period.get("end_column"):
        raise SpecificationError(f"{where}: {period['rule']} needs an end_column")
    day = None
    if period["rule"] == "point_in_time":
        try:
            day = (int(str(period["day"])[:2]), int(str(period["day"])[3:5]))
            dt.date(2001, *day)
        except (KeyError, ValueError):
            raise SpecificationError(f'{where}: point_in_time needs a day as "MM-DD"') from None
    denominator = raw.get("denominator") or {}
    denominator_age = _age(denominator.get("population"), where) if "population" in denominator else None
    denominator_count = _parse_count(denominator["count"], f"{where} denominator") if "count" in denominator else None
    denominator_constant = float(denominator["constant"]) if "constant" in denominator else None
    given = [d for d in (denominator_age, denominator_count, denominator_constant) if d is not None]
    if len(given) > 1:
        raise SpecificationError(f"{where}: give one denominator: population, count or constant")
    if raw["statistic"] in ("proportion", "rate", "ratio") and not given:
        raise SpecificationError(f"{where}: a {raw['statistic']} needs a denominator (population, count or constant)")
    if (raw["statistic"] == "median") != (numerator.measure == "median_days") or (
        raw["statistic"] == "median" and given
    ):
        raise SpecificationError(f"{where}: statistic median goes with measure median_days and no denominator")
    if raw["statistic"] in ("proportion", "rate") and (
        numerator.measure not in ("count", "keys_with_rows", "new_keys", "returning_keys") or denominator_constant
    ):
        raise SpecificationError(f"{where}: a {raw['statistic']} needs counts; use ratio for sums and constants")
    breakdowns = tuple(raw.get("breakdowns", []))
    for b in breakdowns:
        if b in ("sex", *AGE_BANDS):
            continue
        if b not in columns or not (columns[b].codes or columns[b].type == "boolean"):
            raise SpecificationError(f"{where}: breakdown {b!r} is neither sex, an age band nor a coded column")
    if raw.get("disclosure", "persons") not in ("persons", "none"):
        raise SpecificationError(f"{where}: disclosure must be 'persons' (the default) or 'none' (about no persons)")
    needs_person = numerator.age is not None or any(b in ("sex", *AGE_BANDS) for b in breakdowns)
    if needs_person and person_column(numerator) is None:
        raise SpecificationError(f"{where}: age and sex need a column referencing persons in {numerator.table}")
    return Indicator(
        id=str(raw["id"]),
        area=raw["area"],
        title=_text(raw["title"], f"{where} title"),
        definition=_text(raw["definition"], f"{where} definition"),
        unit_of_measure=_text(raw["unit_of_measure"], f"{where} unit_of_measure"),
        statistic=raw["statistic"],
        numerator=numerator,
        period=Period(period["rule"], period["column"], period.get("end_column"), day),
        polarity=raw["polarity"],
        multiplier=float(raw.get("multiplier", 1)),
        denominator_age=denominator_age,
        denominator_count=denominator_count,
        denominator_constant=denominator_constant,
        breakdowns=breakdowns,
        disclosure=str(raw.get("disclosure", "persons")),
        source=_text(raw["source"], f"{where} source") if "source" in raw else Text("", ""),
        legal=str(raw.get("legal", "")),
        subject=_subject(raw["subject"], f"{where} subject"),
        key_figure=_flag(raw.get("key_figure", False), f"{where} key_figure"),
        revisions=_revisions(raw.get("revisions", []), f"{where} revisions"),
    )


def _subject(raw: Any, where: str) -> Subject:
    if not isinstance(raw, dict) or set(raw) - {"sv", "en", "gender", "unit"}:
        raise SpecificationError(f"{where}: give sv, en, gender and optionally unit")
    text = _text({k: raw.get(k) for k in ("sv", "en")}, where)
    if raw.get("gender") not in GENDERS:
        raise SpecificationError(f"{where}: gender must be one of {GENDERS} (the Swedish phrase's: en or ett)")
    unit = raw.get("unit")
    if unit is not None and not (isinstance(unit, dict) and set(unit) == {"sv", "en"}):
        raise SpecificationError(f"{where}: unit needs 'sv' and 'en' (either may be empty)")
    return Subject(text.sv, text.en, str(raw["gender"]), Text(str(unit["sv"]), str(unit["en"])) if unit else None)


def _flag(raw: Any, where: str) -> bool:
    if not isinstance(raw, bool):
        raise SpecificationError(f"{where}: must be true or false")
    return raw


def _revisions(raw: Any, where: str) -> tuple[Revision, ...]:
    if not isinstance(raw, list):
        raise SpecificationError(f"{where}: must be a list of {{year, sv, en}}")
    found = []
    for entry in raw:
        if not isinstance(entry, dict) or not isinstance(entry.get("year"), int) or set(entry) != {"year", "sv", "en"}:
            raise SpecificationError(f"{where}: each needs year (a whole year), sv and en")
        found.append(Revision(entry["year"], _text({"sv": entry["sv"], "en": entry["en"]}, where)))
    return tuple(sorted(found, key=lambda r: r.year))


@cache
def load_catalogue() -> dict[str, Indicator]:
    """Every indicator of the shipped catalogue (indicators/catalogue/*.yaml), by id."""
    folder = resources.files("socialstat.indicators").joinpath("catalogue")
    out: dict[str, Indicator] = {}
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if not entry.name.endswith(".yaml"):
            continue
        raw = yaml.safe_load(entry.read_text(encoding="utf-8"))
        indicator = parse_indicator(raw, f"catalogue/{entry.name}")
        if entry.name != f"{indicator.id}.yaml":
            raise SpecificationError(f"catalogue/{entry.name}: file name must be {indicator.id}.yaml")
        out[indicator.id] = indicator
    return out


@dataclass(frozen=True)
class Structure:
    """A unit structure results are computed for (indicators/structures.yaml)."""

    name: str
    description: str
    level: str
    as_of: dt.date | None = None
    region: str | None = None


@cache
def load_structures() -> dict[str, Structure]:
    """The unit structures, by name."""
    text = resources.files("socialstat.indicators").joinpath("structures.yaml").read_text(encoding="utf-8")
    raw = yaml.safe_load(text)
    return {
        name: Structure(name, str(body["description"]), str(body["level"]), body.get("as_of"), body.get("region"))
        for name, body in raw.items()
    }
