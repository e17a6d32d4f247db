"""SCB's population files as a long frame of texts: PX files, and CSV as downloaded from statistikdatabasen.

`read_scb(path)` finds the region, age, sex and year variables by name (Swedish or English, any case) and
returns one row per cell or value with those texts, any other variable (civilstånd, tabellinnehåll), the number
and its position (`_row`: the line of a CSV, the cell of a PX file), for imports_population.py to check and
sum. How SCB writes values is here too: '1480 Göteborg', '100+ år', 'kvinnor', 'totalt ålder'.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import cache
from pathlib import Path

import pandas as pd

from socialstat.errors import LoadError, PxError
from socialstat.ingest.profile import normalise
from socialstat.model import load_model
from socialstat.px import PxMetadata, read_px
from socialstat.reference.imports import Findings, lines_where, map_distinct, parse_numbers, read_delimited

ROLES = {  # role -> the variable or column names that play it (normalised)
    "region": frozenset({"region", "kommun", "municipality"}),
    "age": frozenset({"ålder", "age"}),
    "sex": frozenset({"kön", "sex"}),
    "year": frozenset({"år", "year", "tid", "period"}),
}
VALUE_NAMES = frozenset({"value", "värde", "folkmängd", "folkmängden", "population", "antal", "number"})
CONTENT_NAMES = frozenset({"tabellinnehåll", "innehåll", "observations", "contents"})
TOTALS = frozenset({"1+2", "samtliga", "alla", "båda könen", "both sexes", "alla åldrar", "all ages"})
SEX_WORDS = {
    "M": ("1", "m", "man", "män", "men", "male", "males", "pojkar", "boys"),
    "F": ("2", "k", "f", "kvinna", "kvinnor", "women", "female", "females", "flickor", "girls"),
}
_AGE = re.compile(
    r"(\d{1,3})\s*(?:år|years?)?\s*(\+|och äldre|eller äldre|or older|and older|and over)?\s*(?:år|years?)?"
)
_WIDE_YEAR = re.compile(r"(?:.*\s)?(\d{4})")
_PX_START = re.compile(rb"\s*[A-Za-z][A-Za-z0-9-]*\s*(?:\[[A-Za-z_-]+\])?\s*(?:\([^)]*\))?\s*=")
NEEDED = "region, age (ålder), sex (kön) and year (år/tid)"


def read_scb(path: Path) -> tuple[pd.DataFrame, list[str], Findings]:
    """The cells of a PX file or the values of a CSV download: texts of region, age, sex and year, the other
    variables' columns (named in the list returned), `_number`, `_missing`, `_invalid`, `_shown` and `_row`,
    with the `Findings` that name its positions (and already hold any malformed CSV line)."""
    return _from_px(path) if _is_px(path) else _from_csv(path)


def _is_px(path: Path) -> bool:
    if path.suffix.casefold() == ".px":
        return True
    with path.open("rb") as fh:
        head = fh.read(256).removeprefix(b"\xef\xbb\xbf")
    return _PX_START.match(head) is not None


def _roles(names: list[str], source: str) -> dict[str, str]:
    """Role -> the name (as written) of the variable playing it; a LoadError when a role is missing or twice."""
    found: dict[str, list[str]] = {role: [n for n in names if normalise(n) in words] for role, words in ROLES.items()}
    twice = {role: hits for role, hits in found.items() if len(hits) > 1}
    if twice:
        raise LoadError(f"{source}: more than one variable could be the same thing: {twice}")
    missing = [role for role, hits in found.items() if not hits]
    if missing:
        raise LoadError(
            f"{source}: no {' / '.join(missing)} variable found among {names}; a population file needs {NEEDED}"
        )
    return {role: hits[0] for role, hits in found.items()}


def _from_px(path: Path) -> tuple[pd.DataFrame, list[str], Findings]:
    """The cells of a PX file (from its first language whose variables are recognised) as texts."""
    try:
        table = read_px(path)
    except PxError as exc:
        raise LoadError(str(exc).replace(str(path), path.name)) from None
    md = table.metadata
    lang, roles = _language(md, path.name)
    names = md.variables(lang)
    contents = {n for n in names if normalise(n) in CONTENT_NAMES or n == md.get("CONTVARIABLE", lang=lang)}
    for name in sorted(contents):
        if len(values := md.values(name, lang)) > 1:
            raise LoadError(
                f"{path.name}: holds {len(values)} kinds of figures in {name!r} ({', '.join(values[:4])}); a "
                "population import needs the population (Folkmängd) alone"
            )
    cells = table.to_frame(lang)
    raw = pd.DataFrame(index=cells.index)
    others = [n for n in names if n not in roles.values()]
    parsers: dict[str, Callable[[str], object] | None] = dict.fromkeys(others)
    parsers.update({name: _PARSERS[role] for role, name in roles.items()})
    columns = {**roles, **{f"_other{i}": name for i, name in enumerate(others)}}
    for column, name in columns.items():
        texts = _px_texts(md.values(name, lang), md.codes(name, lang), parsers[name])
        raw[column] = map_distinct(cells[name], texts.__getitem__)
    raw["_number"] = cells["value"]
    raw["_missing"] = cells["value"].isna()
    raw["_invalid"] = False
    raw["_shown"] = cells["symbol"].fillna(cells["value"].astype("str"))
    raw["_row"] = range(1, len(raw) + 1)

    def where(bad: pd.DataFrame) -> list[str]:
        labels = cells.loc[bad.index, names].astype("str")
        return [
            f"cell {r} ({' / '.join(row)})" for r, row in zip(bad["_row"], labels.itertuples(index=False), strict=True)
        ]

    return raw, [f"_other{i}" for i in range(len(others))], Findings("population", path.name, where)


def _language(md: PxMetadata, source: str) -> tuple[str | None, dict[str, str]]:
    """The first language of the file (the default first) whose variable names are recognised, and its roles."""
    try:
        return None, _roles(md.variables(None), source)
    except LoadError as error:
        for lang in [lang for lang in md.languages if lang != md.default_language]:
            try:
                return lang, _roles(md.variables(lang), source)
            except LoadError:
                continue
        raise error from None  # the default language's error names its variables


def _px_texts(labels: list[str], codes: list[str] | None, parser: Callable[[str], object] | None) -> dict[str, str]:
    """Label -> the text to read: the CODE where it is a total or reads as a value of the role, else the label."""
    out = {}
    for i, label in enumerate(labels):
        code = codes[i] if codes is not None else None
        readable = code is not None and (is_total(code) or (parser is not None and parser(code) is not None))
        out[label] = code if readable and code is not None else label
    return out


def _from_csv(path: Path) -> tuple[pd.DataFrame, list[str], Findings]:
    """The rows of an SCB CSV download, wide (a column per year) or long (a year and a value column)."""
    found = read_delimited(path, _is_population_header, "the region (region/kommun)")
    header, source = found.header, found.source
    roles = {role: [h for h in header if normalise(h) in words] for role, words in ROLES.items()}
    values = [h for h in header if normalise(h) in VALUE_NAMES]
    years = [h for h in header if not roles["year"] and _WIDE_YEAR.fullmatch(normalise(h))]
    twice = {role: hits for role, hits in roles.items() if len(hits) > 1}
    missing = [role for role, hits in roles.items() if not hits and not (role == "year" and years)]
    if twice or missing:
        problem = (
            f"more than one column could be the same thing: {twice}" if twice else f"no {' / '.join(missing)} column"
        )
        raise LoadError(f"{source}: {problem} in the header {header} (line {found.header_line}); needs {NEEDED}")
    if years and values:
        raise LoadError(f"{source}: both year columns {years} and a value column {values}; keep one layout")
    if not years and len(values) != 1:
        raise LoadError(
            f"{source}: a long layout (with a year column) needs one value column such as 'Folkmängd' or 'value'; "
            f"found {values or 'none'} in the header {header}"
        )
    table = pd.DataFrame([fields for _line, fields in found.records], columns=header, dtype="str")
    table.columns = pd.RangeIndex(len(header))
    position = {h: i for i, h in enumerate(header)}
    used = {hits[0] for hits in roles.values() if hits} | set(values) | set(years)
    others = [h for h in header if h not in used]
    base = pd.DataFrame({role: table[position[hits[0]]] for role, hits in roles.items() if hits})
    for i, name in enumerate(others):
        base[f"_other{i}"] = table[position[name]]
    base["_row"] = [line for line, _fields in found.records]
    if years:  # wide: one column per year
        parts = []
        for column in years:
            year = _WIDE_YEAR.fullmatch(normalise(column))
            parts.append(
                base.assign(year=year.group(1) if year else column, _value=table[position[column]], _column=column)
            )
        raw = pd.concat(parts, ignore_index=True)
    else:
        raw = base.assign(_value=table[position[values[0]]])
    findings = Findings("population", source, lines_where)
    findings.malformed(found.malformed, len(found.header))
    raw["_number"], raw["_missing"], raw["_invalid"] = parse_numbers(
        raw["_value"], decimal_comma=found.delimiter != ","
    )
    raw["_shown"] = raw["_value"]
    return raw, [f"_other{i}" for i in range(len(others))], findings


def _is_population_header(fields: list[str]) -> bool:
    return any(normalise(f) in ROLES["region"] for f in fields)


def is_total(text: str) -> bool:
    """Whether a value is a total category: 'totalt', 'totalt ålder', 'tot', '1+2', 'both sexes' ..."""
    t = normalise(text)
    return t.startswith("tot") or t in TOTALS


def area_code(text: str) -> str | None:
    """'1480 Göteborg' -> '1480', '1480' -> '1480'; None without a code (the first word must hold a digit)."""
    words = str(text).split()
    return words[0] if words and any(c.isdigit() for c in words[0]) else None


def parse_age(text: str) -> tuple[int, str] | None:
    """'0 år' -> (0, '0'), '100+ år' -> (100, '100+'), '103' -> (100, '103'); None if not a single year (or 100+)."""
    found = _AGE.fullmatch(normalise(text))
    if found is None:
        return None
    age, open_ended = int(found.group(1)), found.group(2) is not None
    if open_ended and age < 100:  # '95+' is not a single year of age
        return None
    return min(age, 100), f"{age}+" if open_ended else str(age)


@cache
def _sex_codes() -> dict[str, str]:
    """Normalised word -> canonical sex code: the code list's codes and labels, and the words SCB uses."""
    out = {}
    for code in load_model().codes("sex").codes:
        out.update({normalise(w): code.code for w in (code.code, code.sv, code.en, *SEX_WORDS.get(code.code, ()))})
    return out


def parse_sex(text: str) -> str | None:
    """The canonical sex code of 'män', 'kvinnor', 'men', 'women', '1', '2', 'Kvinna', 'M' ...; else None."""
    return _sex_codes().get(normalise(text))


def _year(text: str) -> str | None:
    return text.strip() if re.fullmatch(r"\d{4}", text.strip()) else None


_PARSERS: dict[str, Callable[[str], object]] = {"region": area_code, "age": parse_age, "sex": parse_sex, "year": _year}
