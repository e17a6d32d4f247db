"""Write canonical tables as a case-management system's extract: a profile run backwards.

`socialstat synth --extracts PROFILE` uses this to exercise ingest end to end. Labels, date and number formats,
header names, title rows, encodings and free-text columns are the profile's. Identity numbers come only from
Skatteverket's test series (reference/data/skatteverket_test_*.txt): each person gets one number of their own
birth year, sex and kind, in a fixed order, so a person has the same number in every extract of one synthetic
output. Persons for whom the series holds no number (it has a few hundred per birth year and sex; reserve
numbers are not in it) are left out of the extracts, and the report counts them.

With a defect rate, that share of rows gets one realistic defect each (`DEFECTS`), and the report lists the
line of every defective row with the reason ingest must give; rows with harmless variants (labels in other
case and spacing) must load all the same.
"""

from __future__ import annotations

import csv
import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from socialstat.errors import InvalidIdentityNumber
from socialstat.identity import parse_identity_number
from socialstat.ingest.profile import Profile

# Defect -> the reason ingest gives the row (the column, where there is one, is filled in per row).
DEFECTS = {
    "check_digit": "identity_check_digit",
    "missing_identity": "missing_value",
    "unknown_code": "unknown_code",
    "bad_date": "invalid_date",
    "future_date": "future_date",
    "missing_value": "missing_value",
    "duplicate": "duplicate_key",
}
FORMS = ("YYYYMMDD-NNNN", "YYYYMMDDNNNN", "YYMMDD-NNNN")
FILLER = {"namn": "Testperson Testsson", "adress": "Testgatan 1", "anteckning": "Fri text som aldrig läses in"}


@dataclass
class ExtractReport:
    """One written extract: where, how many rows, who was left out, which lines carry a defect."""

    path: Path
    municipality: str
    rows_written: int = 0
    rows_left_out: int = 0  # rows of persons without a test number
    defects: dict[int, str] = field(default_factory=dict)  # line -> reason ingest must give


@cache
def _test_numbers() -> dict[tuple[int, str, str], tuple[str, ...]]:
    """Skatteverket's test numbers by (birth year, sex, kind), in file order."""
    folder = resources.files("socialstat.reference").joinpath("data")
    supply: dict[tuple[int, str, str], list[str]] = {}
    for name in ("personnummer", "samordningsnummer"):
        for text in folder.joinpath(f"skatteverket_test_{name}.txt").read_text(encoding="utf-8").split():
            try:
                number = parse_identity_number(text, today=dt.date(2100, 1, 1))
            except InvalidIdentityNumber:  # the 24 with impossible dates (docs/reference/identity-numbers.md)
                continue
            supply.setdefault((number.birth_year, number.sex, number.kind), []).append(number.canonical)
    return {k: tuple(v) for k, v in supply.items()}


def assign_numbers(persons: pd.DataFrame) -> pd.Series:
    """A test identity number (12 digits) per person_key, matching birth year, sex and kind; None if none is left."""
    supply = _test_numbers()
    numbers: dict[str, str | None] = {}
    ordered = persons.sort_values("person_key")
    for group, frame in ordered.groupby(["birth_year", "sex", "identity_kind"], sort=False):
        available = supply.get((int(group[0]), str(group[1]), str(group[2])), ())
        for i, key in enumerate(frame["person_key"]):
            numbers[key] = available[i] if i < len(available) else None
    return pd.Series(numbers, dtype=object)


def _written(number: str, form: str, today: dt.date) -> str:
    if form == "YYYYMMDDNNNN":
        return number
    if form == "YYMMDD-NNNN":
        sep = "+" if today.year - int(number[:4]) >= 100 else "-"
        return f"{number[2:8]}{sep}{number[8:]}"
    return f"{number[:8]}-{number[8:]}"


