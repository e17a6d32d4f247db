"""A PX file's keywords, per language: a read-only mapping from `MetaKey` to value, with typed helpers.

Entries of the default language (written without ``[lang]``, or with the language LANGUAGE names) are stored
with ``lang=None``. Variable names in subkeys are those of the entry's own language (``VALUES[sv]("ålder")``);
the helpers line variables and values up across languages by position, as the format requires.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from types import MappingProxyType
from typing import NamedTuple

from socialstat.errors import PxError
from socialstat.px.parse import Entry, PxValue

#: Keywords that may be repeated for the same key: the texts are joined with "#", PX's line break.
NOTE_KEYWORDS = frozenset(
    {"NOTE", "NOTEX", "VALUENOTE", "VALUENOTEX", "CELLNOTE", "CELLNOTEX", "DATANOTE", "DATANOTECELL", "DATANOTESUM"}
)


class MetaKey(NamedTuple):
    """Where a value sits: the keyword (upper case), the language (None = default) and the subkeys."""

    keyword: str
    lang: str | None
    subkeys: tuple[str, ...]


class PxMetadata:
    """The keywords of one PX file. `entries` is the whole mapping; the methods answer the usual questions."""

    def __init__(self, entries: Iterable[Entry], source: str) -> None:
        self.source = source
        entries = list(entries)
        default = next((e.value for e in entries if e.keyword == "LANGUAGE" and e.lang is None), None)
        if default is not None and not isinstance(default, str):
            raise PxError(f"{source}: LANGUAGE must be one quoted language code, not {default!r}")
        self.default_language: str | None = default
        values: dict[MetaKey, PxValue] = {}
        self._lines: dict[MetaKey, int] = {}
        for entry in entries:
            lang = None if entry.lang == default else entry.lang
            key = MetaKey(entry.keyword, lang, entry.subkeys)
            if key in values and values[key] != entry.value:
                old = values[key]
                if entry.keyword not in NOTE_KEYWORDS or not isinstance(old, str) or not isinstance(entry.value, str):
                    raise PxError(
                        f"{source}, line {entry.line}, {entry.keyword}: repeats the entry of line {self._lines[key]} "
                        f"({_describe(key)}) with a different value"
                    )
                values[key] = f"{old}#{entry.value}"
                continue
            values[key] = entry.value
            self._lines.setdefault(key, entry.line)
        self.entries: Mapping[MetaKey, PxValue] = MappingProxyType(values)
        self.languages: tuple[str, ...] = self._languages()

    def __repr__(self) -> str:
        return f"PxMetadata({self.source!r}, {len(self.entries)} entries, languages={self.languages})"

    def __iter__(self) -> Iterator[MetaKey]:
        return iter(self.entries)

    def __len__(self) -> int:
        return len(self.entries)

    def get(self, keyword: str, *subkeys: str, lang: str | None = None) -> PxValue | None:
        """The value of ``KEYWORD[lang]("sub", ...)``, or None when the file has no such entry.

        `lang` None (or the default language) reads the entries written without a language; language-independent
        keywords (DECIMALS, MATRIX, ...) are only found that way.
        """
        return self.entries.get(MetaKey(keyword.upper(), self._lang(lang), tuple(subkeys)))

    def line(self, keyword: str, *subkeys: str, lang: str | None = None) -> int | None:
        """The line an entry was first written on (for messages)."""
        return self._lines.get(MetaKey(keyword.upper(), self._lang(lang), tuple(subkeys)))

    def stub(self, lang: str | None = None) -> list[str]:
        """The STUB variables (rows, slowest-varying first) in `lang`."""
        return self._dimension("STUB", lang)

    def heading(self, lang: str | None = None) -> list[str]:
        """The HEADING variables (columns; the last one varies fastest) in `lang`."""
        return self._dimension("HEADING", lang)

    def variables(self, lang: str | None = None) -> list[str]:
        """All variables in `lang`: the stub, then the heading, in the order the cells vary (slowest first)."""
        return self.stub(lang) + self.heading(lang)

    def values(self, variable: str, lang: str | None = None) -> list[str]:
        """The value labels of `variable` (named in `lang`), as VALUES[lang]("variable") lists them."""
        counterpart = self._counterpart(variable, lang)
        found = self._strings("VALUES", variable, lang)
        if found is None:
            raise PxError(f"{self.source}: VALUES{self._bracket(lang)}({variable!r}) is missing")
        if counterpart is not None and len(found) != len(expected := self.values(counterpart)):
            raise PxError(
                f"{self.source}, line {self.line('VALUES', variable, lang=lang)}, VALUES: {self._bracket(lang)}"
                f"({variable!r}) has {len(found)} values but ({counterpart!r}) has {len(expected)}; the languages "
                "must line up by position"
            )
        return found

    def codes(self, variable: str, lang: str | None = None) -> list[str] | None:
        """The CODES of `variable` (named in `lang`; the default language's codes if the language has none)."""
        counterpart = self._counterpart(variable, lang)
        found = self._strings("CODES", variable, lang)
        if found is None and counterpart is not None:
            found = self._strings("CODES", counterpart, None)
        if found is not None and len(found) != len(labels := self.values(variable, lang)):
            raise PxError(
                f"{self.source}, line {self.line('CODES', variable, lang=lang)}, CODES: ({variable!r}) has "
                f"{len(found)} codes for {len(labels)} values"
            )
        return found

    def _languages(self) -> tuple[str, ...]:
        listed = self.get("LANGUAGES")
        if listed is None:
            listed = []
        if not isinstance(listed, list):
            raise PxError(f"{self.source}: LANGUAGES must be a list of quoted language codes")
        if listed and self.default_language is None:
            raise PxError(f"{self.source}: LANGUAGES is given without LANGUAGE, so the default language is unknown")
        if listed and self.default_language not in listed:
            raise PxError(f"{self.source}: LANGUAGE {self.default_language!r} is not among LANGUAGES {listed}")
        used = [key.lang for key in self.entries if key.lang is not None]
        found = [self.default_language] if self.default_language else []
        for lang in [*listed, *used]:
            if lang not in found:
                found.append(lang)
        return tuple(found)

    def _lang(self, lang: str | None) -> str | None:
        return None if lang == self.default_language else lang

    def _bracket(self, lang: str | None) -> str:
        return f"[{lang}]" if self._lang(lang) is not None else ""

    def _strings(self, keyword: str, variable: str, lang: str | None) -> list[str] | None:
        found = self.get(keyword, variable, lang=lang)
        if found is not None and not isinstance(found, list):
            raise PxError(f"{self.source}, {keyword}: ({variable!r}) must be a list of quoted strings")
        return found

    def _dimension(self, keyword: str, lang: str | None) -> list[str]:
        default = self._strings_of(keyword, None) or []
        if self._lang(lang) is None:
            return default
        if lang not in self.languages:
            raise PxError(f"{self.source}: no language {lang!r} (the file has {', '.join(self.languages) or 'none'})")
        names = self._strings_of(keyword, lang)
        if names is None and default:
            raise PxError(f"{self.source}: {keyword}[{lang}] is missing, so the variables have no {lang} names")
        if names is not None and len(names) != len(default):
            raise PxError(
                f"{self.source}, line {self.line(keyword, lang=lang)}, {keyword}: [{lang}] lists {len(names)} "
                f"variables but the default language lists {len(default)}"
            )
        return names or []

    def _strings_of(self, keyword: str, lang: str | None) -> list[str] | None:
        found = self.get(keyword, lang=lang)
        if found is not None and not isinstance(found, list):
            raise PxError(f"{self.source}, {keyword}: must be a list of quoted variable names")
        return found

    def _counterpart(self, variable: str, lang: str | None) -> str | None:
        """The default-language name of `variable` (named in `lang`), or None when `lang` is the default."""
        if self._lang(lang) is None:
            return None
        names = self.variables(lang)
        if variable not in names:
            raise PxError(f"{self.source}: no variable {variable!r} in language {lang!r} (it has {names})")
        return self.variables()[names.index(variable)]


def _describe(key: MetaKey) -> str:
    lang = f"[{key.lang}]" if key.lang else ""
    subkeys = "(" + ",".join(f'"{s}"' for s in key.subkeys) + ")" if key.subkeys else ""
    return f"{key.keyword}{lang}{subkeys}"
