"""Read an extract as its profile says: text cells of the columns ingest uses, in chunks, never anything else.

Every cell comes back as text (or None when empty), with `_line`, the row's line in the file, so problems can
name the row. A CSV line with too few or too many fields is not a loss: it comes back as a row with every cell
empty and `_malformed` saying why (its text is never kept), for ingest to quarantine; a blank line comes back as
a row of empty cells (quarantined as `empty_row`), so line numbers stay exact.
Columns the profile does not read are never converted into values; a column the profile needs but the file
lacks is an error naming the columns, before any row.

Encodings are checked, never guessed silently: the whole file is first streamed through the declared decoder.
Bytes that are not valid in it give an error with the byte offset and line; a file declared single-byte
(Windows-1252, Latin-1) whose non-ASCII bytes are valid UTF-8 is refused as probably UTF-8 (decoding it as
Windows-1252 would turn "ä" into "Ã¤"). `encoding: detect` takes UTF-8 (with or without a byte-order mark)
when the bytes are valid UTF-8, else Windows-1252.
"""

from __future__ import annotations

import codecs
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv

from socialstat.errors import LoadError
from socialstat.ingest.profile import Profile, normalise

BLOCK = 1 << 20
CHUNK_ROWS = 200_000
SINGLE_BYTE = {"cp1252", "latin_1", "iso8859_15", "cp850", "cp437"}


class ExtractError(LoadError):
    """An extract cannot be read as its profile says (encoding, header, format); nothing of it is loaded."""


@dataclass
class Progress:
    """How far reading has come, in bytes of the file (CSV) or rows (Excel, Parquet), for progress bars."""

    total: int
    done: int = 0


@dataclass(frozen=True)
class Opened:
    """What reading found out: the codec used and the file's header names for the profile's columns."""

    encoding: str
    headers: dict[str, str]  # the profile's header (as written in the profile) -> the header in the file
    progress: Progress


class _Counted(io.RawIOBase):
    """A binary file that counts the bytes read from it into a Progress."""

    def __init__(self, path: Path, progress: Progress) -> None:
        self._fh = path.open("rb")
        self._progress = progress

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        n = self._fh.readinto(buffer)
        self._progress.done += n or 0
        return n or 0

    def close(self) -> None:
        self._fh.close()
        super().close()


def _codec(name: str) -> str:
    return codecs.lookup(name).name.replace("-", "_")


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def check_encoding(path: Path, declared: str) -> str:
    """The codec to read `path` with (see the module docstring); an ExtractError instead of mangling."""
    with path.open("rb") as fh:
        head = fh.read(4)
    bom = head.startswith(codecs.BOM_UTF8)
    utf8_error = _first_invalid(path, "utf-8")
    if declared == "detect":
        if utf8_error is None:
            return "utf-8-sig" if bom else "utf-8"
        declared = "cp1252"
    codec = _codec(declared)
    if codec.startswith("utf_8"):
        if utf8_error is not None:
            raise ExtractError(
                f"{path.name}: not valid UTF-8 at byte {utf8_error} (line {_line_of(path, utf8_error)}); the profile "
                "says UTF-8 — is the file Windows-1252? Fix the profile's file.encoding or the file"
            )
        return "utf-8-sig" if bom or codec == "utf_8_sig" else "utf-8"
    if codec in SINGLE_BYTE and utf8_error is None and _has_non_ascii(path):
        raise ExtractError(
            f"{path.name}: the profile says {declared}, but the file is valid UTF-8 with non-ASCII characters; "
            "reading it as a single-byte encoding would garble å, ä and ö. Set file.encoding: utf-8 (or detect)"
        )
    error = _first_invalid(path, declared)
    if error is not None:
        raise ExtractError(f"{path.name}: not valid {declared} at byte {error} (line {_line_of(path, error)})")
    return declared


def _first_invalid(path: Path, encoding: str) -> int | None:
    """The byte offset of the first byte `encoding` cannot decode, or None if the whole file decodes."""
    decoder = codecs.getincrementaldecoder(encoding)(errors="strict")
    offset = 0
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            try:
                decoder.decode(block)
            except UnicodeDecodeError as exc:
                return offset + exc.start
            offset += len(block)
        try:
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return offset
    return None


def _count_lines(path: Path) -> int:
    """Physical lines: line breaks, plus one for a last line without a break."""
    count, last = 0, b""
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(BLOCK), b""):
            count += block.count(b"\n")
            last = block[-1:]
    return count + (1 if last not in (b"", b"\n") else 0)