def extract_frame(
    tables: dict[str, pd.DataFrame],
    profile: Profile,
    numbers: pd.Series,
    *,
    form: str = FORMS[0],
    today: dt.date | None = None,
) -> tuple[pd.DataFrame, int]:
    """The extract's rows as the system writes them (text cells, headers as in the profile); rows left out."""
    today = today or dt.date.today()
    table = profile.table
    rows = tables[table.name]
    person = table.personal_columns[0]
    number = rows[person].map(numbers)
    left_out = int(number.isna().sum())
    rows, number = rows[number.notna()].reset_index(drop=True), number[number.notna()].reset_index(drop=True)
    out = pd.DataFrame(index=rows.index)
    out[profile.identity_column] = [_written(n, form, today) for n in number]
    for canonical, header in profile.columns.items():
        out[header] = _column(rows[canonical], canonical, profile)
    if profile.area_column:
        if profile.area_match == "name":
            names = tables["areas"].set_index("area_code")["name"]
            out[profile.area_column] = rows["area_code"].map(names)
        else:
            out[profile.area_column] = rows["area_code"]
    if profile.extract == "referrals":
        _reason_columns(out, rows, tables["referral_reasons"], profile)
    for header in profile.drop:  # free text the system exports and ingest must never read
        word = header.split()[-1].casefold()
        out[header] = "" if "personn" in word else FILLER.get(word, "Fri text")
    return out, left_out


def _column(values: pd.Series, canonical: str, profile: Profile) -> pd.Series:
    column = profile.table.column(canonical)
    if column.codes:
        labels = profile.labels.get(canonical, {})
        return values.map(lambda v: None if v is None or v != v else labels.get(v, v))
    if column.type == "date":
        fmt = profile.file.date_formats[0]
        return values.map(lambda v: None if v is None or pd.isna(v) else pd.Timestamp(v).strftime(fmt))
    if column.type == "boolean":
        yes, no = profile.boolean_labels
        return values.map(lambda v: yes if v else no)
    if column.type == "float64":
        return values.map(lambda v: _number(float(v), profile))
    if column.type == "int64":
        return values.map(lambda v: None if pd.isna(v) else str(int(v)))
    return values.astype(object).where(values.notna(), None)


def _number(value: float, profile: Profile) -> str:
    text = f"{value:,.2f}"
    whole, fraction = text.split(".")
    return whole.replace(",", profile.file.thousands or "") + profile.file.decimal + fraction


def _reason_columns(out: pd.DataFrame, rows: pd.DataFrame, reasons: pd.DataFrame, profile: Profile) -> None:
    labels = profile.labels.get("reason", {})
    given = reasons.assign(label=reasons["reason"].map(lambda c: labels.get(c, c)))
    per_referral = given.sort_values(["referral_id", "reason"]).groupby("referral_id")["label"].agg(list)
    lists = rows["referral_id"].map(per_referral)
    if separator := profile.reason_separator:
        out[profile.reason_columns[0]] = lists.map(separator.join)
        return
    for i, column in enumerate(profile.reason_columns):
        out[column] = lists.map(lambda ls, i=i: ls[i] if i < len(ls) else None)
    if lists.map(len).max() > len(profile.reason_columns):
        raise ValueError(f"{profile.name}: a referral has more reasons than the profile has reason columns")


