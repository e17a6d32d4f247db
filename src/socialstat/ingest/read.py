"""Read an extract as its profile says: text cells of the columns ingest uses, in chunks, never anything else.

Every cell comes back as text (missing when empty), with `_line`, the row's line in the file, so problems can
name the row. A CSV line with too few or too many fields is not a loss: it comes back as a row with every cell
empty and `_malformed` saying why (its text is never kept), for ingest to quarantine; a blank line comes back as
a row of empty cells (quarantined as `empty_row`), so line numbers stay exact. CSV is cut into blocks of whole
lines (`BLOCK_BYTES`), each parsed on its own, so memory stays flat however large the file; the rows and
set-aside lines of a block must account for every line in it, so a quote left open that merges lines is
refused (with the lines named) instead of silently swallowing rows. Line breaks inside quoted values are not
supported.
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
import contextlib
import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from socialstat.errors import LoadError
from socialstat.ingest.cells import text_table
from socialstat.ingest.profile import Profile, normalise

BLOCK = 1 << 20
BLOCK_BYTES = 32 << 20  # CSV is parsed this much at a time (about 180 000 rows of a typical extract)
CHUNK_ROWS = 200_000
MAX_LINE = 64 << 20  # a "line" longer than this is not a line of an extract
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


def _codec(name: str) -> str:
    return codecs.lookup(name).name.replace("-", "_")


def _line_of(path: Path, offset: int) -> int:
    with path.open("rb") as fh:
        return fh.read(offset).count(b"\n") + 1


def check_encoding(path: Path, declared: str) -> str:
    """The codec to read `path` with (see the module docstring); an ExtractError instead of mangling. The file is
    read once, through every decoder in question at the same time."""
    with path.open("rb") as fh:
        bom = fh.read(4).startswith(codecs.BOM_UTF8)
    single = "cp1252" if declared == "detect" else declared
    first, non_ascii = _scan(path, ("utf-8",) if _codec(single).startswith("utf_8") else ("utf-8", single))
    utf8_error = first["utf-8"]
    if declared == "detect":
        if utf8_error is None:
            return "utf-8-sig" if bom else "utf-8"
        declared = single
    codec = _codec(declared)
    if codec.startswith("utf_8"):
        if utf8_error is not None:
            raise ExtractError(
                f"{path.name}: not valid UTF-8 at byte {utf8_error} (line {_line_of(path, utf8_error)}); the profile "
                "says UTF-8 — is the file Windows-1252? Fix the profile's file.encoding or the file"
            )
        return "utf-8-sig" if bom or codec == "utf_8_sig" else "utf-8"
    if codec in SINGLE_BYTE and utf8_error is None and non_ascii:
        raise ExtractError(
            f"{path.name}: the profile says {declared}, but the file is valid UTF-8 with non-ASCII characters; "
            "reading it as a single-byte encoding would garble å, ä and ö. Set file.encoding: utf-8 (or detect)"
        )
    error = first[single]
    if error is not None:
        raise ExtractError(f"{path.name}: not valid {declared} at byte {error} (line {_line_of(path, error)})")
    return declared


def _scan(path: Path, encodings: tuple[str, ...]) -> tuple[dict[str, int | None], bool]:
    """One pass over the file: for each encoding the offset of the first byte it cannot decode (None when the
    whole file decodes), and whether any byte is not ASCII. A single-byte encoding is checked by looking for the
    bytes it leaves undefined (Windows-1252 has five), far faster than decoding."""
    single = {e: _undefined(_codec(e)) for e in encodings if _codec(e) in SINGLE_BYTE}
    decoders = {e: codecs.getincrementaldecoder(e)(errors="strict") for e in encodings if e not in single}
    first: dict[str, int | None] = dict.fromkeys(encodings)
    non_ascii, offset = False, 0
    with path.open("rb") as fh:
        while block := fh.read(BLOCK):
            non_ascii = non_ascii or not block.isascii()
            for encoding, decoder in decoders.items():
                if first[encoding] is None:
                    try:
                        decoder.decode(block)
                    except UnicodeDecodeError as exc:
                        first[encoding] = offset + exc.start
            for encoding, undefined in single.items():
                if first[encoding] is None and (found := [i for b in undefined if (i := block.find(b)) >= 0]):
                    first[encoding] = offset + min(found)
            offset += len(block)
    for encoding, decoder in decoders.items():
        if first[encoding] is None:
            try:
                decoder.decode(b"", final=True)
            except UnicodeDecodeError:
                first[encoding] = offset
    return first, non_ascii


def _undefined(codec: str) -> list[bytes]:
    """The bytes a single-byte codec cannot decode."""
    undefined = []
    for byte in range(256):
        try:
            bytes([byte]).decode(codec)
        except UnicodeDecodeError:
            undefined.append(bytes([byte]))
    return undefined


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


def read_extract(path: str | Path, profile: Profile) -> tuple[Opened, Iterator[pa.Table]]:
    """Open `path` as `profile` says: the header check happens now, the rows come in chunks from the iterator.

    Each chunk is an Arrow table with one text column per header of `profile.read_columns` (named as in the
    profile; string, or dictionary-encoded string) and `_line` (CSV chunks also `_malformed`).
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


