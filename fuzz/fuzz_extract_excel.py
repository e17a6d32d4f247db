"""Fuzz the Excel extract reader: bytes read as an .xlsx file with each shipped Excel profile give text chunks
or ExtractError. Byte 0 chooses what the rest is: the whole file (0), or one part of a valid workbook,
repacked into it so the zip stays readable: the sheet (1), the shared strings (2), the workbook (3) or the
styles (4). Seeds are small valid workbooks and their parts. Run:
`.venv/bin/python fuzz/fuzz_extract_excel.py fuzz/seeds/extract_excel` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import io
import sys
import tempfile
import zipfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.errors import SocialstatError
    from socialstat.ingest.profile import list_profiles, load_profile
    from socialstat.ingest.read import read_extract

PROFILES = [load_profile(name) for name in list_profiles() if load_profile(name).file.format == "excel"]
TEMPLATE = Path(__file__).resolve().parent / "seeds" / "extract_excel" / "workbook.xlsx"
PARTS = ("xl/worksheets/sheet1.xml", "xl/sharedStrings.xml", "xl/workbook.xml", "xl/styles.xml")
FOLDER = tempfile.TemporaryDirectory(prefix="fuzz-excel-")
PATH = Path(FOLDER.name) / "extract.xlsx"


def workbook(data: bytes) -> bytes:
    """The file to read: `data[1:]` itself, or the template workbook with one part replaced by it."""
    if not data or data[0] % (len(PARTS) + 1) == 0:
        return data[1:]
    part = PARTS[data[0] % (len(PARTS) + 1) - 1]
    out = io.BytesIO()
    with zipfile.ZipFile(TEMPLATE) as template, zipfile.ZipFile(out, "w") as book:
        for item in template.infolist():
            book.writestr(item, data[1:] if item.filename == part else template.read(item))
    return out.getvalue()


def one_input(data: bytes) -> None:
    """Read the workbook made of `data` with every shipped Excel profile; raise only on a bug."""
    PATH.write_bytes(workbook(data))
    for profile in PROFILES:
        try:
            _, chunks = read_extract(PATH, profile)
            for chunk in chunks:
                missing = {*profile.read_columns, "_line"} - set(chunk.column_names)
                if missing:
                    raise AssertionError(f"{profile.name}: a chunk lacks {sorted(missing)}")
                bad = [
                    v
                    for c in profile.read_columns
                    for v in chunk[c].to_pylist()
                    if v is not None and not isinstance(v, str)
                ]
                if bad:
                    raise AssertionError(f"{profile.name}: cells that are not text: {bad[:3]}")
        except SocialstatError as err:
            if not str(err):
                raise AssertionError("an error without a message") from err


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
