"""Turn a chunk of an extract into canonical rows, and every row that breaks a rule into a quarantine row.

Nothing is lost: each input row ends either in `rows` or in `quarantine` (with every reason it broke), never
in both, and the counts reconcile. The identity number becomes a key at once; the quarantine shows it masked
(`YYMMDD-****`). Rules and their reason codes are listed in docs/reference/validation-rules.md (`RULES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from socialstat.errors import InvalidIdentityNumber
from socialstat.identity import masked, parse_identity_number
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

    rows: pd.DataFrame
    persons: pd.DataFrame
    reasons: pd.DataFrame | None
    quarantine: pd.DataFrame  # line, reasons ("rule:column" joined by ","), identity (masked)
    origin: pd.DataFrame  # line and masked identity of each row of `rows` (for rules that need the whole batch)


class _Problems:
    def __init__(self, index: pd.Index) -> None:
        self.found: dict[object, list[str]] = {}
        self.index = index

    def add(self, mask: pd.Series | np.ndarray, reason: str) -> None:
        for i in self.index[np.asarray(mask, dtype=bool)]:
            self.found.setdefault(i, []).append(reason)


def _identities(texts: pd.Series, ctx: Context) -> pd.DataFrame:
    """Key, birth year, sex and kind per row, or the reason the number was refused (parsed once per value, and
    remembered across chunks up to `REMEMBERED` numbers, as persons recur in an extract)."""
    parsed = ctx.parsed
    if len(parsed) > REMEMBERED:
        parsed.clear()
    codes, distinct = pd.factorize(texts, use_na_sentinel=True)
    found = [parsed.get(text) or _identity(text, ctx) for text in distinct]
    found.append((None, None, None, None, "missing_value", ""))  # code -1: an empty cell
    columns = ["person_key", "birth_year", "sex", "identity_kind", "identity_problem", "masked"]
    table = pd.DataFrame(found, columns=columns)
    rows = table.iloc[codes].set_axis(texts.index)
    rows["birth_year"] = rows["birth_year"].astype("Int64")
    return rows


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


def _dates(raw: pd.Series, formats: tuple[str, ...]) -> pd.Series:
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[ns]")
    for fmt in (*formats, "%Y-%m-%d"):
        todo = out.isna() & raw.notna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(raw[todo].str.strip(), format=fmt, errors="coerce")
    return out


def _numbers(raw: pd.Series, decimal: str, thousands: str | None) -> pd.Series:
    text = raw.str.strip().str.replace("\u00a0", " ")
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    return pd.to_numeric(text, errors="coerce")


def transform(chunk: pd.DataFrame, ctx: Context) -> Transformed:
    """Map `chunk` (text cells named by the profile's headers, plus `_line`) to the canonical model."""
    malformed = chunk["_malformed"].notna() if "_malformed" in chunk.columns else pd.Series(False, index=chunk.index)
    read = ctx.profile.read_columns
    empty = ~malformed & chunk[read].isna().all(axis=1)
    header = ~malformed & _repeated_header(chunk, ctx.profile)
    if malformed.any() or empty.any() or header.any():
        result = transform(chunk[~malformed & ~empty & ~header], ctx)
        set_aside = malformed | empty | header
        reason = np.select([malformed, header], ["malformed_row", "repeated_header"], "empty_row")
        bad = pd.DataFrame(
            {
                "line": chunk.loc[set_aside, "_line"].astype("int64"),
                "reasons": reason[set_aside.to_numpy()],
                "identity": "",
            }
        )
        quarantine = pd.concat([result.quarantine, bad], ignore_index=True).sort_values("line", kind="stable")
        result.quarantine = quarantine.reset_index(drop=True)
        return result
    profile, model = ctx.profile, load_model()
    table = profile.table
    problems = _Problems(chunk.index)
    out = pd.DataFrame(index=chunk.index)
    person = table.personal_columns[0]

    ids = _identities(chunk[profile.identity_column], ctx)
    for reason in ids["identity_problem"].dropna().unique():
        problems.add(ids["identity_problem"] == reason, f"{reason}:{profile.identity_column}")
    out[person] = ids["person_key"]

    for canonical, header in profile.columns.items():
        column = table.column(canonical)
        raw = _stripped(chunk[header])
        present = raw.notna()
        if column.codes:
            value = _by_value(raw, _coder(profile.values.get(canonical, {}), model.codes(column.codes).values()))
            problems.add(present & value.isna(), f"unknown_code:{canonical}")
        elif column.type == "date":
            value = _dates(raw, profile.file.date_formats).dt.date
            problems.add(present & value.isna(), f"invalid_date:{canonical}")
        elif column.type in ("int64", "float64"):
            value = _numbers(raw, profile.file.decimal, profile.file.thousands)
            bad = present & value.isna()
            if column.type == "int64":
                bad |= present & value.notna() & (value % 1 != 0)
            problems.add(bad, f"invalid_number:{canonical}")
            low = value < column.min if column.min is not None else pd.Series(False, index=value.index)
            high = value > column.max if column.max is not None else pd.Series(False, index=value.index)
            problems.add(~bad & (low | high), f"out_of_range:{canonical}")
        elif column.type == "boolean":
            value = _by_value(raw, lambda v: profile.booleans.get(normalise(v)))
            problems.add(present & value.isna(), f"invalid_boolean:{canonical}")
        else:
            value = raw
        out[canonical] = value
        if not column.nullable:
            problems.add(~present, f"missing_value:{canonical}")
    for canonical, constant in profile.constants.items():
        out[canonical] = constant
    out["municipality_code"] = ctx.municipality_code
    if profile.area_column:
        area_raw = chunk[profile.area_column]
        out["area_code"] = _by_value(area_raw, lambda v: ctx.areas.get(normalise(v)) if isinstance(v, str) else None)
        problems.add(out["area_code"].isna(), f"unknown_area:{profile.area_column}")
    else:  # the extract has no areas: the municipality must be its own only area
        out["area_code"] = ctx.areas.get(normalise(ctx.municipality_code))
        problems.add(out["area_code"].isna(), "unknown_area:municipality_code")
    _check_dates(out, ids, ctx, problems)
    key = list(table.key)
    duplicated = out.duplicated(subset=key, keep=False) & out[key].notna().all(axis=1)
    problems.add(duplicated, "duplicate_key")

    reasons = None
    if profile.extract == "referrals":
        reasons = _reasons(chunk, out, ctx, problems)
    bad = pd.Series(chunk.index.isin(list(problems.found)), index=chunk.index)
    quarantine = pd.DataFrame(
        {
            "line": chunk.loc[bad, "_line"].astype("int64"),
            "reasons": [",".join(problems.found[i]) for i in chunk.index[bad]],
            "identity": ids.loc[bad, "masked"],
        }
    )
    rows = out.loc[~bad, [c for c in table.column_names if c != "batch_id"]].reset_index(drop=True)
    good_ids = ids.loc[~bad]
    origin = pd.DataFrame({"line": chunk.loc[~bad, "_line"].astype("int64"), "identity": good_ids["masked"]})
    persons = good_ids.drop(columns=["identity_problem", "masked"]).drop_duplicates("person_key")
    if reasons is not None:
        reasons = reasons[~bad.loc[reasons.index].to_numpy()].reset_index(drop=True)
    return Transformed(
        rows, persons.reset_index(drop=True), reasons, quarantine.reset_index(drop=True), origin.reset_index(drop=True)
    )


def _check_dates(out: pd.DataFrame, ids: pd.DataFrame, ctx: Context, problems: _Problems) -> None:
    """Dates in the future, before the person's birth, in the wrong order."""
    dates = [c for c in out.columns if c in ctx.profile.table.column_names and _is_date(ctx, c)]
    for column in dates:
        values = pd.to_datetime(out[column])
        problems.add((values > pd.Timestamp(ctx.today)).fillna(False), f"future_date:{column}")
        born = ids["birth_year"].astype("Float64")
        problems.add((values.dt.year < born).fillna(False).astype(bool), f"before_birth:{column}")
    pairs = [
        ("received_date", "decision_date", "decision_before_receipt"),
        ("start_date", "end_date", "end_before_start"),
    ]
    for start, end, reason in pairs:
        if start in out.columns and end in out.columns:
            early = pd.to_datetime(out[end]) < pd.to_datetime(out[start])
            problems.add(early.fillna(False), f"{reason}:{end}")


def _is_date(ctx: Context, column: str) -> bool:
    return ctx.profile.table.column(column).type == "date"


def _reasons(chunk: pd.DataFrame, out: pd.DataFrame, ctx: Context, problems: _Problems) -> pd.DataFrame:
    """referral_reasons rows from the profile's reason column(s); unknown labels and no reason at all are problems."""
    profile = ctx.profile
    given = []
    for column in profile.reason_columns:
        texts = chunk[column].dropna().astype(str)
        if profile.reason_separator:
            texts = texts.str.split(profile.reason_separator, regex=False).explode().astype(str)
        texts = texts.str.strip()
        given.append(texts[texts != ""])
    labels = pd.concat(given) if given else pd.Series(dtype=object)
    code = _by_value(labels, _coder(profile.values.get("reason", {}), load_model().codes("referral_reason").values()))
    problems.add(chunk.index.isin(labels.index[code.isna()]), "unknown_code:reason")
    known = code.dropna()
    problems.add(~chunk.index.isin(known.index), "missing_reason")
    frame = pd.DataFrame({"referral_id": out.loc[known.index, "referral_id"].to_numpy(), "reason": known.to_numpy()})
    frame.index = known.index  # the row of the chunk, so reasons of quarantined rows can be left out
    return frame[~frame.duplicated()]


def _stripped(cells: pd.Series) -> pd.Series:
    """Cells without outer spaces; blank cells become missing."""
    text = cells.astype("str").str.strip()
    return text.where(text != "")


def _repeated_header(chunk: pd.DataFrame, profile: Profile) -> pd.Series:
    """Rows whose every read cell is the column's own header (compared as `normalise` does). Columns with few
    distinct values are checked first, and later columns only on the rows still in question."""
    candidate = pd.Series(True, index=chunk.index)
    coded = sorted(profile.columns, key=lambda c: not profile.table.column(c).codes)  # few distinct values first
    for header in (*[profile.columns[c] for c in coded], profile.identity_column):
        cells = chunk.loc[candidate, header]
        candidate.loc[candidate] = _by_value(cells, _is_label(header)).eq(True)
        if not candidate.any():
            break
    return candidate.astype(bool)


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


def _by_value(raw: pd.Series, function: Callable[[str], object]) -> pd.Series:
    """`function` of each cell, computed once per distinct value (extracts repeat a few labels many times);
    None where the cell is missing."""
    codes, distinct = pd.factorize(raw, use_na_sentinel=True)
    values = np.array([*map(function, distinct), None], dtype=object)  # code -1 (missing) takes the last
    return pd.Series(values[codes], index=raw.index, dtype=object)
