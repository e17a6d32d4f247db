"""Turn a chunk of an extract into canonical rows, and every row that breaks a rule into a quarantine row.

Nothing is lost: each input row ends either in `rows` or in `quarantine` (with every reason it broke), never
in both, and the counts reconcile. The identity number becomes a key at once; the quarantine shows it masked
(`YYMMDD-****`). Chunks are Arrow tables of text cells (as `read_extract` gives them), and the canonical rows stay
in Arrow on their way to the store; work is done once per distinct value where values repeat
(socialstat.ingest.cells), and reasons are joined into text only for the rows that have any. Rules and their
reason codes are listed in docs/reference/validation-rules.md (`RULES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from socialstat.errors import InvalidIdentityNumber
from socialstat.identity import masked, parse_identity_number
from socialstat.ingest import cells
from socialstat.ingest.profile import Profile, normalise
from socialstat.model import load_model
from socialstat.pseudonym import Pseudonymiser

# Reason code -> what it means (docs/reference/validation-rules.md is written from this).
RULES = {
    "missing_value": "a required value is empty",
    "unknown_code": "a value the profile's value map does not know (and that is not a canonical code)",
    "invalid_date": "a date in none of the profile's date formats, or not a real date",
    "invalid_number": "a number that cannot be read with the profile's decimal and thousands separators",
    "invalid_boolean": "a yes/no value the profile's booleans do not know",
    "out_of_range": "a number outside the canonical column's bounds (e.g. a negative amount)",
    "unknown_area": "an area the municipality does not have (by code or name, as the profile says)",
    "future_date": "a date after the day of ingest",
    "before_birth": "an event before the person's birth",
    "decision_before_receipt": "a decision dated before the referral was received",
    "end_before_start": "an end date before the start date",
    "duplicate_key": "the same key twice in the file (both rows are set aside)",
    "duplicate_in_store": "a key an earlier batch loaded (withdraw that batch first to replace its rows)",
    "missing_reason": "a referral without any reason",
    "malformed_row": "a line of the file with too few or too many fields (its content is not read)",
    "empty_row": "a row (or blank line) with every column the profile reads empty",
    "repeated_header": "a row that repeats the header (as Excel reports do on each printed page)",
}
IDENTITY_RULES = (
    "identity_format", "identity_separator", "identity_check_digit", "identity_date", "identity_serial",
    "identity_future", "identity_organisation_number", "identity_reserve_not_allowed", "identity_unknown_date",
)  # fmt: skip


REMEMBERED = 500_000
TYPES = {"string": pa.string(), "key": pa.uuid(), "int64": pa.int64(), "float64": pa.float64(),
         "boolean": pa.bool_(), "date": pa.date32(), "timestamp": pa.timestamp("us")}  # fmt: skip


@dataclass(frozen=True)
class Context:
    """What a transformation needs besides the rows."""

    profile: Profile
    pseudonymiser: Pseudonymiser
    municipality_code: str
    areas: Mapping[str, str]  # normalised area code or name (as the profile matches) -> area_code
    today: dt.date = field(default_factory=dt.date.today)
    parsed: dict[object, tuple[object, ...]] = field(default_factory=dict, repr=False)  # see _identities


@dataclass
class Transformed:
    """One chunk's outcome: canonical rows, their persons (and reasons), and the quarantined rows."""

    rows: pa.Table  # the canonical columns but batch_id
    persons: pd.DataFrame  # person_key, birth_year, sex, identity_kind: one row per person of `rows`
    reasons: pa.Table | None  # referral_id, reason (referrals only)
    quarantine: pd.DataFrame  # line, reasons ("rule:column" joined by ","), identity (masked)
    origin: pa.Table  # line and masked identity of each row of `rows` (for rules that need the whole batch)


class _Problems:
    """The reasons found per row (by position), in the order the rules ran."""

    def __init__(self, size: int) -> None:
        self.found: dict[int, list[str]] = {}
        self.bad = np.zeros(size, dtype=bool)

    def add(self, mask: np.ndarray, reason: str) -> None:
        for i in np.flatnonzero(mask).tolist():
            self.found.setdefault(i, []).append(reason)
        self.bad |= mask


@dataclass
class _Identities:
    """Each row's person (taken from one parse per distinct number)."""

    keys: pa.Array  # person_key, null where the number was refused
    masked: pa.Array  # the number masked ("" for an empty cell)
    born: np.ndarray  # birth year, NaN where unknown
    problems: dict[str, np.ndarray]  # why a number was refused -> the rows it was refused for
    codes: np.ndarray  # per row, its distinct number (`len` of the distinct values for an empty cell)
    facts: pd.DataFrame  # one row per distinct number, then one for the empty cell


