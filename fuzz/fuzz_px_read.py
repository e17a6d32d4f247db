"""Fuzz the PX reader: any bytes read as a PX file give a table whose frames build in every language, or PxError.

Seeds: real PX files of Statistics Sweden (copies of tests/data/px/). Run:
`.venv/bin/python fuzz/fuzz_px_read.py fuzz/seeds/px_read` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.errors import PxError
    from socialstat.px import read_px

FOLDER = tempfile.TemporaryDirectory(prefix="fuzz-px-")
PATH = Path(FOLDER.name) / "table.px"


def one_input(data: bytes) -> None:
    """Read `data` as a PX file and build its frame in every language; raise only on a bug."""
    PATH.write_bytes(data)
    try:
        table = read_px(PATH)
        for lang in table.metadata.languages or (None,):
            frame = table.to_frame(lang)
            if len(frame) != len(table.values):
                raise AssertionError(f"{len(frame)} rows for {len(table.values)} cells")
    except PxError as err:
        if not str(err):
            raise AssertionError("an error without a message") from err


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
