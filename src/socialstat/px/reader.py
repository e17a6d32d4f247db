"""`read_px`: bytes → text (encoding.py) → keyword entries (parse.py) → metadata (metadata.py) → cells (data.py)."""

from __future__ import annotations

import os
from pathlib import Path

from socialstat.errors import PxError
from socialstat.px.data import Cells, Section, read_dense, read_sparse
from socialstat.px.encoding import declared_encodings, decode
from socialstat.px.metadata import PxMetadata
from socialstat.px.parse import parse
from socialstat.px.table import PxTable


def read_px(path: str | os.PathLike[str], *, encoding: str | None = None) -> PxTable:
    """Read a PC-Axis (PX) file. `encoding` overrides CHARSET/CODEPAGE (only for files that declare it wrongly).

    Every problem — unreadable file, undecodable bytes, broken syntax, inconsistent dimensions, a cell count
    that does not match, an unknown symbol — raises PxError naming the file, the line or keyword and the rule.
    """
    source = os.fspath(path)
    try:
        data = Path(source).read_bytes()
    except OSError as e:
        raise PxError(f"{source}: cannot be read ({e.strerror or e})") from e
    parsed = parse(decode(data, source, encoding), source)
    metadata = PxMetadata(parsed.entries, source)
    if encoding is None:
        _check_declarations(metadata, declared_encodings(data))
    for keyword in ("DECIMALS", "SHOWDECIMALS"):
        value = metadata.get(keyword)
        if value is not None and (type(value) is not int or not 0 <= value <= 15):
            raise PxError(
                f"{source}, line {metadata.line(keyword)}, {keyword}: must be a whole number from 0 to 15, "
                f"not {str(value)[:20]!r}"
            )
    section = Section(parsed.data, source, parsed.data_line)
    cells = _cells(metadata, section)
    return PxTable(source, metadata, cells.values, cells.symbols)


def _check_declarations(metadata: PxMetadata, seen: dict[str, str]) -> None:
    """The encoding was chosen from the raw header; make sure the parser read the same declarations."""
    for keyword in ("CHARSET", "CODEPAGE"):
        value = metadata.get(keyword)
        if value is not None and value != seen.get(keyword):
            raise PxError(
                f"{metadata.source}, line {metadata.line(keyword)}, {keyword}: write it as one entry on its own, "
                f'{keyword}="name"; before DATA, so the encoding can be found before decoding'
            )


def _cells(metadata: PxMetadata, section: Section) -> Cells:
    source = metadata.source
    stub, heading = metadata.stub(), metadata.heading()
    names = stub + heading
    if not names:
        raise PxError(f"{source}: neither STUB nor HEADING is given, so the table has no variables")
    if len(set(names)) != len(names):
        raise PxError(f"{source}: STUB and HEADING name a variable twice: {names}")
    sizes = [len(metadata.values(name)) for name in names]
    for name in names:
        metadata.codes(name)  # checks that CODES, where given, line up with VALUES
    if any(key.keyword == "KEYS" for key in metadata):
        return read_sparse(section, _keys(metadata, stub), sizes[len(stub) :])
    return read_dense(section, sizes)


def _keys(metadata: PxMetadata, stub: list[str]) -> list[tuple[str, str, list[str]]]:
    """Per stub variable, the labels its sparse-row keys are written in (KEYS("var")=VALUES or CODES)."""
    keyed = {key.subkeys[0] if key.subkeys else "": key for key in metadata if key.keyword == "KEYS"}
    strays = sorted(set(keyed) - set(stub))
    if strays:
        raise PxError(f"{metadata.source}, KEYS: given for {strays}, which are not STUB variables")
    keys = []
    for name in stub:
        kind = metadata.get("KEYS", name)
        if kind not in ("VALUES", "CODES"):
            written = "missing" if kind is None else f"{kind!r}"
            raise PxError(
                f"{metadata.source}, KEYS: ({name!r}) is {written}; a sparse file gives KEYS=VALUES or KEYS=CODES "
                "for every STUB variable"
            )
        labels = metadata.values(name) if kind == "VALUES" else metadata.codes(name)
        if labels is None:
            raise PxError(f"{metadata.source}, KEYS: ({name!r}) is CODES but the variable has no CODES")
        keys.append((name, kind, labels))
    return keys
