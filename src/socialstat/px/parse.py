"""The PX keyword syntax: ``KEYWORD[lang]("sub1","sub2")=value;`` entries, read up to ``DATA=``.

A regular-expression tokenizer walks the text once; a small recursive-descent reader turns the tokens into
`Entry` records. Values are quoted strings (adjacent pieces concatenated, so long texts may be split over
lines), comma-separated lists of them, bare numbers and words (``YES``/``NO`` become booleans, integers become
int) or ``TLIST(A1),"2003",...`` / ``TLIST(A1, "1994"-"1996")`` (a `TimeList`, ranges expanded). The
``"parent":"child"`` pairs of HIERARCHIES are kept as ``parent:child`` strings. A string must close on the
line it opens on and cannot contain a double quote (the format has no escape).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import NamedTuple, TypeAlias

from socialstat.errors import PxError


class TimeList(NamedTuple):
    """A TIMEVAL value: the time scale (A1, H1, Q1, M1, W1) and the periods, a range already expanded."""

    timescale: str
    periods: tuple[str, ...]


PxValue: TypeAlias = str | int | bool | list[str] | TimeList

#: Keywords whose value is always a list, even when the file gives a single item.
LIST_KEYWORDS = frozenset(
    {"STUB", "HEADING", "VALUES", "CODES", "LANGUAGES", "HIERARCHIES", "SYNONYMS", "ATTRIBUTE-ID", "ATTRIBUTE-TEXT"}
)
TIMESCALES = {"A1": 1, "H1": 2, "Q1": 4, "M1": 12, "W1": 53}

_TOKEN = re.compile(
    r"""(?P<space>[\s\x1a]+)
      | (?P<string>"[^"\r\n]*")
      | (?P<open>"[^"\r\n]*)
      | (?P<punct>[\[\]()=,;:])
      | (?P<word>[^\s\x1a"\[\]()=,;:]+)""",
    re.VERBOSE,
)
_KEYWORD = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")
_INTEGER = re.compile(r"[-+]?\d{1,18}")  # longer digit strings stay text


@dataclass(frozen=True)
class Entry:
    """One keyword entry as written: language None for the default language."""

    keyword: str
    lang: str | None
    subkeys: tuple[str, ...]
    value: PxValue
    line: int


@dataclass(frozen=True)
class Parsed:
    """The entries before DATA, and the raw text of the DATA section (everything after ``DATA=``)."""

    entries: list[Entry]
    data: str
    data_line: int


class _Token(NamedTuple):
    kind: str
    text: str
    pos: int


class _Cursor:
    """Hands out the non-blank tokens of `text` from `pos` on, and knows the line of any position."""

    def __init__(self, text: str, source: str) -> None:
        self.text = text
        self.source = source
        self.pos = 0
        self.keyword: str | None = None  # the entry being read, for messages
        self._counted_to = 0
        self._lines = 1

    def line(self, pos: int) -> int:
        if pos < self._counted_to:
            return self.text.count("\n", 0, pos) + 1
        self._lines += self.text.count("\n", self._counted_to, pos)
        self._counted_to = pos
        return self._lines

    def error(self, pos: int, keyword: str | None, rule: str) -> PxError:
        where = f"{self.source}, line {self.line(pos)}" + (f", {keyword}" if keyword else "")
        return PxError(f"{where}: {rule}")

    def next(self) -> _Token | None:
        while self.pos < len(self.text):
            match = _TOKEN.match(self.text, self.pos)
            assert match is not None  # the alternatives cover every character
            assert match.lastgroup is not None
            self.pos = match.end()
            if match.lastgroup == "space":
                continue
            if match.lastgroup == "open":
                text = match.group()[:40]
                rule = f"unterminated string {text}: the line ends before the closing quote"
                raise self.error(match.start(), self.keyword, rule)
            return _Token(match.lastgroup, match.group(), match.start())
        return None

    def take(self, keyword: str, wanted: str) -> _Token:
        token = self.next()
        if token is None:
            raise self.error(len(self.text), keyword, f"the file ends where {wanted} was expected (truncated?)")
        return token

    def expect(self, keyword: str, punct: str, after: str) -> _Token:
        token = self.take(keyword, repr(punct))
        if token.text != punct:
            hint = " (a missing ';'?)" if punct == ";" else ""
            raise self.error(token.pos, keyword, f"expected {punct!r} after {after}, found {token.text!r}{hint}")
        return token


def parse(text: str, source: str) -> Parsed:
    """All entries of a PX text up to DATA; raises PxError naming the file, line, keyword and rule."""
    cursor = _Cursor(text, source)
    entries: list[Entry] = []
    while True:
        cursor.keyword = None
        token = cursor.next()
        if token is None:
            end = "the file has no keywords" if not entries else "the file ends without DATA="
            raise cursor.error(len(text), None, f"{end} (every PX file ends with a DATA section)")
        if token.kind != "word" or not _KEYWORD.fullmatch(token.text):
            raise cursor.error(token.pos, None, f"expected a keyword, found {token.text[:40]!r}")
        keyword, line = token.text.upper(), cursor.line(token.pos)
        cursor.keyword = keyword
        lang: str | None = None
        subkeys: tuple[str, ...] = ()
        token = cursor.take(keyword, "'='")
        if token.text == "[":
            word = cursor.take(keyword, "a language code")
            if word.kind != "word":
                raise cursor.error(word.pos, keyword, f"expected a language code after '[', found {word.text!r}")
            lang = word.text
            cursor.expect(keyword, "]", "the language code")
            token = cursor.take(keyword, "'='")
        if token.text == "(":
            subkeys = _subkeys(cursor, keyword)
            token = cursor.take(keyword, "'='")
        if token.text != "=":
            raise cursor.error(token.pos, keyword, f"expected '=' after the keyword, found {token.text!r}")
        if keyword == "DATA":
            if lang is not None or subkeys:
                raise cursor.error(token.pos, keyword, "DATA takes no language or subkeys")
            return Parsed(entries, text[cursor.pos :], line)
        entries.append(Entry(keyword, lang, subkeys, _value(cursor, keyword), line))


def _subkeys(cursor: _Cursor, keyword: str) -> tuple[str, ...]:
    keys: list[str] = []
    pieces: list[str] = []
    while True:
        token = cursor.take(keyword, "a subkey or ')'")
        if token.kind in ("string", "word"):
            pieces.append(token.text[1:-1] if token.kind == "string" else token.text)
        elif token.text in (",", ")") and pieces:
            keys.append("".join(pieces))
            pieces = []
            if token.text == ")":
                return tuple(keys)
        else:
            raise cursor.error(token.pos, keyword, f"malformed subkeys: unexpected {token.text!r}")


def _value(cursor: _Cursor, keyword: str) -> PxValue:
    token = cursor.take(keyword, "a value")
    if token.kind == "string":
        return _strings(cursor, keyword, token)
    if token.kind == "word" and token.text.upper() == "TLIST":
        return _tlist(cursor, keyword)
    if token.kind == "word":
        cursor.expect(keyword, ";", f"the value {token.text!r}")
        if token.text.upper() in ("YES", "NO"):
            return token.text.upper() == "YES"
        return int(token.text) if _INTEGER.fullmatch(token.text) else token.text
    raise cursor.error(token.pos, keyword, f"expected a value after '=', found {token.text!r}")


def _strings(cursor: _Cursor, keyword: str, first: _Token) -> PxValue:
    """A list of strings up to ';': adjacent pieces concatenate, ',' separates items, ':' joins a hierarchy pair."""
    items: list[str] = []
    pieces = [first.text[1:-1]]
    need_string = False  # after ',' or ':'
    while True:
        token = cursor.take(keyword, "';'")
        if token.kind == "string":
            pieces.append(token.text[1:-1])
            need_string = False
        elif need_string:
            raise cursor.error(token.pos, keyword, f"expected a quoted string, found {token.text!r}")
        elif token.text == ":":
            pieces.append(":")
            need_string = True
        elif token.text in (",", ";"):
            items.append("".join(pieces))
            pieces, need_string = [], True
            if token.text == ";":
                return items if len(items) > 1 or keyword in LIST_KEYWORDS else items[0]
        else:
            hint = " (a missing ';'?)" if token.kind == "word" else ""
            raise cursor.error(token.pos, keyword, f"expected ',' or ';' after a string, found {token.text!r}{hint}")


def _tlist(cursor: _Cursor, keyword: str) -> TimeList:
    cursor.expect(keyword, "(", "TLIST")
    scale = cursor.take(keyword, "a time scale")
    if scale.text.upper() not in TIMESCALES:
        raise cursor.error(scale.pos, keyword, f"unknown TLIST time scale {scale.text!r} (A1, H1, Q1, M1 or W1)")
    timescale = scale.text.upper()
    token = cursor.take(keyword, "')'")
    if token.text == ",":
        start, dash, end = cursor.take(keyword, "a period"), cursor.take(keyword, "'-'"), cursor.take(keyword, "'\"'")
        if start.kind != "string" or dash.text != "-" or end.kind != "string":
            raise cursor.error(start.pos, keyword, 'a TLIST range is written TLIST(A1, "1994"-"1996")')
        cursor.expect(keyword, ")", "the TLIST range")
        cursor.expect(keyword, ";", "the TLIST range")
        try:
            return TimeList(timescale, expand_range(timescale, start.text[1:-1], end.text[1:-1]))
        except ValueError as e:
            raise cursor.error(start.pos, keyword, str(e)) from None
    if token.text != ")":
        raise cursor.error(token.pos, keyword, f"expected ')' or ',' in TLIST(...), found {token.text!r}")
    token = cursor.take(keyword, "';'")
    if token.text == ";":
        return TimeList(timescale, ())
    if token.text != ",":
        raise cursor.error(token.pos, keyword, f"expected ',' or ';' after TLIST(...), found {token.text!r}")
    first = cursor.take(keyword, "a period")
    if first.kind != "string":
        raise cursor.error(first.pos, keyword, f"expected a quoted period after TLIST(...), found {first.text!r}")
    periods = _strings(cursor, "TIMEVAL", first)
    return TimeList(timescale, tuple(periods) if isinstance(periods, list) else (str(periods),))


def expand_range(timescale: str, start: str, end: str) -> tuple[str, ...]:
    """All periods from `start` to `end` inclusive: A1 ``2001``, H1/Q1 ``20012``, M1/W1 ``200112`` (ISO weeks)."""
    width = {"A1": 0, "H1": 1, "Q1": 1, "M1": 2, "W1": 2}[timescale]
    pattern = re.compile(r"(\d{4})" + (rf"(\d{{{width}}})" if width else "()"))
    bounds = []
    for text in (start, end):
        match = pattern.fullmatch(text)
        if match is None:
            raise ValueError(f"TLIST({timescale}) period {text!r} is not in the form {'ccyy' + 'n' * width}")
        bounds.append((int(match.group(1)), int(match.group(2) or 1)))
    for year, sub in bounds:
        if not 1 <= sub <= _periods_in(timescale, year):
            raise ValueError(f"TLIST({timescale}) period {year}{sub:0{width}d} does not exist")
    (year, sub), stop = bounds
    if stop < (year, sub):
        raise ValueError(f"TLIST({timescale}) range {start!r}-{end!r} runs backwards")
    periods = []
    while (year, sub) <= stop:
        last = _periods_in(timescale, year)
        periods.append(f"{year}{sub:0{width}d}" if width else str(year))
        year, sub = (year + 1, 1) if sub == last else (year, sub + 1)
    return tuple(periods)


def _periods_in(timescale: str, year: int) -> int:
    """How many periods a year has: 1, 2, 4, 12, or 52/53 ISO weeks."""
    return dt.date(year, 12, 28).isocalendar().week if timescale == "W1" else TIMESCALES[timescale]