def _read_csv(path: Path, profile: Profile) -> tuple[Opened, Iterator[pa.Table]]:
    f = profile.file
    encoding = check_encoding(path, f.encoding)
    with path.open("rb") as fh:
        for _ in range(f.header_row - 1):
            fh.readline()
        header_bytes = fh.readline()
        start = fh.tell()
    header_line = header_bytes.decode(encoding).lstrip("\ufeff")
    if not header_line.strip():
        raise ExtractError(f"{path.name}: no header on line {f.header_row}")
    if b"\n" not in header_bytes and b"\r" in header_bytes:
        raise ExtractError(
            f"{path.name}: lines end in a carriage return only (old Mac style); save it with CR LF or LF"
        )
    try:
        names = next(csv.reader(io.StringIO(header_line), delimiter=f.delimiter))
    except csv.Error:  # a carriage return inside the header line
        raise ExtractError(
            f"{path.name}: the header on line {f.header_row} is not one CSV line (a carriage return inside it?)"
        ) from None
    headers = _match_headers(names, profile, path.name)
    if len(set(names)) != len(names):
        raise ExtractError(f"{path.name}: the header on line {f.header_row} repeats a column name")
    wanted = list(headers.values())
    rename = {v: k for k, v in headers.items()}
    progress = Progress(path.stat().st_size, start)

    def chunks() -> Iterator[pa.Table]:
        line = f.header_row + 1
        for block, lines in _blocks(path, start):
            progress.done += len(block)
            table = _parse_block(block, line, lines, names, wanted, encoding, f.delimiter, path.name)
            yield table.rename_columns([rename.get(c, c) for c in table.column_names])
            line += lines

    return Opened(encoding, headers, progress), chunks()


def _blocks(path: Path, start: int) -> Iterator[tuple[memoryview, int]]:
    """The file from byte `start` in blocks of about `BLOCK_BYTES`, each ending at a line break (or the end), with
    the number of lines in each. One buffer is read into and reused (a block is parsed before the next is read,
    and Arrow copies what it keeps), so no block is copied."""
    buffer = bytearray(BLOCK_BYTES)
    carry = 0  # bytes of a line begun at the end of the last block, moved to the front
    with path.open("rb") as fh:
        fh.seek(start)
        while True:
            if carry == len(buffer):  # one line longer than the buffer: let it grow, up to a point
                if len(buffer) >= MAX_LINE:
                    raise ExtractError(
                        f"{path.name}: no line break in the {len(buffer):,} bytes from byte {fh.tell() - carry}: "
                        "not a file of lines (the wrong line endings, or not CSV at all?)"
                    )
                buffer.extend(bytes(len(buffer)))
            read = fh.readinto(memoryview(buffer)[carry:])
            size = carry + read
            if read == 0:
                if carry:  # the last line, without its line break
                    with memoryview(buffer) as view, view[:carry] as block:
                        yield block, buffer.count(b"\n", 0, carry) + 1
                return
            cut = buffer.rfind(b"\n", 0, size) + 1
            if cut:
                with memoryview(buffer) as view, view[:cut] as block:
                    yield block, buffer.count(b"\n", 0, cut)
            buffer[: size - cut] = buffer[cut:size]
            carry = size - cut


