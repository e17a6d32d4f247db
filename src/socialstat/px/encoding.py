"""Turning a PX file's bytes into text: find the declared encoding in the ASCII-compatible header, then decode.

Rules, in order:

1. ``CODEPAGE="name"`` names the encoding (any name Python's codecs know: ``utf-8``, ``iso-8859-1``,
   ``windows-1252``, ``iso-8859-15`` ...). Statistics Finland writes ``CHARSET="ANSI"`` *and*
   ``CODEPAGE="utf-8"``, so CODEPAGE wins over CHARSET.
2. ``CHARSET="ANSI"`` means Windows-1252 (the superset of ISO-8859-1 that PC-Axis writes). Any other CHARSET
   value is an error.
3. Nothing declared: a UTF-8 byte-order mark means UTF-8; otherwise bytes that are valid UTF-8 and contain
   non-ASCII characters are read as UTF-8 (Windows-1252 text with å, ä or ö is never valid UTF-8, so this
   guess cannot mangle). The format says a file without CHARSET is DOS text: when the bytes hold code page 850's
   å/ä/ö/Å/Ä/Ö and none of Windows-1252's, the file is read as code page 850. Everything else is Windows-1252.

Never silently mangled: bytes that do not decode under the declared encoding, a file declared single-byte whose
non-ASCII bytes form valid UTF-8 (the classic "UTF-8 saved but declared ANSI" mistake), a byte-order mark that
contradicts CODEPAGE and NUL bytes (binary or UTF-16 files) all raise PxError naming the byte offset.
"""

from __future__ import annotations

import codecs
import re

from socialstat.errors import PxError

ANSI = "cp1252"
_BOM = codecs.BOM_UTF8
_DECLARATION = re.compile(rb'(?:^|;)[ \t]*(CHARSET|CODEPAGE)[ \t]*=[ \t]*"([^"\r\n]*)"[ \t]*;', re.MULTILINE)
_ASCII = bytes(range(128))
_DOS_LETTERS = frozenset(b"\x84\x86\x8e\x8f\x94\x99")  # ä å Ä Å ö Ö in DOS code page 850 (and 437)
_ANSI_LETTERS = frozenset(b"\xe4\xe5\xc4\xc5\xf6\xd6")  # ä å Ä Å ö Ö in Windows-1252
_DATA_LINE = re.compile(rb"(?:^|;)[ \t]*DATA[ \t]*=", re.MULTILINE)


def _position(data: bytes, offset: int) -> str:
    line = data.count(b"\n", 0, offset) + 1
    return f"byte offset {offset} (line {line})"


def declared_encodings(data: bytes) -> dict[str, str]:
    """CHARSET and CODEPAGE as written in the header (before DATA), read from the raw bytes."""
    data = data.removeprefix(_BOM)
    end = _DATA_LINE.search(data)
    header = data[: end.start()] if end else data
    found: dict[str, str] = {}
    for match in _DECLARATION.finditer(header):
        found.setdefault(match.group(1).decode("ascii"), match.group(2).decode("latin-1"))
    return found


def choose_encoding(data: bytes, source: str) -> tuple[str, str]:
    """The Python codec to decode `data` with, and why (for messages): from CODEPAGE, CHARSET or the default."""
    declared = declared_encodings(data)
    if "CODEPAGE" in declared:
        name = declared["CODEPAGE"]
        codec = _codec(name)
        if codec is None:
            raise PxError(f"{source}: CODEPAGE: unknown encoding {name!r}")
        if data.startswith(_BOM) and codec != "utf-8":
            raise PxError(f"{source}: CODEPAGE: declares {name!r} but the file starts with a UTF-8 byte-order mark")
        return codec, f'declared by CODEPAGE="{name}"'
    if "CHARSET" in declared:
        name = declared["CHARSET"]
        if name.upper() != "ANSI":
            raise PxError(f'{source}: CHARSET: unknown value {name!r} (the PX format knows only "ANSI")')
        if data.startswith(_BOM):
            return "utf-8", "the file starts with a UTF-8 byte-order mark"
        return ANSI, 'declared by CHARSET="ANSI", which means Windows-1252'
    if data.startswith(_BOM):
        return "utf-8", "the file starts with a UTF-8 byte-order mark"
    if not data.isascii() and _is_utf8(data):
        return "utf-8", "no CHARSET or CODEPAGE, and the bytes are UTF-8"
    high = set(data.translate(None, _ASCII))
    if high & _DOS_LETTERS and not high & _ANSI_LETTERS:
        return "cp850", "no CHARSET, which means DOS text, and the bytes are code page 850 letters"
    return ANSI, "no CHARSET or CODEPAGE, so Windows-1252 is assumed"


def _codec(name: str) -> str | None:
    """Python's name for a text encoding, or None if there is no such text encoding (e.g. "base64")."""
    try:
        codec = codecs.lookup(name).name
        "a".encode(codec)  # raises LookupError for codecs that are not text encodings
    except (LookupError, UnicodeError):
        return None
    return codec


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def decode(data: bytes, source: str, encoding: str | None = None) -> str:
    """The text of a PX file; `encoding` overrides the declaration. Raises PxError instead of mangling."""
    if not data:
        raise PxError(f"{source}: the file is empty (0 bytes)")
    nul = data.find(b"\x00")
    if nul >= 0:
        raise PxError(f"{source}: NUL byte at {_position(data, nul)}: a binary (or UTF-16) file, not a PX file")
    if encoding is None:
        codec, why = choose_encoding(data, source)
    else:
        codec, why = _codec(encoding) or "", f"as asked by encoding={encoding!r}"
        if not codec:
            raise PxError(f"{source}: unknown encoding {encoding!r}")
    body = data[len(_BOM) :] if codec == "utf-8" and data.startswith(_BOM) else data
    skipped = len(data) - len(body)
    try:
        text = body.decode(codec)
    except UnicodeDecodeError as e:
        raise PxError(
            f"{source}: bytes {body[e.start : e.start + 4]!r} at {_position(data, e.start + skipped)} "
            f"are not valid {codec} ({why})"
        ) from None
    if codec != "utf-8" and encoding is None and not body.isascii() and _is_utf8(body):
        first = next(i for i, byte in enumerate(body) if byte >= 0x80)
        raise PxError(
            f"{source}: the encoding is {codec} ({why}), but the bytes are UTF-8 (first multi-byte character at "
            f'{_position(data, first)}); declare CODEPAGE="utf-8" or pass encoding="utf-8"'
        )
    return text
