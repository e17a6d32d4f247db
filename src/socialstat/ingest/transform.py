"""Turn a chunk of an extract into canonical rows, and every row that breaks a rule into a quarantine row.

Nothing is lost: each input row ends either in `rows` or in `quarantine` (with every reason it broke), never
in both, and the counts reconcile. The identity number becomes a key at once; the quarantine shows it masked
(`YYMMDD-****`). Rules and their reason codes are listed in docs/reference/validation-rules.md (`RULES`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
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
}
IDENTITY_RULES = (
    "identity_format", "identity_separator", "identity_check_digit", "identity_date", "identity_serial",
    "identity_future", "identity_organisation_number", "identity_reserve_not_allowed", "identity_unknown_date",
)  # fmt: skip


@dataclass(frozen=True)
class Context:
    """What a transformation needs besides the rows."""

    profile: Profile
    pseudonymiser: Pseudonymiser
    municipality_code: str
    areas: Mapping[str, str]  # normalised area code or name (as the profile matches) -> area_code
    today: dt.date = field(default_factory=dt.date.today)


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
    """Key, birth year, sex and kind per row, or the reason the number was refused (parsed once per value)."""
    parsed: dict[object, tuple[object, ...]] = {}
    for text in texts.dropna().unique():
        try:
            number = parse_identity_number(str(text), today=ctx.today, allow_reserve=ctx.profile.reserve_numbers)
        except InvalidIdentityNumber as exc:
            parsed[text] = (None, None, None, None, getattr(exc, "reason", "identity_format"), masked(str(text)))
            continue
        key = ctx.pseudonymiser.key(number.canonical)
        parsed[text] = (key, number.birth_year, number.sex, number.kind, None, masked(str(text)))
    columns = ["person_key", "birth_year", "sex", "identity_kind", "identity_problem", "masked"]
    empty = (None, None, None, None, "missing_value", "")
    return pd.DataFrame([parsed.get(t, empty) for t in texts], columns=columns, index=texts.index)


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
    empty = ~malformed & chunk[ctx.profile.read_columns].isna().all(axis=1)
    if malformed.any() or empty.any():
        result = transform(chunk[~malformed & ~empty], ctx)
        bad = pd.DataFrame(
            {
                "line": chunk.loc[malformed | empty, "_line"].astype("int64"),
                "reasons": np.where(malformed[malformed | empty], "malformed_row", "empty_row"),
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
        raw = chunk[header].where(chunk[header].isna(), chunk[header].astype(str).str.strip()).replace("", None)
        present = raw.notna()
        if column.codes:
            lookup = profile.values.get(canonical, {})
            codes = set(model.codes(column.codes).values())
            value = raw.map(lambda v, lookup=lookup, codes=codes: lookup.get(normalise(v), v if v in codes else None))
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
            value = raw.map(lambda v: profile.booleans.get(normalise(v)))
            value = value.where(present | raw.isna(), None)
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
        out["area_code"] = area_raw.map(lambda v: ctx.areas.get(normalise(v)) if isinstance(v, str) else None)
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
        reasons = reasons[reasons["referral_id"].isin(rows["referral_id"])].reset_index(drop=True)
    return Transformed(
        rows, persons.reset_index(drop=True), reasons, quarantine.reset_index(drop=True), origin.reset_index(drop=True)
    )


def _check_dates(out: pd.DataFrame, ids: pd.DataFrame, ctx: Context, problems: _Problems) -> None:
    """Dates in the future, before the person's birth, in the wrong order."""
    dates = [c for c in out.columns if c in ctx.profile.table.column_names and _is_date(ctx, c)]
    for column in dates:
        values = pd.to_datetime(out[column])
        problems.add(values.dt.date.gt(ctx.today).fillna(False), f"future_date:{column}")
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
    lookup = profile.values.get("reason", {})
    codes = set(load_model().codes("referral_reason").values())
    pairs: list[tuple[object, object, str]] = []
    unknown: set[object] = set()
    for column in profile.reason_columns:
        for i, text in chunk[column].items():
            if not isinstance(text, str) or not text.strip():
                continue
            parts = text.split(profile.reason_separator) if profile.reason_separator else [text]
            for part in (p for p in parts if p.strip()):
                code = lookup.get(normalise(part), part.strip() if part.strip() in codes else None)
                if code is None:
                    unknown.add(i)
                else:
                    pairs.append((i, out.at[i, "referral_id"], code))
    problems.add(chunk.index.isin(list(unknown)), "unknown_code:reason")
    with_reason = {i for i, _, _ in pairs}
    problems.add(~chunk.index.isin(list(with_reason)), "missing_reason")
    frame = pd.DataFrame([(r, c) for _, r, c in pairs], columns=["referral_id", "reason"])
    return frame.drop_duplicates().reset_index(drop=True)
