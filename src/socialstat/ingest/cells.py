"""Columns of text cells as Arrow arrays, and what ingest's rules need done to them, fast.

Extracts repeat a few values many times (codes, dates, areas, persons), so most work is done once per distinct
value: a column is dictionary-encoded, a function runs over its distinct values (in Python, or in pandas for
dates and numbers, whose parsing rules are pandas'), and the results are taken back to the rows by index. Columns
of unique values (identifiers) are only trimmed, in Arrow's kernels. Masks of rows are NumPy boolean arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

# What Python's str.strip() removes: Arrow's own notion of whitespace differs (e.g. on U+001C..U+001F).
WHITESPACE = "".join(c for c in map(chr, range(0x110000)) if c.isspace())


@dataclass(frozen=True)
class Distinct:
    """A column as its distinct values and, per row, the index of its value (`len(values)` for a missing cell)."""

    codes: np.ndarray
    values: list[Any]

    @property
    def missing(self) -> np.ndarray:
        """Rows whose cell is missing."""
        return np.asarray(self.codes == len(self.values))

    def take(self, results: pa.Array) -> pa.Array:
        """One result per distinct value, taken back to the rows (a missing cell gets null)."""
        return pa.concat_arrays([results, pa.nulls(1, results.type)]).take(self.codes)

    def map(self, function: Callable[[Any], Any], type: pa.DataType) -> pa.Array:
        """`function` of each row's value, computed once per distinct value; null where the cell is missing."""
        return self.take(pa.array([function(v) for v in self.values], type=type))

    def trimmed(self) -> Distinct:
        """The values without outer whitespace (as `str.strip` sees it); blank cells become missing."""
        values = [v.strip() for v in self.values]
        blank = np.array([not v for v in values] + [True])
        codes = np.where(blank[self.codes], len(values), self.codes) if blank[:-1].any() else self.codes
        return Distinct(codes, values)


def text_table(data: Mapping[str, Sequence[str | None]], lines: Sequence[int]) -> pa.Table:
    """Columns of text cells (None for empty) and their lines, as a chunk of an extract."""
    columns = {k: pa.array(v, pa.string()) for k, v in data.items()}
    return pa.table({**columns, "_line": pa.array(lines, pa.int64())})


def text(cells: pa.Array | pa.ChunkedArray) -> pa.Array:
    """One array of text cells (a dictionary-encoded column decoded)."""
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    return cells.dictionary_decode() if pa.types.is_dictionary(cells.type) else cells


def distinct(cells: pa.Array | pa.ChunkedArray) -> Distinct:
    """`cells` dictionary-encoded (as they are, if the reader encoded them already)."""
    if isinstance(cells, pa.ChunkedArray):
        cells = cells.combine_chunks()
    if isinstance(cells, pa.ExtensionArray):  # e.g. person keys as UUIDs: their bytes
        cells = cells.storage
    encoded = cells if pa.types.is_dictionary(cells.type) else pc.dictionary_encode(cells)
    values = encoded.dictionary.to_pylist()
    codes = pc.fill_null(encoded.indices, len(values)).to_numpy(zero_copy_only=False).astype(np.int64)
    return Distinct(codes, values)


def by_value(cells: pa.Array | pa.ChunkedArray, function: Callable[[Any], Any], type: pa.DataType) -> pa.Array:
    """`function` of each cell, computed once per distinct value; null where the cell is missing."""
    return distinct(cells).map(function, type)


def trimmed(cells: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Cells without outer whitespace (as `str.strip` sees it); blank cells become missing. For columns of
    unique values; `Distinct.trimmed` for columns that repeat values."""
    trimmed = pc.utf8_trim(text(cells), characters=WHITESPACE)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def nulls(values: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """Rows where `values` is missing."""
    return np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)


def truth(mask: pa.Array | pa.ChunkedArray) -> np.ndarray:
    """A boolean Arrow array as a NumPy mask (missing counts as false)."""
    return np.asarray(pc.fill_null(mask, False).to_numpy(zero_copy_only=False), dtype=bool)


def dates(found: Distinct, formats: tuple[str, ...]) -> pa.Array:
    """Dates read with the first of `formats` (then ISO) that fits, as pandas reads them; null if none does."""
    raw = pd.Series(found.values, dtype=object)
    # Seconds, not pandas' nanoseconds: a date such as 3000-01-01 is a date (in the future), not an overflow.
    out = pd.Series(pd.NaT, index=raw.index, dtype="datetime64[s]")
    for fmt in (*formats, "%Y-%m-%d"):
        todo = out.isna()
        if not todo.any():
            break
        out[todo] = pd.to_datetime(raw[todo].str.strip(), format=fmt, errors="coerce").astype("datetime64[s]")
    return found.take(pa.array(out, type=pa.timestamp("s")).cast(pa.date32()))


def numbers(found: Distinct, decimal: str, thousands: str | None) -> np.ndarray:
    """Numbers read with the profile's separators, as floats; NaN where a cell is missing or no number."""
    text = pd.Series(found.values, dtype=object).str.strip().str.replace("\u00a0", " ")
    if thousands:
        text = text.str.replace(thousands, "", regex=False)
    if decimal != ".":
        text = text.str.replace(decimal, ".", regex=False)
    parsed = pd.to_numeric(text, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return np.append(parsed, np.nan)[found.codes]


def days(values: pa.Array) -> np.ndarray:
    """A date32 array as NumPy days (NaT where missing), for comparing."""
    return np.asarray(values.to_numpy(zero_copy_only=False), dtype="datetime64[D]")


def groups(columns: list[pa.Array]) -> tuple[np.ndarray, np.ndarray]:
    """Per row, a number shared exactly by the rows with equal values in every column; and whether any of them is
    missing (those rows belong to no group)."""
    combined = np.zeros(len(columns[0]) if columns else 0, dtype=np.int64)
    missing = np.zeros(len(combined), dtype=bool)
    for column in columns:
        found = distinct(column)
        missing |= found.missing
        combined = combined * (len(found.values) + 1) + found.codes
        if len(columns) > 1:  # numbered again from 0, so that they stay below the number of rows
            combined = np.unique(combined, return_inverse=True)[1].astype(np.int64)
    return combined, missing


def repeated(group: np.ndarray) -> np.ndarray:
    """Rows whose group number (small and not negative) occurs more than once."""
    return np.asarray(np.bincount(group)[group] > 1) if len(group) else np.zeros(0, dtype=bool)
