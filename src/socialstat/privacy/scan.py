"""`socialstat privacy-scan`: look through files for what must never leave the database (docs/security.md).

Each file is read as what it is, so that nothing hides from the detectors of `socialstat.privacy.detect`:
text files line by line (UTF-8, else Windows-1252); CSV cell by cell with the header row checked as field names;
JSON value by value with every key checked; HTML and SVG as text plus every ``data:`` URI decoded (the report's
charts are base64 SVG); PDF page by page through its extracted text and metadata; Excel cell by cell (the first
non-empty row of a sheet as field names); Parquet column by column (names, text and integer values); zip and gzip
archives member by member. Any other file is read as bytes decoded as Latin-1, so a number written in a binary
file is still seen. Findings never repeat what they found (`detect.Hit.shown` is masked).
"""

from __future__ import annotations

import base64
import binascii
import csv
import gzip
import html
import io
import json
import os
import re
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import unquote_to_bytes

from socialstat.errors import ConfigurationError
from socialstat.privacy import detect

TEXT_SUFFIXES = frozenset(
    {".txt", ".md", ".log", ".json", ".csv", ".tsv", ".html", ".htm", ".svg", ".xml", ".px", ".js", ".css", ".yaml",
     ".yml", ".ini", ".toml", ".sql", ".j2"}
)  # fmt: skip
_DATA_URI = re.compile(rb"data:([\w/+.-]*)((?:;[\w=.-]+)*?)(;base64)?,([A-Za-z0-9+/=%._~!$&'()*-]+)")
MARKUP_SUFFIXES = frozenset({".html", ".htm", ".svg", ".xml"})
HEADER_ROWS = 10  # in a sheet, the rows where a field name is looked for (titles may come first)
MAX_NESTING = 3  # archives inside archives inside archives; deeper is reported, not opened


@dataclass(frozen=True)
class Finding:
    """Something found: the file, where in it (line, page, cell, column, key), what, masked, and a note."""

    path: str
    where: str
    kind: str
    shown: str
    note: str = ""

    def __str__(self) -> str:
        note = f" ({self.note})" if self.note else ""
        return f"{self.path}:{self.where}: {self.kind.replace('_', ' ')} {self.shown}{note}"


@dataclass
class ScanReport:
    """What a scan looked at and found."""

    files: int = 0
    bytes: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings

    def as_dict(self) -> dict[str, Any]:
        counts = {kind: sum(f.kind == kind for f in self.findings) for kind in detect.KINDS}
        return {
            "files": self.files,
            "bytes": self.bytes,
            "clean": self.clean,
            "counts": counts,
            "findings": [asdict(f) for f in self.findings],
        }


def scan_paths(paths: Iterable[str | os.PathLike[str]], *, key_secret: str | None = None) -> ScanReport:
    """Scan files and folders (recursively, hidden files included; symbolic links are not followed)."""
    report = ScanReport()
    for given in paths:
        root = Path(given)
        if not root.exists():
            raise ConfigurationError(f"{root}: no such file or folder to scan")
        files = [root] if root.is_file() else sorted(p for p in root.rglob("*") if p.is_file() and not p.is_symlink())
        for path in files:
            data = path.read_bytes()
            report.files += 1
            report.bytes += len(data)
            report.findings += _scan(str(path), path.name, data, key_secret, 0)
    return report


def _finding(label: str, where: str, hit: detect.Hit) -> Finding:
    """A finding whose path and place are masked too (a file or key may be named after what it holds)."""
    return Finding(detect.redact(label), detect.redact(where), hit.kind, hit.shown, hit.note)


def _scan(label: str, name: str, data: bytes, key_secret: str | None, depth: int) -> list[Finding]:
    """The findings in one file's bytes (and its name), read by the kind of file its name and first bytes say it
    is; a file that cannot be read to the end is reported unreadable (it is not known to be clean)."""
    suffix = Path(name.lower()).suffix
    found = [_finding(label, "file name", hit) for hit in detect.in_text(name, key_secret)]
    try:
        for where, hit in _pieces(label, suffix, data, key_secret, depth, found):
            found.append(_finding(label, where, hit))
    except Exception as exc:  # a damaged file breaks readers in their own ways: never the scan
        found.append(
            _finding(label, "file", detect.Hit(detect.UNREADABLE, "", f"cannot be read ({type(exc).__name__})"))
        )
    return found