def _has_non_ascii(path: Path) -> bool:
    with path.open("rb") as fh:
        return not all(block.isascii() for block in iter(lambda: fh.read(BLOCK), b""))


def _match_headers(names: list[str], profile: Profile, source: str) -> dict[str, str]:
    """Map the profile's headers to the file's (compared without regard to case and spacing)."""
    in_file = {normalise(n): n for n in names if n is not None}
    found, missing = {}, []
    for wanted in profile.read_columns:
        if normalise(wanted) in in_file:
            found[wanted] = in_file[normalise(wanted)]
        else:
            missing.append(wanted)
    if missing:
        raise ExtractError(
            f"{source}: the file lacks columns the profile {profile.name!r} reads: {missing} "
            f"(the header found on line {profile.file.header_row} has {len(in_file)} columns; wrong profile, "
            "wrong header_row, or renamed columns?)"
        )
    return found


def read_extract(path: str | Path, profile: Profile) -> tuple[Opened, Iterator[pd.DataFrame]]:
    """Open `path` as `profile` says: the header check happens now, the rows come in chunks from the iterator.

    Each chunk has one text column per header of `profile.read_columns` (named as in the profile) and `_line`.
    """
    path = Path(path)
    if not path.is_file():
        raise ExtractError(f"{path.name}: no such file")
    if path.stat().st_size == 0:
        raise ExtractError(f"{path.name}: the file is empty (0 bytes)")
    fmt = profile.file.format
    if fmt == "csv":
        return _read_csv(path, profile)
    if fmt == "excel":
        return _read_excel(path, profile)
    return _read_parquet(path, profile)


def _read_csv(path: Path, profile: Profile) -> tuple[Opened, Iterator[pd.DataFrame]]:
    f = profile.file
    encoding = check_encoding(path, f.encoding)
    with path.open(encoding=encoding, newline="") as fh:
        for _ in range(f.header_row - 1):
            fh.readline()
        header_line = fh.readline()
    if not header_line.strip():
        raise ExtractError(f"{path.name}: no header on line {f.header_row}")
    names = next(csv.reader(io.StringIO(header_line), delimiter=f.delimiter))
    headers = _match_headers(names, profile, path.name)
    if len(set(names)) != len(names):
        raise ExtractError(f"{path.name}: the header on line {f.header_row} repeats a column name")
    wanted = list(headers.values())
    skipped: dict[int, str | None] = {}  # line -> why a line is not a row (None: a blank line)

    def invalid_row(row: pacsv.InvalidRow) -> str:
        # Called for a line with too few or too many fields; its text (which may hold an identity number) is
        # not kept. Single-threaded parsing gives each its line number.
        blank = row.actual_columns == 1 and not row.text.strip()
        skipped[row.number] = None if blank else f"expected {row.expected_columns} fields, got {row.actual_columns}"
        return "skip"

    options = {
        "read_options": pacsv.ReadOptions(
            encoding=encoding, skip_rows=f.header_row - 1, block_size=32 << 20, use_threads=False
        ),
        "parse_options": pacsv.ParseOptions(
            delimiter=f.delimiter, newlines_in_values=False, ignore_empty_lines=False, invalid_row_handler=invalid_row
        ),
        "convert_options": pacsv.ConvertOptions(
            include_columns=wanted, column_types={c: pa.string() for c in wanted}, strings_can_be_null=True
        ),
    }
    rename = {v: k for k, v in headers.items()}

    progress = Progress(path.stat().st_size)

    def chunks() -> Iterator[pd.DataFrame]:
        line = f.header_row + 1
        try:
            for batch in pacsv.open_csv(_Counted(path, progress), **options):
                frame = batch.to_pandas().rename(columns=rename)
                lines, malformed, line = _assign_lines(len(frame), line, skipped)
                frame["_line"] = lines
                yield _with_malformed(frame, malformed)
            rest = sorted((n, why) for n, why in skipped.items() if why)
            if rest:
                yield _with_malformed(pd.DataFrame(columns=[*rename.values(), "_line"], dtype=object), rest)
        except pa.ArrowInvalid as exc:  # e.g. an unterminated quote: the file cannot be split into rows
            reason = _arrow_reason(exc)
            raise ExtractError(f"{path.name}: a malformed row at or after line {line}: {reason}") from None
        physical = _count_lines(path)
        accounted = line - 1 + len(skipped)  # rows and skipped lines up to the last row, and skipped lines after it
        if accounted != physical:  # a quote left open swallowed line breaks: rows were merged, not read
            raise ExtractError(
                f"{path.name}: the file has {physical} lines, but only {accounted} could be read as rows: a quote left "
                "open (or a line break inside a quoted value) merged lines; fix the quoting"
            )

    return Opened(encoding, headers, progress), chunks()