PARSED = ("date", "int64", "float64", "boolean")  # column types read from text (besides coded columns)
IDENTITY_FACTS = ["person_key", "birth_year", "sex", "identity_kind", "identity_problem", "masked"]


def _identities(texts: pa.Array, ctx: Context) -> _Identities:
    """Key, birth year, sex and kind per row, or the reason the number was refused (parsed once per value, and
    remembered across chunks up to `REMEMBERED` numbers, as persons recur in an extract)."""
    parsed = ctx.parsed
    if len(parsed) > REMEMBERED:
        parsed.clear()
    found = cells.distinct(texts)
    facts = [parsed.get(text) or _identity(text, ctx) for text in found.values]
    facts.append((None, None, None, None, "missing_value", ""))  # an empty cell
    table = pd.DataFrame(facts, columns=IDENTITY_FACTS).astype({"birth_year": "Int64"})
    codes = found.codes
    take = pa.array(codes)
    problem, reasons = pd.factorize(table["identity_problem"])  # -1 where the number is good
    per_row = problem[codes]
    return _Identities(
        keys=_uuids(table["person_key"]).take(take),
        masked=pa.array(table["masked"], pa.string()).take(take),
        born=table["birth_year"].to_numpy(dtype=float, na_value=np.nan)[codes],
        problems={str(reason): per_row == i for i, reason in enumerate(reasons)},
        codes=codes,
        facts=table,
    )


def _uuids(keys: pd.Series) -> pa.Array:
    """Person keys (UUID text, None for none) as Arrow UUIDs: the store takes them without parsing text."""
    raw = [bytes.fromhex(k.replace("-", "")) if isinstance(k, str) else None for k in keys]
    return pa.ExtensionArray.from_storage(pa.uuid(), pa.array(raw, pa.binary(16)))


def _identity(text: str, ctx: Context) -> tuple[object, ...]:
    """One number's facts (and remember them), or the reason it was refused."""
    try:
        number = parse_identity_number(str(text), today=ctx.today, allow_reserve=ctx.profile.reserve_numbers)
    except InvalidIdentityNumber as exc:
        facts: tuple[object, ...] = (None, None, None, None, getattr(exc, "reason", "identity_format"), masked(text))
    else:
        key = ctx.pseudonymiser.key(number.canonical)
        facts = (key, number.birth_year, number.sex, number.kind, None, masked(text))
    ctx.parsed[text] = facts
    return facts


def as_arrow(chunk: pd.DataFrame) -> pa.Table:
    """A frame of text cells (and `_line`) as the Arrow table `read_extract` would give."""
    cells_of = {c: chunk[c].astype(object).where(chunk[c].notna(), None).tolist() for c in chunk if c != "_line"}
    return cells.text_table(cells_of, chunk["_line"].astype("int64").tolist())