def _pieces(
    label: str, suffix: str, data: bytes, key_secret: str | None, depth: int, nested: list[Finding]
) -> Iterator[tuple[str, detect.Hit]]:
    """(where, hit) for one file; archives add their members' findings to `nested` directly."""
    if data[:4] == b"PK\x03\x04":  # a workbook if calamine reads it, else the archive's members
        sheets = _sheets(data) if suffix in {".xlsx", ".xlsm"} else None
        if sheets is None:
            nested += _archive(label, data, key_secret, depth)
        else:
            yield from _excel(sheets, key_secret)
    elif data[:2] == b"\x1f\x8b":
        nested += _gzip(label, suffix, data, key_secret, depth)
    elif data[:5] == b"%PDF-":
        yield from _pdf(data, key_secret)
    elif data[:4] == b"PAR1":
        yield from _parquet(data, key_secret)
    elif suffix == ".csv" or suffix == ".tsv":
        yield from _csv(_text(data), key_secret)
    elif suffix == ".json":
        yield from _json(_text(data), key_secret)
    elif suffix in MARKUP_SUFFIXES:  # entities (&#45; &nbsp;) written out
        yield from _lines(html.unescape(_text(data)), key_secret)
    elif suffix in TEXT_SUFFIXES:
        yield from _lines(_text(data), key_secret)
    else:
        yield from _lines(data.decode("latin-1"), key_secret)
    if suffix in {".html", ".htm", ".svg", ".js", ".css", ".json"}:
        yield from _data_uris(data, key_secret)


