"""Fuzz the CSV extract reader: any bytes, read as each shipped CSV profile, give text chunks or ExtractError.

Every chunk must hold the profile's columns and `_line`, with line numbers that only grow. Run:
`.venv/bin/python fuzz/fuzz_extract_csv.py fuzz/seeds/extract_csv` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.errors import SocialstatError
    from socialstat.ingest.profile import list_profiles, load_profile
    from socialstat.ingest.read import read_extract

PROFILES = [load_profile(name) for name in list_profiles() if load_profile(name).file.format == "csv"]
FOLDER = tempfile.TemporaryDirectory(prefix="fuzz-csv-")
PATH = Path(FOLDER.name) / "extract.csv"


def one_input(data: bytes) -> None:
    """Read `data` as a CSV file with every shipped CSV profile; raise only on a bug."""
    PATH.write_bytes(data)
    for profile in PROFILES:
        try:
            _, chunks = read_extract(PATH, profile)
            last = 0
            for chunk in chunks:
                missing = {*profile.read_columns, "_line"} - set(chunk.column_names)
                if missing:
                    raise AssertionError(f"{profile.name}: a chunk lacks {sorted(missing)}")
                lines = chunk["_line"].to_pylist()
                if lines != sorted(lines) or (lines and lines[0] <= last):
                    raise AssertionError(f"{profile.name}: line numbers out of order: {lines[:10]}")
                last = lines[-1] if lines else last
        except SocialstatError as err:
            if not str(err):
                raise AssertionError("an error without a message") from err


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