def _parse_block(
    block: memoryview,
    first_line: int,
    physical: int,
    names: list[str],
    wanted: list[str],
    encoding: str,
    delimiter: str,
    source: str,
) -> pa.Table:
    """One block of whole lines as text cells of the `wanted` columns, with `_line` and `_malformed`.

    A line with too few or too many fields becomes a row of empty cells saying why (its text, which may hold an
    identity number, is never kept); a blank line, a row of empty cells. The rows and set-aside lines must account
    for every line of the block: otherwise a quote left open has merged lines, and the file is refused.
    """
    skipped: dict[int, str | None] = {}  # line -> why it is not a row (None: a blank line)

    def invalid_row(row: pacsv.InvalidRow) -> str:
        blank = row.actual_columns == 1 and not row.text.strip()
        why = None if blank else f"expected {row.expected_columns} fields, got {row.actual_columns}"
        skipped[first_line + row.number - 1] = why
        return "skip"

    def read(encoding: str, cell: pa.DataType, handler: Any) -> pa.Table:
        return pacsv.read_csv(
            pa.BufferReader(pa.py_buffer(block)),
            read_options=pacsv.ReadOptions(
                encoding=encoding, column_names=names, use_threads=False, block_size=len(block) + 1
            ),
            parse_options=pacsv.ParseOptions(
                delimiter=delimiter, newlines_in_values=False, ignore_empty_lines=False, invalid_row_handler=handler
            ),
            convert_options=pacsv.ConvertOptions(
                include_columns=wanted, column_types=dict.fromkeys(wanted, cell), strings_can_be_null=True
            ),
        )

    table = None
    if _codec(encoding) in SINGLE_BYTE:  # fast: cut the bytes, then decode the cells (Arrow's decoding is slow)
        with contextlib.suppress(pa.ArrowInvalid):  # a line to set aside: the careful way below
            table = read("utf8", pa.binary(), None)
            table = pa.table({c: _decoded(table[c], encoding) for c in table.column_names})
    if table is None:
        try:
            table = read(encoding, pa.string(), invalid_row)
        except pa.ArrowInvalid as exc:
            raise ExtractError(
                f"{source}: a malformed row at or after line {first_line}: {_arrow_reason(exc)}"
            ) from None
    if table.num_rows + len(skipped) != physical:  # a quote left open swallowed line breaks
        raise ExtractError(
            f"{source}: lines {first_line}-{first_line + physical - 1} hold {physical} lines, but only "
            f"{table.num_rows + len(skipped)} could be read as rows: a quote left open (or a line break inside a "
            "quoted value) merged lines; fix the quoting"
        )
    every = np.arange(first_line, first_line + physical, dtype=np.int64)
    lines = every[~np.isin(every, list(skipped))] if skipped else every  # rows take the lines not set aside
    table = table.append_column("_line", pa.array(lines))
    return _with_malformed(table, sorted((n, why) for n, why in skipped.items() if why))


def _decoded(cells: pa.ChunkedArray, encoding: str) -> pa.Array:
    """Cells of a single-byte encoding as text: as they are when every byte is ASCII, else dictionary-encoded
    with each distinct value decoded once (the file was checked to decode, see `check_encoding`; the transform
    works per distinct value anyway)."""
    cells = cells.combine_chunks()
    data = cells.buffers()[2]
    if data is not None and np.frombuffer(data, dtype=np.uint8).max(initial=0) >= 0x80:
        encoded = pc.dictionary_encode(cells)
        texts = pa.array([v.decode(encoding) for v in encoded.dictionary.to_pylist()], pa.string())
        return pa.DictionaryArray.from_arrays(encoded.indices, texts)
    return cells.cast(pa.string())  # all ASCII, the same in UTF-8


def _with_malformed(table: pa.Table, malformed: list[tuple[int, str]]) -> pa.Table:
    """`table` plus one row per malformed line (every cell empty, `_malformed` saying why), in line order."""
    table = table.append_column("_malformed", pa.nulls(table.num_rows, pa.string()))
    if not malformed:
        return table
    bad = {c.name: pa.nulls(len(malformed), c.type) for c in table.schema}
    bad["_line"] = pa.array([n for n, _ in malformed], pa.int64())
    bad["_malformed"] = pa.array([why for _, why in malformed], pa.string())
    both = pa.concat_tables([table, pa.table(bad, schema=table.schema)])
    return both.sort_by("_line")


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


def _read_excel(path: Path, profile: Profile) -> tuple[Opened, Iterator[pa.Table]]:
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

    def chunks() -> Iterator[pa.Table]:
        body = rows[f.header_row :]
        for start in range(0, len(body), CHUNK_ROWS):
            part = body[start : start + CHUNK_ROWS]
            data = {k: [_cell(r[i]) if i < len(r) else None for r in part] for k, i in index.items()}
            first = f.header_row + 1 + start
            progress.done += len(part)
            yield text_table(data, range(first, first + len(part)))

    progress = Progress(max(len(rows) - f.header_row, 0))
    return Opened("xlsx", headers, progress), chunks()


def _read_parquet(path: Path, profile: Profile) -> tuple[Opened, Iterator[pa.Table]]:
    import pyarrow.parquet as pq

    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError):
        raise ExtractError(f"{path.name}: not a readable Parquet file") from None
    headers = _match_headers(parquet.schema_arrow.names, profile, path.name)
    rename = {v: k for k, v in headers.items()}

    def chunks() -> Iterator[pa.Table]:
        line = 1
        for batch in parquet.iter_batches(batch_size=CHUNK_ROWS, columns=list(headers.values())):
            data = {rename[c]: [_cell(v) for v in batch.column(c).to_pylist()] for c in batch.schema.names}
            progress.done += batch.num_rows
            yield text_table(data, range(line, line + batch.num_rows))
            line += batch.num_rows

    progress = Progress(parquet.metadata.num_rows)
    return Opened("parquet", headers, progress), chunks()
