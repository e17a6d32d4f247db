"""Source profiles: how one case-management system's extract of one kind maps to the canonical model.

A profile is data (YAML, one file per system and extract kind; docs/how-to/write-a-source-profile.md). It
says how to read the file (format, encoding, delimiter, decimal comma, date formats, header row), which column
holds the identity number, which columns are dropped unread (free text never enters the store), which source
column gives each canonical column, and how the system's codes or labels map to canonical codes. Loading a
profile checks it against the canonical model, so a broken profile fails before any file is read, with the
profile file and the field named.
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from socialstat.errors import SpecificationError
from socialstat.model import load_model
from socialstat.model.spec import Table, parse_document

FORMATS = ("csv", "excel", "parquet")
# What each extract kind fills: the main canonical table (reasons of referrals go to referral_reasons).
EXTRACTS = {
    "referrals": "referrals",
    "investigations": "investigations",
    "interventions": "interventions",
    "assistance_payments": "assistance_payments",
}
# Columns ingest fills itself: the batch, the municipality (given on the command line), the area (resolved
# against the store's areas) and the person (from the identity number).
FILLED_BY_INGEST = ("batch_id", "municipality_code", "area_code")
DEFAULT_BOOLEANS = {True: ("ja", "j", "yes", "y", "true", "1", "x"), False: ("nej", "n", "no", "false", "0", "")}


def normalise(text: str) -> str:
    """How source labels are compared: case-folded, inner whitespace collapsed, outer whitespace removed."""
    return " ".join(str(text).split()).casefold()


@dataclass(frozen=True)
class FileFormat:
    """How to read the file."""

    format: str
    encoding: str = "utf-8"  # a Python codec name, or "detect" (UTF-8 with or without BOM, else Windows-1252)
    delimiter: str = ","
    decimal: str = "."
    thousands: str | None = None
    date_formats: tuple[str, ...] = ("%Y-%m-%d",)
    header_row: int = 1  # 1-based row of the header (title rows above it are skipped)
    sheet: str | None = None  # Excel: the sheet to read (default: the first)


@dataclass(frozen=True)
class Profile:
    """One source profile, checked against the canonical model."""

    name: str
    system: str
    extract: str
    description: str
    file: FileFormat
    identity_column: str
    reserve_numbers: bool
    area_column: str | None  # None: the area is the municipality itself (no sub-areas in the extract)
    area_match: str  # "code" or "name" (of the store's areas), or "municipality"
    columns: dict[str, str]  # canonical column -> source header
    drop: tuple[str, ...]
    values: dict[str, dict[str, str]]  # canonical column -> normalised source label -> canonical code
    booleans: dict[str, bool]  # normalised source label -> True/False
    labels: dict[str, dict[str, str]] = field(default_factory=dict)  # column -> code -> first label, as written
    boolean_labels: tuple[str, str] = ("Ja", "Nej")  # how the system writes true and false (first labels)
    constants: dict[str, Any] = field(default_factory=dict)
    reason_columns: tuple[str, ...] = ()  # referrals: columns holding one reason each
    reason_separator: str | None = None  # ... or one column holding several, split at this separator
    source: str = ""  # where the profile was loaded from

    @property
    def table(self) -> Table:
        """The canonical table the extract fills."""
        return load_model().table(EXTRACTS[self.extract])

    @property
    def read_columns(self) -> list[str]:
        """The source headers ingest reads; everything else in the file is left unread."""
        wanted = [self.identity_column, *self.columns.values(), *self.reason_columns]
        if self.area_column:
            wanted.append(self.area_column)
        return list(dict.fromkeys(wanted))


def _fail(where: str, message: str) -> SpecificationError:
    return SpecificationError(f"{where}: {message}")


def _text(raw: Any, where: str, name: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise _fail(where, f"{name} must be a non-empty text")
    return raw


def _file_format(raw: Any, where: str) -> FileFormat:
    if not isinstance(raw, dict):
        raise _fail(where, "file must be a mapping (format, encoding, delimiter, ...)")
    fmt = raw.get("format")
    if fmt not in FORMATS:
        raise _fail(where, f"file.format must be one of {FORMATS}")
    encoding = str(raw.get("encoding", "utf-8"))
    if encoding != "detect":
        try:
            codecs.lookup(encoding)
        except LookupError:
            raise _fail(where, f"file.encoding {encoding!r} is not a known encoding (or 'detect')") from None
    delimiter = str(raw.get("delimiter", ","))
    decimal = str(raw.get("decimal", "."))
    if len(delimiter) != 1 or len(decimal) != 1 or delimiter == decimal:
        raise _fail(where, "file.delimiter and file.decimal must be single, different characters")
    dates = raw.get("date_formats", ["%Y-%m-%d"])
    if not (isinstance(dates, list) and dates and all(isinstance(d, str) and "%" in d for d in dates)):
        raise _fail(where, "file.date_formats must be a list of strptime formats, e.g. ['%Y-%m-%d']")
    header = raw.get("header_row", 1)
    if not isinstance(header, int) or header < 1:
        raise _fail(where, "file.header_row must be a whole number from 1")
    thousands = raw.get("thousands")
    return FileFormat(
        fmt, encoding, delimiter, decimal, None if thousands is None else str(thousands), tuple(dates), header,
        raw.get("sheet"),
    )  # fmt: skip


def parse_profile(raw: Any, source: str) -> Profile:
    """Check one profile (parsed YAML) against the canonical model and return it; errors name `source`."""
    return parse_document(raw, source, "a profile", _parse_profile)


def _parse_profile(raw: dict[str, Any], source: str) -> Profile:
    where = source
    name = _text(raw.get("name"), where, "name")
    extract = raw.get("extract")
    if extract not in EXTRACTS:
        raise _fail(where, f"extract must be one of {sorted(EXTRACTS)}")
    model = load_model()
    table = model.table(EXTRACTS[extract])
    identity = raw.get("identity") or {}
    identity_column = _text(identity.get("column"), where, "identity.column")
    person = table.personal_columns[0]

    columns = raw.get("columns") or {}
    if not isinstance(columns, dict):
        raise _fail(where, "columns must map canonical columns to source headers")
    unknown = sorted(set(columns) - set(table.column_names))
    if unknown:
        raise _fail(where, f"columns names {unknown}, not columns of {table.name}")
    filled = sorted(set(columns) & {*FILLED_BY_INGEST, person})
    if filled:
        raise _fail(where, f"columns {filled} are filled by ingest (identity, area, municipality, batch)")
    constants = dict(raw.get("constants") or {})
    both = sorted(set(columns) & set(constants))
    if both:
        raise _fail(where, f"columns {both} are given both as a source column and as a constant")
    headers = [str(h) for h in columns.values()]
    if len(set(map(normalise, headers))) != len(headers):
        raise _fail(where, "two canonical columns read the same source header")
    covered = {*columns, *constants, *FILLED_BY_INGEST, person}
    missing = [c.name for c in table.columns if c.name not in covered and not c.nullable]
    if missing:
        raise _fail(where, f"required columns of {table.name} have no source column or constant: {missing}")

    area = raw.get("area") or {"match": "municipality"}
    area_match = area.get("match", "code")
    if area_match not in ("code", "name", "municipality"):
        raise _fail(where, "area.match must be code, name or municipality")
    area_column = area.get("column")
    if (area_match == "municipality") != (area_column is None):
        raise _fail(where, "area needs a column when matched by code or name, and none when it is the municipality")

    drop = tuple(str(d) for d in raw.get("drop") or [])
    read = {normalise(h) for h in [identity_column, *headers, *([area_column] if area_column else [])]}
    clash = sorted(d for d in drop if normalise(d) in read)
    if clash:
        raise _fail(where, f"drop lists columns that are also read: {clash}")

    values: dict[str, dict[str, str]] = {}
    first_labels: dict[str, dict[str, str]] = {}
    for column, mapping in (raw.get("values") or {}).items():
        if column not in table.column_names and not (extract == "referrals" and column == "reason"):
            raise _fail(where, f"values for {column!r}, which is not a column of {table.name}")
        codes_name = "referral_reason" if column == "reason" else table.column(column).codes
        if not codes_name:
            raise _fail(where, f"values for {column!r}, which has no code list")
        allowed = set(model.codes(codes_name).values())
        lookup: dict[str, str] = {}
        for code, labels in (mapping or {}).items():
            if code not in allowed:
                raise _fail(where, f"values.{column}: {code!r} is not a code of {codes_name}")
            for label in labels if isinstance(labels, list) else [labels]:
                key = normalise(label)
                if key in lookup and lookup[key] != code:
                    raise _fail(where, f"values.{column}: {label!r} maps to both {lookup[key]!r} and {code!r}")
                lookup[key] = code
                first_labels.setdefault(column, {}).setdefault(code, str(label))
        values[column] = lookup
    for column, value in constants.items():
        if column not in table.column_names:
            raise _fail(where, f"constant for {column!r}, which is not a column of {table.name}")
        codes_name = table.column(column).codes
        if codes_name and value not in set(model.codes(codes_name).values()):
            raise _fail(where, f"constants.{column}: {value!r} is not a code of {codes_name}")

    booleans = {normalise(k): v for v, words in DEFAULT_BOOLEANS.items() for k in words}
    boolean_labels = {True: "Ja", False: "Nej"}
    for truth, words in (raw.get("booleans") or {}).items():
        if not isinstance(truth, bool) or not isinstance(words, list) or not words:
            raise _fail(where, "booleans must be given as true: [...] and false: [...]")
        booleans.update({normalise(word): truth for word in words})
        boolean_labels[truth] = str(words[0])

    reasons = raw.get("reasons") or {}
    reason_columns = tuple(str(c) for c in reasons.get("columns", []))
    reason_separator = reasons.get("separator")
    if extract == "referrals":
        if bool(reason_columns) == bool(reasons.get("column")):
            raise _fail(where, "a referrals profile needs reasons: either columns [...] or column with separator")
        if reasons.get("column"):
            if not reason_separator:
                raise _fail(where, "reasons.column needs a separator")
            reason_columns = (str(reasons["column"]),)
    elif reasons:
        raise _fail(where, "reasons belong to referrals profiles only")

    return Profile(
        name=name,
        system=_text(raw.get("system"), where, "system"),
        extract=extract,
        description=str(raw.get("description", "")).strip(),
        file=_file_format(raw.get("file"), where),
        identity_column=identity_column,
        reserve_numbers=bool(identity.get("reserve_numbers", False)),
        area_column=area_column,
        area_match=area_match,
        columns={k: str(v) for k, v in columns.items()},
        drop=drop,
        values=values,
        booleans=booleans,
        labels=first_labels,
        boolean_labels=(boolean_labels[True], boolean_labels[False]),
        constants=constants,
        reason_columns=reason_columns,
        reason_separator=reason_separator,
        source=source,
    )


def _shipped() -> dict[str, Path]:
    folder = resources.files("socialstat.ingest").joinpath("profiles")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if str(p).endswith(".yaml")}


def list_profiles() -> list[str]:
    """The names of the profiles shipped with socialstat."""
    return sorted(_shipped())


@cache
def _load(path: Path) -> Profile:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:  # RecursionError: nested too deep
        raise SpecificationError(f"{path.name}: cannot read the profile ({type(exc).__name__})") from None
    return parse_profile(raw, path.name)


def load_profile(name_or_path: str | Path) -> Profile:
    """A shipped profile by name (see `list_profiles`), or a profile YAML file by path."""
    shipped = _shipped()
    if str(name_or_path) in shipped:
        return _load(shipped[str(name_or_path)])
    path = Path(name_or_path)
    if path.suffix in (".yaml", ".yml") and path.is_file():
        return _load(path.resolve())
    raise SpecificationError(f"unknown profile {str(name_or_path)!r}; shipped: {', '.join(shipped)} (or a .yaml path)")
