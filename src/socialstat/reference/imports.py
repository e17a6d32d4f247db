"""What the reference imports share: rule codes, problem collection, delimited-text reading and number parsing.

`import_population` (imports_population.py) and `import_costs` (imports_costs.py) read a user's file into a
canonical DataFrame. Both check every row, collect every problem per rule and column (with the lines or cells
where it occurs) and raise them together in one `ValidationError`; a file they cannot read at all is a
`LoadError`. Encodings are checked, never guessed silently (`socialstat.ingest.read.check_encoding`), and
names and labels are compared as ingest compares them (`socialstat.ingest.profile.normalise`: case and spacing
ignored).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import numpy as np
import pandas as pd

from socialstat.errors import LoadError, Problem, ValidationError
from socialstat.ingest.read import check_encoding
from socialstat.model import load_model
from socialstat.model.validate import validate_relation

# Rule code -> what it means (docs/how-to/import-population-and-costs.md lists the same).
RULES = {
    "missing_value": "a cell is empty or holds SCB's '..' (or another dot symbol) instead of a number",
    "invalid_number": "a value that is not a number (or, for population, not a whole number)",
    "out_of_range": "a negative number of inhabitants or a negative cost",
    "invalid_year": "a year that is not four digits between 1990 and 2100",
    "invalid_age": "an age that is not a single year of age (0, 1, ..., 100 or '100+')",
    "invalid_sex": "a sex that is neither men nor women (nor a total)",
    "unknown_area": "a region without an area code, or with one the given areas do not have",
    "unknown_code": "a service area that is neither a code of the service_area list nor one of its labels",
    "duplicate_key": "the same key twice in the file (every such row is reported)",
    "malformed_row": "a line with more or fewer fields than the header",
}
DELIMITERS = (",", ";", "\t")
MAX_PREAMBLE = 20  # lines searched for the header (SCB's downloads put a title and a blank line first)
MAX_LISTED = 5  # positions named in a problem's message
_SPACES = re.compile(r"[\s\u00a0\u202f\u2009]+")
_NUMBER = re.compile(r"[+-]?\d+(?:\.\d+)?")
_DOTS = re.compile(r"\.{1,6}")
_YEAR = re.compile(r"\d{4}")


class Findings:
    """The problems of one file, one `Problem` per check (a rule on a column), each naming where it occurs.

    `where` turns offending rows (a slice of the frame being checked, which has a `_row` column: the line or
    cell number) into position texts such as ``line 7`` or ``cell 12 (1480 Göteborg / 0 år / män / 2023)``.
    """

    def __init__(self, table: str, source: str, where: Callable[[pd.DataFrame], list[str]]) -> None:
        self.table = table
        self.source = source
        self.where = where
        self.problems: list[Problem] = []

    def check(
        self, reason: str, column: str | None, frame: pd.DataFrame, mask: pd.Series, message: str, values: pd.Series
    ) -> None:
        """Record `reason` for the rows of `frame` where `mask` holds; `values` gives the examples."""
        mask = mask.fillna(False).astype(bool)
        if not mask.any():
            return
        bad = frame.loc[mask].sort_values("_row", kind="stable")
        examples = tuple(repr(str(v)) for v in values.loc[bad.index].drop_duplicates().head(3))
        self.add(reason, column, self.where(bad.head(MAX_LISTED)), len(bad), int(bad["_row"].min()), message, examples)

    def add(
        self,
        reason: str,
        column: str | None,
        positions: Sequence[str],
        rows: int,
        first_row: int,
        message: str,
        examples: tuple[str, ...] = (),
    ) -> None:
        """Record one problem found in `rows` rows, naming the first few `positions`."""
        listed = ", ".join(positions)
        if rows > len(positions):
            listed += f" and {rows - len(positions)} more"
        text = f"{self.source}: {message} ({listed})"
        self.problems.append(Problem(reason, self.table, column, rows, text, examples, self.source, first_row))

    def malformed(self, lines: Sequence[int], width: int) -> None:
        """Record the lines that have more or fewer fields than the header's `width`."""
        if lines:
            where = [f"line {n}" for n in lines[:MAX_LISTED]]
            self.add(
                "malformed_row", None, where, len(lines), lines[0], f"more or fewer fields than the header's {width}"
            )

    def raise_if_any(self) -> None:
        """Raise every problem recorded so far together."""
        if self.problems:
            raise ValidationError(self.problems)


def lines_where(frame: pd.DataFrame) -> list[str]:
    """Positions of CSV rows: ``line 7`` (with the column header in wide layouts: ``line 7 (2023)``)."""
    if "_column" in frame.columns:
        return [f"line {r} ({c})" for r, c in zip(frame["_row"], frame["_column"], strict=True)]
    return [f"line {r}" for r in frame["_row"]]


@dataclass
class Delimited:
    """A delimited text file split into its header and records, each record with its line number."""

    source: str
    delimiter: str
    header: list[str]
    header_line: int
    records: list[tuple[int, list[str]]] = field(default_factory=list)
    malformed: list[int] = field(default_factory=list)  # lines with more or fewer fields than the header