def _text(data: bytes) -> str:
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _lines(text: str, key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    for number, line in enumerate(text.splitlines(), start=1):
        for hit in detect.in_text(line, key_secret):
            yield f"line {number}", hit


def _csv(text: str, key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    sample = text[:65536]
    try:
        dialect: Any = csv.Sniffer().sniff(sample, delimiters=",;\t|")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        for row in reader:
            line = reader.line_num
            for column, cell in enumerate(row, start=1):
                hit = detect.field(cell) if line == 1 else None
                if hit:
                    yield f"line 1, column {column}", hit
                for hit in detect.in_text(cell, key_secret):
                    yield f"line {line}, column {column}", hit
    except csv.Error:  # not CSV after all (a stray quote): read it as lines
        yield from _lines(text, key_secret)


def _json(text: str, key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        yield from _lines(text, key_secret)
        return
    stack: list[tuple[str, Any]] = [("$", doc)]
    while stack:
        where, value = stack.pop()
        if isinstance(value, dict):
            for key, item in value.items():
                hit = detect.field(key)
                if hit:
                    yield f"{where}.{key}", hit
                for hit in detect.in_text(key, key_secret):
                    yield f"{where} (a key)", hit
                stack.append((f"{where}.{key}", item))
        elif isinstance(value, list):
            stack += [(f"{where}[{i}]", item) for i, item in enumerate(value)]
        elif isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool)):
            for hit in detect.in_text(_value_text(value), key_secret):
                yield where, hit


def _data_uris(data: bytes, key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    for number, m in enumerate(_DATA_URI.finditer(data), start=1):
        payload = m.group(4)
        try:
            raw = base64.b64decode(unquote_to_bytes(payload)) if m.group(3) else unquote_to_bytes(payload)
        except (binascii.Error, ValueError):
            continue
        for where, hit in _lines(_text(raw), key_secret):
            yield f"data URI {number} ({m.group(1).decode() or 'text'}), {where}", hit


def _pdf(data: bytes, key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted:
            yield "file", detect.Hit(detect.UNREADABLE, "", "an encrypted PDF")
            return
        info: dict[str, Any] = dict(reader.metadata or {})
        for key, value in info.items():
            for hit in detect.in_text(f"{key} {value}", key_secret):
                yield "metadata", hit
        for number, page in enumerate(reader.pages, start=1):
            for where, hit in _lines(page.extract_text() or "", key_secret):
                yield f"page {number}, {where}", hit
    except (PyPdfError, ValueError, KeyError, TypeError):  # a damaged PDF: read it as bytes
        yield from _lines(data.decode("latin-1"), key_secret)


def _sheets(data: bytes) -> list[tuple[str, list[list[Any]]]] | None:
    """A workbook's sheets and their cells, or None if calamine cannot read it (then its XML is scanned)."""
    from python_calamine import CalamineWorkbook

    try:
        book = CalamineWorkbook.from_filelike(io.BytesIO(data))
        return [(name, book.get_sheet_by_name(name).to_python(skip_empty_area=False)) for name in book.sheet_names]
    except Exception:  # calamine raises its own untyped errors on a damaged workbook
        return None


def _excel(sheets: list[tuple[str, list[list[Any]]]], key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    for sheet, rows in sheets:
        filled = 0  # title rows may come before the header: the first HEADER_ROWS rows with cells are checked
        for r, row in enumerate(rows, start=1):
            filled += any(c not in ("", None) for c in row)
            for c, cell in enumerate(row, start=1):
                text = _cell_text(cell)
                where = f"sheet {sheet}, row {r}, column {c}"
                hit = detect.field(text) if filled <= HEADER_ROWS and text else None
                if hit:
                    yield where, hit
                for hit in detect.in_text(text, key_secret):
                    yield where, hit


def _cell_text(cell: object) -> str:
    if isinstance(cell, float) and cell.is_integer() and abs(cell) < 1e13:
        return _value_text(int(cell))  # a number stored as a number in Excel
    return "" if cell is None else str(cell)


def _value_text(value: object) -> str:
    """A value as text to search. An integer is searched as it is: padding short ones with the zeros a number of
    someone born 2000-2009 would have lost finds such numbers in every column of counts and costs (about one in
    130 padded values looks valid), so it is not done."""
    return str(value)


def _parquet(data: bytes, key_secret: str | None) -> Iterator[tuple[str, detect.Hit]]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        table = pq.ParquetFile(io.BytesIO(data))
    except (pa.ArrowException, OSError):  # damaged: read it as bytes
        yield from _lines(data.decode("latin-1"), key_secret)
        return
    for name in table.schema_arrow.names:
        hit = detect.field(name)
        if hit:
            yield f"column {name}", hit
        for hit in detect.in_text(name, key_secret):
            yield "a column name", hit
    for batch in table.iter_batches(batch_size=65536):
        for name, column in zip(batch.schema.names, batch.columns, strict=True):
            for value in _parquet_values(column):
                for hit in detect.in_text(value, key_secret):
                    yield f"column {name}", hit


def _parquet_values(column: Any) -> set[str]:
    """The distinct values of a column as text: text, integers (zero-padded forms too), binary (16 bytes as a
    UUID), dictionaries and lists of these; floats, dates and booleans hold no number or key."""
    import pyarrow as pa

    kind = column.type
    if pa.types.is_dictionary(kind):
        return _parquet_values(
            column.dictionary_decode() if hasattr(column, "dictionary_decode") else column.cast(kind.value_type)
        )
    if pa.types.is_list(kind) or pa.types.is_large_list(kind):
        return _parquet_values(column.flatten())
    if isinstance(kind, pa.ExtensionType):
        return _parquet_values(column.storage)
    values = [v for v in set(column.to_pylist()) if v is not None]
    if pa.types.is_integer(kind) or pa.types.is_string(kind) or pa.types.is_large_string(kind):
        return {_value_text(v) for v in values}
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind) or pa.types.is_fixed_size_binary(kind):
        return {str(uuid.UUID(bytes=v)) if len(v) == 16 else v.decode("latin-1") for v in values}
    if str(kind).startswith("string_view"):
        return {str(v) for v in values}
    return set()


def _archive(label: str, data: bytes, key_secret: str | None, depth: int) -> list[Finding]:
    if depth >= MAX_NESTING:
        return [Finding(label, "archive", detect.UNREADABLE, "", "archives nested too deep to open")]
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        members = [(m.filename, archive.read(m)) for m in archive.infolist() if not m.is_dir()]
    except (zipfile.BadZipFile, OSError, EOFError, RuntimeError):  # damaged or encrypted
        return [Finding(label, "archive", detect.UNREADABLE, "", "a damaged or encrypted zip archive")]
    found: list[Finding] = []
    for name, inner in members:
        found += _scan(f"{label}!{name}", name, inner, key_secret, depth + 1)
    return found


def _gzip(label: str, suffix: str, data: bytes, key_secret: str | None, depth: int) -> list[Finding]:
    if depth >= MAX_NESTING:
        return [Finding(label, "archive", detect.UNREADABLE, "", "archives nested too deep to open")]
    try:
        inner = gzip.decompress(data)
    except (OSError, EOFError):
        return [Finding(label, "archive", detect.UNREADABLE, "", "a damaged gzip file")]
    name = Path(label).stem if suffix == ".gz" else label
    return _scan(label, name, inner, key_secret, depth + 1)


def secret_to_find(key_file: str | os.PathLike[str] | None = None) -> str | None:
    """The pseudonymisation secret to look for: from `key_file`, else $SOCIALSTAT_KEY, else none (not an error)."""
    from socialstat.pseudonym import KEY_ENV, load_secret

    if key_file is None and not os.environ.get(KEY_ENV, "").strip():
        return None
    return load_secret(key_file=key_file).decode("utf-8", errors="replace")