def _assign_lines(
    n: int, line: int, skipped: dict[int, str | None]
) -> tuple[range | list[int], list[tuple[int, str]], int]:
    """The lines of the next `n` rows from `line` on, skipping (and taking out of `skipped`) the lines that were
    not rows; the malformed ones among them; and the line after the last row."""
    if not any(line <= s < line + n for s in skipped):  # the common case: no line skipped here
        return range(line, line + n), [], line + n
    lines: list[int] = []
    malformed: list[tuple[int, str]] = []
    while len(lines) < n:  # good rows take the lines no skipped line took
        if line in skipped:
            why = skipped.pop(line)
            if why:
                malformed.append((line, why))
        else:
            lines.append(line)
        line += 1
    return lines, malformed, line


def _with_malformed(frame: pd.DataFrame, malformed: list[tuple[int, str]]) -> pd.DataFrame:
    """`frame` plus one row per malformed line (every cell empty, `_malformed` saying why), in line order."""
    frame = frame.assign(_malformed=None)
    if not malformed:
        return frame
    bad = pd.DataFrame({"_line": [n for n, _ in malformed], "_malformed": [why for _, why in malformed]})
    for column in frame.columns:
        if column not in bad.columns:
            bad[column] = None
    both = pd.concat([frame, bad[frame.columns]], ignore_index=True).astype({"_line": "int64"})
    return both.sort_values("_line", kind="stable").reset_index(drop=True)


def _arrow_reason(exc: Exception) -> str:
    """Arrow's parse message without the row's text (it may hold an identity number)."""
    found = re.search(r"Expected \d+ columns, got \d+", str(exc))
    return found.group(0).lower() if found else "malformed CSV (e.g. an unterminated quote)"


def _cell(value: object) -> str | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _read_excel(path: Path, profile: Profile) -> tuple[Opened, Iterator[pd.DataFrame]]:
    from python_calamine import CalamineWorkbook

    f = profile.file
    try:
        book = CalamineWorkbook.from_path(str(path))
        sheet = book.get_sheet_by_name(f.sheet) if f.sheet else book.get_sheet_by_index(0)
        rows = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises its own errors for corrupt or non-Excel files
        raise ExtractError(f"{path.name}: not a readable Excel workbook ({type(exc).__name__})") from None
    if len(rows) < f.header_row:
        raise ExtractError(f"{path.name}: no header on row {f.header_row} (the sheet has {len(rows)} rows)")
    names = [_cell(c) or "" for c in rows[f.header_row - 1]]
    headers = _match_headers(names, profile, path.name)
    index = {k: names.index(v) for k, v in headers.items()}

    def chunks() -> Iterator[pd.DataFrame]:
        body = rows[f.header_row :]
        for start in range(0, len(body), CHUNK_ROWS):
            part = body[start : start + CHUNK_ROWS]
            data = {k: [_cell(r[i]) if i < len(r) else None for r in part] for k, i in index.items()}
            frame = pd.DataFrame(data, dtype=object)
            frame["_line"] = range(f.header_row + 1 + start, f.header_row + 1 + start + len(part))
            progress.done += len(part)
            yield frame

    progress = Progress(max(len(rows) - f.header_row, 0))
    return Opened("xlsx", headers, progress), chunks()


def _read_parquet(path: Path, profile: Profile) -> tuple[Opened, Iterator[pd.DataFrame]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError):
        raise ExtractError(f"{path.name}: not a readable Parquet file") from None
    headers = _match_headers(parquet.schema_arrow.names, profile, path.name)
    rename = {v: k for k, v in headers.items()}

    def chunks() -> Iterator[pd.DataFrame]:
        line = 1
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=list(headers.values())):
            frame = batch.to_pandas().rename(columns=rename)
            frame = frame.astype(object).map(_cell)
            frame["_line"] = range(line, line + len(frame))
            line += len(frame)
            progress.done += len(frame)
            yield frame

    progress = Progress(parquet.metadata.num_rows)
    return Opened("parquet", headers, progress), chunks()