def transform(chunk: pa.Table | pd.DataFrame, ctx: Context) -> Transformed:
    """Map `chunk` (text cells named by the profile's headers, plus `_line`) to the canonical model."""
    if isinstance(chunk, pd.DataFrame):
        chunk = as_arrow(chunk)
    size = chunk.num_rows
    names = chunk.column_names
    malformed = ~cells.nulls(chunk["_malformed"]) if "_malformed" in names else np.zeros(size, dtype=bool)
    empty = ~malformed & np.logical_and.reduce([cells.nulls(chunk[c]) for c in ctx.profile.read_columns])
    header = ~malformed & _repeated_header(chunk, ctx.profile)
    set_aside = malformed | empty | header
    if set_aside.any():
        result = transform(chunk.filter(pa.array(~set_aside)), ctx)
        reason = np.select([malformed, header], ["malformed_row", "repeated_header"], "empty_row")
        lines = chunk["_line"].to_numpy()
        bad = pd.DataFrame({"line": lines[set_aside].astype("int64"), "reasons": reason[set_aside], "identity": ""})
        quarantine = pd.concat([result.quarantine, bad], ignore_index=True).sort_values("line", kind="stable")
        result.quarantine = quarantine.reset_index(drop=True)
        return result
    profile = ctx.profile
    table = profile.table
    problems = _Problems(size)
    out: dict[str, pa.Array] = {}
    person = table.personal_columns[0]

    ids = _identities(chunk[profile.identity_column], ctx)
    for why, refused in ids.problems.items():
        problems.add(refused, f"{why}:{profile.identity_column}")
    out[person] = ids.keys

    for canonical, header in profile.columns.items():
        column = table.column(canonical)
        if column.codes or column.type in PARSED:  # values repeat: worked on once per distinct value
            found = cells.distinct(chunk[header]).trimmed()
            present = ~found.missing
            out[canonical] = _parsed(found, present, canonical, ctx, problems)
        else:  # identifiers, unique: trimmed in Arrow
            out[canonical] = cells.trimmed(chunk[header])
            present = ~cells.nulls(out[canonical])
        if not column.nullable:
            problems.add(~present, f"missing_value:{canonical}")
    for canonical, constant in profile.constants.items():
        out[canonical] = pa.repeat(pa.scalar(constant, TYPES[table.column(canonical).type]), size)
    out["municipality_code"] = pa.repeat(pa.scalar(ctx.municipality_code, pa.string()), size)
    if profile.area_column:
        area = cells.by_value(chunk[profile.area_column], lambda v: ctx.areas.get(normalise(v)), pa.string())
        problems.add(cells.nulls(area), f"unknown_area:{profile.area_column}")
    else:  # the extract has no areas: the municipality must be its own only area
        own = ctx.areas.get(normalise(ctx.municipality_code))
        area = pa.repeat(pa.scalar(own, pa.string()), size)
        problems.add(np.full(size, own is None), "unknown_area:municipality_code")
    out["area_code"] = area
    _check_dates(out, ids, ctx, problems)
    group, missing = cells.groups([out[k] for k in table.key])
    problems.add(cells.repeated(group) & ~missing, "duplicate_key")

    reasons = _reasons(chunk, out, ctx, problems) if profile.extract == "referrals" else None
    good = ~problems.bad
    lines = chunk["_line"].to_numpy().astype("int64")
    bad_rows = np.flatnonzero(problems.bad)
    quarantine = pd.DataFrame(
        {
            "line": lines[bad_rows],
            "reasons": [",".join(problems.found[i]) for i in bad_rows.tolist()],
            "identity": ids.masked.take(pa.array(bad_rows)).to_pylist(),
        }
    )
    keep = pa.array(good)
    columns = [c for c in table.column_names if c != "batch_id"]
    rows = pa.table({c: out[c].cast(TYPES[table.column(c).type]) for c in columns}).filter(keep)
    origin = pa.table({"line": pa.array(lines[good]), "identity": ids.masked.filter(keep)})
    persons = ids.facts.iloc[np.unique(ids.codes[good])]
    persons = persons.drop(columns=["identity_problem", "masked"]).drop_duplicates("person_key")
    if reasons is not None:
        rows_of, given = reasons
        reasons = given.filter(pa.array(good[rows_of]))
    return Transformed(rows, persons.reset_index(drop=True), reasons, quarantine, origin)


def _parsed(found: cells.Distinct, present: np.ndarray, canonical: str, ctx: Context, problems: _Problems) -> pa.Array:
    """A coded, date, number or yes/no column's values; a present value that cannot be read is a problem."""
    profile = ctx.profile
    column = profile.table.column(canonical)
    size = len(present)
    if column.codes:
        code = _coder(profile.values.get(canonical, {}), load_model().codes(column.codes).values())
        value = found.map(code, pa.string())
        problems.add(present & cells.nulls(value), f"unknown_code:{canonical}")
    elif column.type == "date":
        value = cells.dates(found, profile.file.date_formats)
        problems.add(present & cells.nulls(value), f"invalid_date:{canonical}")
    elif column.type == "boolean":
        value = found.map(lambda v: profile.booleans.get(normalise(v)), pa.bool_())
        problems.add(present & cells.nulls(value), f"invalid_boolean:{canonical}")
    else:
        number = cells.numbers(found, profile.file.decimal, profile.file.thousands)
        bad = present & ~np.isfinite(number)  # no number, or infinite ("inf", "1e400")
        if column.type == "int64":  # a fraction
            bad |= present & np.isfinite(number) & (number % 1 != 0)
        with np.errstate(invalid="ignore"):
            low = number < column.min if column.min is not None else np.zeros(size, dtype=bool)
            high = number > column.max if column.max is not None else np.zeros(size, dtype=bool)
        outside = ~bad & (low | high)
        if column.type == "int64":  # beyond what 64 bits hold, in a column without bounds to say so
            bad |= present & ~outside & (np.abs(number) >= 2.0**63)
        problems.add(bad, f"invalid_number:{canonical}")
        problems.add(outside, f"out_of_range:{canonical}")
        value = pa.array(number, from_pandas=True)
        if column.type == "int64":  # rows with a fraction are quarantined; the others are whole
            value = pc.cast(value, pa.int64(), safe=False)
    return value