def read_delimited(path: Path, is_header: Callable[[list[str]], bool], wanted: str) -> Delimited:
    """Read a CSV, semicolon- or tab-separated file whose header is the first line that `is_header` accepts.

    Title lines before the header (SCB's downloads have them) are skipped; the delimiter is the one that
    splits the header line into the most fields `is_header` accepts. Records end at the file's end or, after a
    blank line, at the first line with another number of fields (a footnote). `wanted` describes the header
    for the error raised when none is found.
    """
    if not path.is_file():
        raise LoadError(f"{path.name}: no such file")
    encoding = check_encoding(path, "detect")
    text = path.read_text(encoding=encoding)
    lines = io.StringIO(text, newline="").readlines()  # split as the csv module counts lines
    if not text.strip():
        raise LoadError(f"{path.name}: the file is empty")
    try:
        return _find_header(path.name, lines, is_header, wanted)
    except csv.Error as exc:  # e.g. an unclosed quote that runs on past the field size limit
        raise LoadError(f"{path.name}: not a readable delimited text file ({exc})") from None


def _find_header(source: str, lines: list[str], is_header: Callable[[list[str]], bool], wanted: str) -> Delimited:
    seen: list[str] = []
    for index, line in enumerate(lines[:MAX_PREAMBLE]):
        if not line.strip():
            continue
        candidates = [(d, _split(line, d)) for d in DELIMITERS]
        accepted = [(len(fields), d, fields) for d, fields in candidates if is_header(fields)]
        if accepted:
            _n, delimiter, header = max(accepted, key=lambda c: c[0])
            found = Delimited(source, delimiter, [h.strip() for h in header], index + 1)
            _records(found, "".join(lines[index + 1 :]))
            return found
        if not seen:
            seen = max((fields for _d, fields in candidates), key=len)
    raise LoadError(
        f"{source}: no header line naming {wanted} in the first {MAX_PREAMBLE} lines "
        f"(the first line has the fields {[s.strip() for s in seen][:10]})"
    )


def _split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader([line.rstrip("\r\n")], delimiter=delimiter), [])


def _records(found: Delimited, body: str) -> None:
    reader = csv.reader(io.StringIO(body, newline=""), delimiter=found.delimiter)
    width, after_blank, previous_end = len(found.header), False, 0
    for fields in reader:
        line = found.header_line + previous_end + 1
        previous_end = reader.line_num
        if not fields or all(not f.strip() for f in fields):
            after_blank = True
            continue
        if len(fields) != width:
            if after_blank:  # text below the table: SCB's footnotes
                return
            found.malformed.append(line)
            continue
        found.records.append((line, fields))


def parse_numbers(texts: pd.Series, *, decimal_comma: bool) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Numbers written as in Swedish files: ``3 712``, ``1 234,50`` (if `decimal_comma`), ``-`` for zero.

    Spaces (also no-break and thin spaces) are thousands separators. Returns the numbers (NaN where there is
    none), the mask of missing cells (empty or dots such as SCB's ``..``) and the mask of unreadable ones.
    """
    text = texts.fillna("").astype("str").str.replace(_SPACES, "", regex=True)
    if decimal_comma:
        text = text.str.replace(",", ".", regex=False)
    missing = (text == "") | text.str.fullmatch(_DOTS.pattern)
    text = text.where(text != "-", "0")  # SCB's nil: a true zero
    valid = text.str.fullmatch(_NUMBER.pattern) & ~missing
    numbers = pd.to_numeric(text.where(valid), errors="coerce").astype("float64")
    return numbers, missing, ~valid & ~missing


def map_distinct(series: pd.Series, func: Callable[[str], object]) -> pd.Series:
    """`func` applied once per distinct value (an object Series; None where `series` is missing).

    Files repeat each label thousands of times, so this is much faster than mapping every cell."""
    codes, distinct = pd.factorize(series, use_na_sentinel=True)
    mapped = np.empty(len(distinct) + 1, dtype=object)
    mapped[:-1] = [func(str(v)) for v in distinct]
    mapped[-1] = None  # code -1: a missing value
    return pd.Series(mapped[codes], index=series.index, dtype=object)


def parse_years(texts: pd.Series, table: str) -> pd.Series:
    """Four-digit years within the canonical bounds of `table`.year as Int64 (NA where invalid)."""
    column = load_model().table(table).column("year")
    low, high = column.min or 0, column.max or 9999

    def year(text: str) -> int | None:
        text = text.strip()
        return int(text) if _YEAR.fullmatch(text) and low <= int(text) <= high else None

    return map_distinct(texts, year).astype("Int64")


def check_canonical(frame: pd.DataFrame, table: str, source: str) -> pd.DataFrame:
    """The last line of defence: `frame` against the canonical model (types, codes, bounds, unique keys)."""
    problems = validate_relation(ibis.memtable(frame), table, source=source)
    if problems:
        raise ValidationError(problems)
    return frame


def sort_canonical(frame: pd.DataFrame, table: str) -> pd.DataFrame:
    """`frame` with exactly the canonical columns of `table`, sorted by its key, with a fresh index."""
    spec = load_model().table(table)
    frame = frame.sort_values(list(spec.key), kind="stable").reset_index(drop=True)
    return frame[list(spec.column_names)]


def repeated_keys(frame: pd.DataFrame, key: list[str]) -> pd.Series:
    """Mask of every row whose `key` occurs more than once (all of them, not only the repeats)."""
    return frame.duplicated(key, keep=False)
