"""The DATA section: cells as float64 values plus the special-cell symbol, dense or sparse (KEYS).

Cells are separated by spaces, tabs, line breaks, commas or semicolons; the section ends with ``;``. A cell is a
number or a special symbol, quoted as the format prescribes (``"."`` to ``"......"`` for the six DATASYMBOLs,
``"-"`` for DATASYMBOLNIL) or, leniently, bare. A dot symbol gives value NaN; ``"-"`` is a true zero shown as a
dash and gives value 0.0 (its symbol keeps the distinction). Splitting uses one regular expression over the whole
section and the classification runs on NumPy string arrays, so a million cells take well under a second.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialstat.errors import PxError

SYMBOLS = (".", "..", "...", "....", ".....", "......", "-")
NIL = "-"
_CELL = re.compile(r'"[^"\r\n]*"?|[^\s,;"\x1a]+')
_NOT_NUMERIC = re.compile(r"[^0-9.eE+\- ]")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")
_TRAILING = " \t\r\n\f\v\x1a"


@dataclass(frozen=True)
class Section:
    """The raw DATA text and where it starts, for messages."""

    text: str
    source: str
    line: int

    def where(self) -> str:
        return f"{self.source}, line {self.line}, DATA"

    def line_of(self, index: int) -> int:
        """The line of the `index`-th item (0-based) of the section."""
        for i, match in enumerate(_CELL.finditer(self.text)):
            if i == index:
                return self.line + self.text.count("\n", 0, match.start())
        return self.line + self.text.count("\n")


@dataclass(frozen=True)
class Cells:
    """Cell values (float64; NaN for dot symbols, 0.0 for "-") and symbols (object: str or None), in file order."""

    values: np.ndarray
    symbols: np.ndarray


def _items(section: Section) -> tuple[list[str], bool]:
    """The items of the section, and whether it ended with ';'."""
    body = section.text.rstrip(_TRAILING)
    terminated = body.endswith(";")
    return _CELL.findall(body[:-1] if terminated else body), terminated


def _count_error(section: Section, found: int, expected: str, terminated: bool) -> PxError:
    tail = "" if terminated else "; the section does not end with ';' (is the file truncated?)"
    return PxError(f"{section.where()}: has {found} cells but the dimensions give {expected}{tail}")


def _cells(items: np.ndarray, section: Section, offset: np.ndarray | None = None) -> Cells:
    """Classify a string array of items into values and symbols; `offset` maps positions back to item numbers."""
    quoted = np.strings.startswith(items, '"')
    if quoted.any():
        texts = items[quoted]
        broken = ~np.strings.endswith(texts, '"') | (np.strings.str_len(texts) < 2)
        if broken.any():
            raise _bad(section, items, quoted, broken, offset, "an unterminated quoted symbol")
        inner = np.strings.strip(texts, '"')
        unknown = ~np.isin(inner, SYMBOLS)
        if unknown.any():
            raise _bad(section, items, quoted, unknown, offset, f"not a data symbol (known: {', '.join(SYMBOLS)})")
        items = items.copy()
        items[quoted] = inner
    special = np.isin(items, SYMBOLS)
    values = np.zeros(len(items), dtype=np.float64)
    numbers = items[~special]
    if len(numbers):
        values[~special] = _numbers(numbers, section, ~special, offset)
    values[special & (items != NIL)] = np.nan
    symbols = np.full(len(items), None, dtype=object)
    symbols[special] = items[special].astype(object)
    return Cells(values, symbols)


def _numbers(numbers: np.ndarray, section: Section, where: np.ndarray, offset: np.ndarray | None) -> np.ndarray:
    """Parse number items (vectorised); on failure, name the first item that is not a plain finite number."""
    stray = _NOT_NUMERIC.search(" ".join(numbers.tolist()))
    parsed = None
    if stray is None:
        try:
            parsed = numbers.astype(np.float64)
        except ValueError:
            parsed = None
    if parsed is not None and np.isfinite(parsed).all():
        return parsed
    bad = np.array([not _NUMBER.fullmatch(text) for text in numbers.tolist()])
    if not bad.any():
        bad = ~np.isfinite(parsed) if parsed is not None else bad
    raise _bad(section, None, where, bad, offset, "not a number")


def _bad(
    section: Section,
    items: np.ndarray | None,
    subset: np.ndarray,
    bad: np.ndarray,
    offset: np.ndarray | None,
    rule: str,
) -> PxError:
    """An error naming the first offending item of `subset` (a mask over the items) and its line."""
    position = int(np.flatnonzero(subset)[np.argmax(bad)])
    index = int(offset[position]) if offset is not None else position
    text = _CELL.findall(section.text)[index] if items is None else str(items[position])
    return PxError(f"{section.source}, line {section.line_of(index)}, DATA: item {index + 1} {text[:40]!r} is {rule}")


def read_dense(section: Section, sizes: list[int]) -> Cells:
    """A dense DATA section: exactly prod(sizes) cells, stub slowest, last heading variable fastest."""
    items, terminated = _items(section)
    expected = int(np.prod(sizes, dtype=np.int64))
    if len(items) != expected or not terminated:
        raise _count_error(section, len(items), f"{' × '.join(map(str, sizes))} = {expected}", terminated)
    return _cells(np.array(items, dtype=str), section)


def read_sparse(section: Section, keys: list[tuple[str, str, list[str]]], heading_sizes: list[int]) -> Cells:
    """A KEYS section: each row is the quoted keys of every stub variable, then one row of heading cells.

    `keys` holds, per stub variable, its name, "VALUES" or "CODES", and the labels its keys are written in. Rows
    absent from the file are zero; a key that is not a label, or a row given twice, is an error.
    """
    items, terminated = _items(section)
    width = int(np.prod(heading_sizes, dtype=np.int64))
    row = len(keys) + width
    if len(items) % row or not terminated:
        tail = "" if terminated else "; the section does not end with ';' (is the file truncated?)"
        raise PxError(
            f"{section.where()}: {len(items)} items are not whole rows of {len(keys)} keys and {width} cells{tail}"
        )
    table = np.array(items, dtype=str).reshape(-1, row) if items else np.empty((0, row), dtype=str)
    positions = []
    for j, (name, kind, labels) in enumerate(keys):
        index = pd.Index(labels)
        if not index.is_unique:
            raise PxError(f"{section.where()}: the key labels of {name!r} are not unique, so keys are ambiguous")
        column = table[:, j]
        quoted = np.strings.startswith(column, '"') & np.strings.endswith(column, '"')
        found = index.get_indexer(np.strings.strip(column, '"').astype(object))
        if not (quoted.all() and (found >= 0).all()):
            first = int(np.argmax(~quoted | (found < 0)))
            rule = "is not quoted" if not quoted[first] else f"is not one of the {kind} of {name!r} (KEYS)"
            raise PxError(
                f"{section.source}, line {section.line_of(first * row + j)}, DATA: key {column[first][:40]} in "
                f"row {first + 1} {rule}"
            )
        positions.append(found)
    sizes = [len(labels) for _, _, labels in keys]
    rows = np.ravel_multi_index(positions, sizes) if positions else np.empty(0, dtype=np.int64)
    unique, counts = np.unique(rows, return_counts=True)
    if (counts > 1).any():
        twice = np.flatnonzero(rows == unique[np.argmax(counts > 1)])[1]
        raise PxError(
            f"{section.source}, line {section.line_of(int(twice) * row)}, DATA: row {twice + 1} repeats the keys "
            "of an earlier row"
        )
    offset = (np.arange(len(rows))[:, None] * row + len(keys) + np.arange(width)).ravel()
    given = _cells(table[:, len(keys) :].ravel(), section, offset)
    total = int(np.prod(sizes, dtype=np.int64)) * width
    values = np.zeros(total, dtype=np.float64)
    symbols = np.full(total, None, dtype=object)
    target = (rows[:, None] * width + np.arange(width)).ravel()
    values[target] = given.values
    symbols[target] = given.symbols
    return Cells(values, symbols)