def _check_dates(out: dict[str, pa.Array], ids: _Identities, ctx: Context, problems: _Problems) -> None:
    """Dates in the future, before the person's birth, in the wrong order."""
    table = ctx.profile.table
    days = {c: cells.days(v) for c, v in out.items() if c in table.column_names and table.column(c).type == "date"}
    today = np.datetime64(ctx.today, "D")
    born = ids.born
    for column, values in days.items():
        known = ~np.isnat(values)
        problems.add(known & (values > today), f"future_date:{column}")
        year = values.astype("datetime64[Y]").astype(np.int64) + 1970
        with np.errstate(invalid="ignore"):
            problems.add(known & (year < born), f"before_birth:{column}")
    pairs = [
        ("received_date", "decision_date", "decision_before_receipt"),
        ("start_date", "end_date", "end_before_start"),
    ]
    for start, end, reason in pairs:
        if start in days and end in days:
            problems.add(days[end] < days[start], f"{reason}:{end}")


def _reasons(
    chunk: pa.Table, out: dict[str, pa.Array], ctx: Context, problems: _Problems
) -> tuple[np.ndarray, pa.Table]:
    """referral_reasons rows from the profile's reason column(s), each with the row it came from; unknown labels
    and no reason at all are problems. Labels are read once per distinct label; a reason given twice for one
    referral counts once (the same referral twice in a chunk is quarantined anyway)."""
    profile = ctx.profile
    size = chunk.num_rows
    known = sorted(load_model().codes("referral_reason").values())
    code = _coder(profile.values.get("reason", {}), known)
    number = {c: i for i, c in enumerate(known)}
    seen = np.zeros((size, len(known)), dtype=bool)
    unknown = np.zeros(size, dtype=bool)
    rows: list[np.ndarray] = []
    reasons: list[np.ndarray] = []
    for column in profile.reason_columns:
        texts = cells.text(chunk[column])
        row = np.arange(size)
        if profile.reason_separator:  # several labels in one cell
            parts = pc.split_pattern(texts, profile.reason_separator)
            row, texts = pc.list_parent_indices(parts).to_numpy(), pc.list_flatten(parts)
        found = cells.distinct(texts).trimmed()
        # per label: its reason's number, -1 for an unknown label, -2 for none
        per_value = [-2 if not v else number.get(code(v) or "", -1) for v in found.values]
        reason = np.array([*per_value, -2], dtype=np.int64)[found.codes]
        unknown[row[reason == -1]] = True
        given = reason >= 0
        row, reason = row[given], reason[given]
        first = ~seen[row, reason]
        if profile.reason_separator:  # the same label twice in one cell
            once = np.zeros(len(row), dtype=bool)
            once[np.unique(row * len(known) + reason, return_index=True)[1]] = True
            first &= once
        seen[row[first], reason[first]] = True
        rows.append(row[first])
        reasons.append(reason[first])
    problems.add(unknown, "unknown_code:reason")
    problems.add(np.asarray(~seen.any(axis=1)), "missing_reason")
    row = np.concatenate(rows) if rows else np.zeros(0, dtype=np.int64)
    reason = np.concatenate(reasons) if reasons else np.zeros(0, dtype=np.int64)
    given = pa.table(
        {"referral_id": out["referral_id"].take(pa.array(row)), "reason": pa.array(known).take(pa.array(reason))}
    )
    return row, given


def _repeated_header(chunk: pa.Table, profile: Profile) -> np.ndarray:
    """Rows whose every read cell is the column's own header (compared as `normalise` does). Columns with few
    distinct values are checked first, and later columns only on the rows still in question."""
    candidate = np.ones(chunk.num_rows, dtype=bool)
    coded = sorted(profile.columns, key=lambda c: not profile.table.column(c).codes)  # few distinct values first
    for header in (*[profile.columns[c] for c in coded], profile.identity_column):
        rows = np.flatnonzero(candidate)
        column = chunk[header] if len(rows) == chunk.num_rows else chunk[header].take(pa.array(rows))
        candidate[rows] = cells.truth(cells.by_value(column, _is_label(header), pa.bool_()))
        if not candidate.any():
            break
    return candidate


def _is_label(header: str) -> Callable[[str], bool]:
    """Whether a cell is `header` itself, as `normalise` compares."""
    target = normalise(header)
    return lambda text: normalise(text) == target


def _coder(lookup: Mapping[str, str], codes: Iterable[str]) -> Callable[[str], str | None]:
    """A source label's canonical code: the profile's value map (normalised), or the label if it is a code."""
    known = set(codes)

    def code(text: str) -> str | None:
        return lookup.get(normalise(text), text if text in known else None)

    return code
