"""A release as one Excel workbook: a sheet per area (the long table's rows of its indicators), a sheet of
definitions and a sheet about the release (symbols, footnotes, licence, content hash)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pandas as pd
import xlsxwriter

from socialstat.export.long import COLUMNS, NUMBERS

SHEET_NAME_MAX = 31  # Excel's limit
DEFINITIONS = {"sv": "Definitioner", "en": "Definitions"}
ABOUT = {"sv": "Om utgåvan", "en": "About the release"}


def write_xlsx(
    path: Path, long: pd.DataFrame, meta: dict[str, Any], manifest: dict[str, Any], lang: str, licence: str
) -> None:
    """Write the workbook (numbers as numbers; a suppressed cell's numbers empty, its status `..`)."""
    areas = meta.get("areas", {})
    with xlsxwriter.Workbook(str(path), {"constant_memory": True, "nan_inf_to_errors": False}) as book:
        # The release's time, not the clock's: the same release exports to the same bytes.
        book.set_properties({"created": dt.datetime.strptime(manifest["created_at"], "%Y-%m-%dT%H:%M:%SZ")})
        bold = book.add_format({"bold": True})
        for area, rows in long.groupby("area", sort=False):
            name = _sheet_name(areas.get(area, {}).get(lang, str(area)))
            _table(book.add_worksheet(name), rows[COLUMNS], bold)
        _definitions(book.add_worksheet(DEFINITIONS[lang]), meta, lang, bold)
        _about(book.add_worksheet(ABOUT[lang]), meta, manifest, lang, licence, bold)


def _sheet_name(text: str) -> str:
    cleaned = "".join(c for c in text if c not in "[]:*?/\\")
    return cleaned[:SHEET_NAME_MAX]


def _table(sheet: Any, rows: pd.DataFrame, bold: Any) -> None:
    sheet.write_row(0, 0, list(rows.columns), bold)
    columns: list[list[float | str | None]] = []  # each column as Python values, a missing one as None (blank)
    for name in rows.columns:
        column = rows[name]
        if name in NUMBERS or name == "period":
            columns.append([None if pd.isna(v) else float(v) for v in column.to_numpy(dtype=float)])
        else:
            columns.append([None if v is None or v == "" or (isinstance(v, float) and pd.isna(v)) else str(v)
                            for v in column.to_numpy(dtype=object)])  # fmt: skip
    write_number, write_string = sheet.write_number, sheet.write_string
    for r, record in enumerate(zip(*columns, strict=True), start=1):  # row by row: constant_memory flushes rows
        for c, value in enumerate(record):
            if value is None:
                continue
            if isinstance(value, float):
                write_number(r, c, value)
            else:
                write_string(r, c, value)
    sheet.freeze_panes(1, 0)


def _definitions(sheet: Any, meta: dict[str, Any], lang: str, bold: Any) -> None:
    header = ["indicator", "title", "area", "definition", "unit_of_measure", "statistic", "source", "legal"]
    sheet.write_row(0, 0, header, bold)
    for r, (indicator, info) in enumerate(sorted(meta["indicators"].items()), start=1):
        area = meta.get("areas", {}).get(info["area"], {}).get(lang, info["area"])
        sheet.write_row(
            r, 0,
            [indicator, info["title"][lang], area, info["definition"][lang], info["unit_of_measure"][lang],
             info["statistic"], info["source"][lang], info["legal"]],
        )  # fmt: skip


def _about(sheet: Any, meta: dict[str, Any], manifest: dict[str, Any], lang: str, licence: str, bold: Any) -> None:
    facts: list[tuple[str, str]] = [
        ("release", manifest["name"]),
        ("years", f"{manifest['years'][0]}-{manifest['years'][1]}"),
        ("created_at", manifest["created_at"]),
        ("content_sha256", manifest["content_sha256"]),
        ("socialstat_version", manifest["socialstat_version"]),
        ("licence", licence),
    ]
    facts += [(f"symbol {symbol}", text[lang]) for symbol, text in meta.get("symbols", {}).items()]
    facts += [(f"note {key}", text[lang]) for key, text in meta.get("footnotes", {}).items()]
    for r, (key, value) in enumerate(facts):
        sheet.write_string(r, 0, key, bold)
        sheet.write_string(r, 1, value)