def add_defects(
    frame: pd.DataFrame, profile: Profile, rate: float, rng: np.random.Generator, today: dt.date
) -> tuple[pd.DataFrame, dict[int, str]]:
    """`frame` with a `rate` share of rows given one defect each (a duplicated row comes twice), and variants.

    Returns the frame and, per row position in it, a reason ingest must give (a defect can bring others along:
    a future received date also puts the decision before the receipt).
    """
    frame = frame.copy()
    n = len(frame)
    chosen = rng.choice(n, size=round(rate * n), replace=False) if n else np.array([], dtype=int)
    kinds = rng.choice(list(DEFECTS), size=len(chosen))
    table = profile.table
    codes = [h for c, h in profile.columns.items() if table.column(c).codes and not table.column(c).nullable]
    dates = [h for c, h in profile.columns.items() if table.column(c).type == "date" and not table.column(c).nullable]
    required = [h for c, h in profile.columns.items() if not table.column(c).nullable and c not in table.key]
    by_header = {h: c for c, h in profile.columns.items()}
    period = next((h for h in dates if by_header[h] == table.period), None)
    expected: dict[int, str] = {}
    duplicates: list[int] = []
    ident = profile.identity_column
    for i, kind in zip(chosen.tolist(), kinds.tolist(), strict=True):
        row = frame.index[i]
        if kind == "check_digit":
            text = frame.at[row, ident]
            frame.at[row, ident] = text[:-1] + str((int(text[-1]) + 1) % 10)
            expected[i] = f"identity_check_digit:{ident}"
        elif kind == "missing_identity":
            frame.at[row, ident] = None
            expected[i] = f"missing_value:{ident}"
        elif kind == "unknown_code" and codes:
            header = codes[i % len(codes)]
            frame.at[row, header] = "Okänd kod 99"
            expected[i] = f"unknown_code:{by_header[header]}"
        elif kind == "bad_date" and dates:
            header = dates[i % len(dates)]
            frame.at[row, header] = "2021-02-30"
            expected[i] = f"invalid_date:{by_header[header]}"
        elif kind == "future_date" and period:
            frame.at[row, period] = dt.date(today.year + 1, 12, 1).strftime(profile.file.date_formats[0])
            expected[i] = f"future_date:{table.period}"
        elif kind == "missing_value" and required:
            header = required[i % len(required)]
            frame.at[row, header] = None
            expected[i] = f"missing_value:{by_header[header]}"
        else:  # duplicate (and kinds the profile has no column for)
            duplicates.append(i)
    for i in range(0, n, 7):  # harmless variants: labels in another case and with spaces around them
        if i not in expected:
            for header in codes[:1]:
                value = frame.iat[i, frame.columns.get_loc(header)]
                if isinstance(value, str):
                    frame.iat[i, frame.columns.get_loc(header)] = f" {value.upper()}  "
    if duplicates:
        order = np.concatenate([np.arange(n), np.array(duplicates)])
        order.sort(kind="stable")
        positions = {int(i) for i in duplicates}
        frame = frame.iloc[order].reset_index(drop=True)
        shifted: dict[int, str] = {}
        offset = 0
        for i in range(n):
            if i in expected:
                shifted[i + offset] = expected[i]
            if i in positions:
                shifted[i + offset] = shifted[i + offset + 1] = "duplicate_key"
                offset += 1
        expected = shifted
    return frame, dict(sorted(expected.items()))


def write_frame(frame: pd.DataFrame, profile: Profile, path: Path) -> int:
    """Write `frame` in the profile's file format; the line (or sheet row) of the first data row."""
    f = profile.file
    first = f.header_row + 1
    path.parent.mkdir(parents=True, exist_ok=True)
    frame = frame.astype(object).where(frame.notna(), None)
    if f.format == "csv":
        encoding = "utf-8" if f.encoding == "detect" else f.encoding
        with path.open("w", encoding=encoding, newline="") as fh:
            for _ in range(f.header_row - 1):
                fh.write(f"Rapport: {profile.description}\r\n" if fh.tell() == 0 else "\r\n")
            writer = csv.writer(fh, delimiter=f.delimiter, lineterminator="\r\n")
            writer.writerow(frame.columns)
            writer.writerows(frame.itertuples(index=False, name=None))
        return first
    if f.format == "excel":
        import xlsxwriter

        book = xlsxwriter.Workbook(str(path))
        sheet = book.add_worksheet(f.sheet or "Blad1")
        if f.header_row > 1:
            sheet.write_string(0, 0, f"Rapport: {profile.description}")
        sheet.write_row(f.header_row - 1, 0, list(frame.columns))
        dates = book.add_format({"num_format": "yyyy-mm-dd"})
        date_headers = {h for c, h in profile.columns.items() if profile.table.column(c).type == "date"}
        for r, values in enumerate(frame.itertuples(index=False, name=None), start=f.header_row):
            for c, (header, value) in enumerate(zip(frame.columns, values, strict=True)):
                if value is None or (isinstance(value, float) and np.isnan(value)):
                    continue
                parsed = _iso_date(value) if header in date_headers else None
                if parsed:
                    sheet.write_datetime(r, c, parsed, dates)
                else:
                    sheet.write_string(r, c, str(value))
        book.close()
        return first
    frame.to_parquet(path, index=False)
    return 1


def _iso_date(value: object) -> dt.datetime | None:
    try:
        return dt.datetime.strptime(str(value), "%Y-%m-%d")
    except ValueError:
        return None
