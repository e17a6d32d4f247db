"""`write_px`: a table as a PC-Axis (PX) file that `read_px`, PxWeb and pyaxis read.

A `PxSpec` holds the table: its texts per language (the first language is the default, written without
`[lang]`), its stub and heading variables (names and value labels per language, codes, time), and its cells in
file order (stub variables slowest, the last heading variable fastest) as values and symbols. A cell with a
symbol (`..` suppressed, `-` zero, ...) is written as that quoted symbol, a cell without a value as `"."`
(cannot occur); others as numbers, positional, with
at most 15 decimals (so a value reads back within 5e-16 of what was written). The file is UTF-8 and says so
(`CODEPAGE="utf-8"`, AXIS-VERSION 2013). Texts may not hold a double quote (the format has no escape): one is
written as a single quote.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from socialstat.errors import PxError
from socialstat.px.data import SYMBOLS

LANGUAGE_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")  # what read_px takes inside KEYWORD[...]
ITEMS_PER_LINE = 8  # list items per line (PX readers and editors prefer lines under 256 characters)
CELLS_PER_LINE = 12


@dataclass(frozen=True)
class PxVariable:
    """One stub or heading variable: `names[lang]`, `labels[lang]` (value labels, in order), `codes`."""

    names: dict[str, str]
    labels: dict[str, list[str]]
    codes: list[str] | None = None
    time: bool = False  # a time variable: TIMEVAL with TLIST(A1), its codes being years


@dataclass(frozen=True)
class PxSpec:
    """A table to write (see the module docstring)."""

    matrix: str
    languages: tuple[str, ...]
    title: dict[str, str]
    contents: dict[str, str]
    units: dict[str, str]
    subject_code: str
    subject_area: dict[str, str]
    stub: list[PxVariable]
    heading: list[PxVariable]
    values: Sequence[float | None]
    symbols: Sequence[str | None]
    decimals: int = 15
    showdecimals: int = 0
    source: dict[str, str] = field(default_factory=dict)
    notes: dict[str, str] = field(default_factory=dict)
    last_updated: str | None = None  # CCYYMMDD hh:mm
    symbol_texts: dict[str, dict[str, str]] = field(default_factory=dict)  # symbol → text per language


def write_px(path: str | os.PathLike[str], spec: PxSpec) -> None:
    """Write `spec` as a PX file at `path`; PxError if the cells do not fit the variables."""
    _check(spec)
    lines = ['CHARSET="ANSI";', 'CODEPAGE="utf-8";', 'AXIS-VERSION="2013";']
    default = spec.languages[0]
    lines.append(f"LANGUAGE={_quoted(default)};")
    lines.append(f"LANGUAGES={_list(spec.languages)};")
    if spec.last_updated:
        lines.append(f"CREATION-DATE={_quoted(spec.last_updated)};")
    lines += [f"DECIMALS={spec.decimals};", f"SHOWDECIMALS={spec.showdecimals};", f"MATRIX={_quoted(spec.matrix)};"]
    lines.append(f"SUBJECT-CODE={_quoted(spec.subject_code)};")
    for keyword, texts in (
        ("SUBJECT-AREA", spec.subject_area), ("TITLE", spec.title), ("CONTENTS", spec.contents),
        ("UNITS", spec.units),
    ):  # fmt: skip
        lines += _per_language(keyword, texts, spec.languages)
    variables = [*spec.stub, *spec.heading]
    for lang in spec.languages:
        for keyword, listed in (("STUB", spec.stub), ("HEADING", spec.heading)):
            if listed:  # an empty list cannot be written: `STUB=;` is not PX
                lines.append(f"{keyword}{_tag(lang, default)}={_list([v.names[lang] for v in listed])};")
    for variable in variables:
        for lang in spec.languages:
            tag, name = _tag(lang, default), _quoted(variable.names[lang])
            lines.append(f"VALUES{tag}({name})={_list(variable.labels[lang])};")
            if variable.time:
                lines.append(f"TIMEVAL{tag}({name})=TLIST(A1),{_list(variable.codes or variable.labels[lang])};")
            if variable.codes is not None:
                lines.append(f"CODES{tag}({name})={_list(variable.codes)};")
    if spec.last_updated:
        lines += _per_language("LAST-UPDATED", dict.fromkeys(spec.languages, spec.last_updated), spec.languages)
    lines += _per_language("SOURCE", spec.source, spec.languages)
    lines += _per_language("NOTE", spec.notes, spec.languages)
    for symbol, texts in spec.symbol_texts.items():
        keyword = "DATASYMBOLNIL" if symbol == "-" else f"DATASYMBOL{len(symbol)}"
        lines += _per_language(keyword, texts, spec.languages)
    lines.append("DATA=")
    lines += _data(spec)
    if any("\x00" in line for line in lines):
        raise PxError(f"{spec.matrix}: a text holds a NUL character, which a PX file cannot")
    with open(path, "w", encoding="utf-8", newline="\r\n") as out:
        out.write("\n".join(lines) + "\n")


def _check(spec: PxSpec) -> None:
    if not spec.languages:
        raise PxError(f"{spec.matrix}: a PX table needs at least one language")
    if len(set(spec.languages)) != len(spec.languages) or not all(map(LANGUAGE_CODE.fullmatch, spec.languages)):
        raise PxError(f"{spec.matrix}: languages {list(spec.languages)} must be distinct codes such as 'sv' or 'en'")
    for keyword, number in (("DECIMALS", spec.decimals), ("SHOWDECIMALS", spec.showdecimals)):
        if not 0 <= number <= 15:
            raise PxError(f"{spec.matrix}: {keyword} must be a whole number from 0 to 15, not {number}")
    variables = [*spec.stub, *spec.heading]
    if not variables:
        raise PxError(f"{spec.matrix}: a PX table needs a stub or a heading variable")
    for v in variables:
        sizes = {len(v.labels.get(lang, [])) for lang in spec.languages}
        if len(sizes) != 1 or not set(spec.languages) <= set(v.names):
            raise PxError(f"{spec.matrix}: variable {v.names}: names and labels are needed in every language")
        if sizes == {0}:
            raise PxError(f"{spec.matrix}: variable {v.names}: a variable needs at least one value")
        if v.codes is not None and len(v.codes) != sizes.pop():
            raise PxError(f"{spec.matrix}: variable {v.names}: as many codes as values are needed")
    for lang in spec.languages:  # read_px names a column after each variable, its codes, the value and the symbol
        columns = [
            _text(v.names[lang]) + suffix for v in variables for suffix in ("", "_code")[: 1 + (v.codes is not None)]
        ]
        clashes = sorted({c for c in columns if columns.count(c) > 1 or c in ("value", "symbol")})
        if clashes:
            raise PxError(f"{spec.matrix}: in {lang!r}, the variables' columns {clashes} clash (two variables named "
                          "alike, a name ending in _code, or value or symbol)")  # fmt: skip
    cells = math.prod(len(v.labels[spec.languages[0]]) for v in variables)
    if len(spec.values) != cells or len(spec.symbols) != cells:
        raise PxError(f"{spec.matrix}: {len(spec.values)} values for {cells} cells")
    unknown = {s for s in spec.symbols if s and s not in SYMBOLS}
    if unknown:
        raise PxError(f"{spec.matrix}: symbols {sorted(unknown)} are not PX symbols {SYMBOLS}")
    if any(v is not None and math.isinf(v) for v, s in zip(spec.values, spec.symbols, strict=True) if not s):
        raise PxError(f"{spec.matrix}: a cell is infinite; PX cells are finite numbers or symbols")


def _tag(lang: str, default: str) -> str:
    return "" if lang == default else f"[{lang}]"


def _text(text: str) -> str:
    """A text as written (and read back): a double quote becomes a single one, a line break a space."""
    return str(text).replace('"', "'").replace("\r", " ").replace("\n", " ")


def _quoted(text: str) -> str:
    return '"' + _text(text) + '"'


def _list(items: Sequence[str]) -> str:
    quoted = [_quoted(i) for i in items]
    return ",\n".join(",".join(quoted[k : k + ITEMS_PER_LINE]) for k in range(0, len(quoted), ITEMS_PER_LINE))


def _per_language(keyword: str, texts: dict[str, str], languages: Sequence[str]) -> list[str]:
    return [f"{keyword}{_tag(lang, languages[0])}={_quoted(texts[lang])};" for lang in languages if texts.get(lang)]


def _data(spec: PxSpec) -> list[str]:
    cells = []
    for value, symbol in zip(spec.values, spec.symbols, strict=True):
        if symbol:
            cells.append(f'"{symbol}"')
        elif value is None or (isinstance(value, float) and math.isnan(value)):
            cells.append('"."')  # no such cell (a unit that did not exist that year): cannot occur
        else:
            cells.append(np.format_float_positional(float(value), precision=15, unique=True, trim="-"))
    rows = [" ".join(cells[k : k + CELLS_PER_LINE]) for k in range(0, len(cells), CELLS_PER_LINE)]
    return [*rows[:-1], rows[-1] + ";"] if rows else [";"]
