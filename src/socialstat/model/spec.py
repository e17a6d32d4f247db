"""Load the canonical model (schema.yaml, codes.yaml) into frozen dataclasses and check it is well formed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any, TypeVar

import yaml

from socialstat.errors import SpecificationError

T = TypeVar("T")

TYPES = ("string", "key", "int64", "float64", "boolean", "date", "timestamp")
TABLE_KINDS = ("reference", "microdata", "system")


@dataclass(frozen=True)
class Code:
    """One allowed value of a code list, with labels and optional attributes."""

    code: str
    sv: str
    en: str
    attributes: dict[str, Any] = field(default_factory=dict, hash=False, compare=False)


@dataclass(frozen=True)
class CodeList:
    """A named list of allowed codes."""

    name: str
    description: str
    codes: tuple[Code, ...]

    def values(self) -> tuple[str, ...]:
        """The allowed codes, in declared order."""
        return tuple(c.code for c in self.codes)

    def label(self, code: str, lang: str = "sv") -> str:
        """The Swedish (`sv`) or English (`en`) label of `code`."""
        for c in self.codes:
            if c.code == code:
                return c.sv if lang == "sv" else c.en
        raise KeyError(f"code {code!r} is not in code list {self.name!r}")

    def attribute(self, code: str, name: str) -> Any:
        """An attribute of one code (e.g. the service area of an intervention category)."""
        for c in self.codes:
            if c.code == code:
                return c.attributes[name]
        raise KeyError(f"code {code!r} is not in code list {self.name!r}")


@dataclass(frozen=True)
class Column:
    """One column of a canonical table."""

    name: str
    type: str
    description: str
    nullable: bool = False
    personal: bool = False
    codes: str | None = None
    references: str | None = None
    min: float | None = None
    max: float | None = None


@dataclass(frozen=True)
class Table:
    """One canonical table."""

    name: str
    kind: str
    description: str
    key: tuple[str, ...]
    columns: tuple[Column, ...]
    period: str | None = None

    @property
    def column_names(self) -> tuple[str, ...]:
        """Column names in declared order."""
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        """The column called `name`."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(f"table {self.name!r} has no column {name!r}")

    @property
    def personal_columns(self) -> tuple[str, ...]:
        """Columns holding pseudonymised personal data."""
        return tuple(c.name for c in self.columns if c.personal)


@dataclass(frozen=True)
class Model:
    """The canonical model: schema version, tables and code lists."""

    version: int
    tables: dict[str, Table] = field(hash=False)
    code_lists: dict[str, CodeList] = field(hash=False)

    def table(self, name: str) -> Table:
        """The table called `name`."""
        try:
            return self.tables[name]
        except KeyError:
            raise SpecificationError(f"unknown canonical table {name!r}") from None

    def codes(self, name: str) -> CodeList:
        """The code list called `name`."""
        try:
            return self.code_lists[name]
        except KeyError:
            raise SpecificationError(f"unknown code list {name!r}") from None

    def tables_of_kind(self, kind: str) -> tuple[Table, ...]:
        """Tables of one kind (reference, microdata or system) in declared order."""
        return tuple(t for t in self.tables.values() if t.kind == kind)


def parse_document(raw: Any, source: str, what: str, parse: Callable[[dict[str, Any], str], T]) -> T:
    """`parse(raw, source)` of one parsed YAML document describing `what` ("a profile"): refused unless a mapping of
    bounded size (`check_size`); a field of the wrong shape raising inside `parse` becomes a SpecificationError
    naming `source`."""
    if not isinstance(raw, dict):
        raise SpecificationError(f"{source}: {what} must be a mapping of its fields")
    check_size(raw, source)
    try:
        return parse(raw, source)
    except SpecificationError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError) as exc:  # a field that is not of the shape it needs
        raise SpecificationError(f"{source}: malformed {what.split()[-1]} ({type(exc).__name__}: {exc})") from None


def check_size(raw: Any, source: str, limit: int = 100_000) -> None:
    """Refuse parsed YAML of more than `limit` values: YAML aliases can make a small file expand beyond any
    memory ("billion laughs"), and checking such a document would never end."""
    stack, count = [raw], 0
    while stack:
        node = stack.pop()
        count += 1
        if count > limit:
            raise SpecificationError(f"{source}: more than {limit} values (aliases repeated over and over?)")
        if isinstance(node, dict):
            stack += [*node, *node.values()]
        elif isinstance(node, list):
            stack += node


def _read_yaml(name: str) -> Any:
    text = resources.files("socialstat.model").joinpath(name).read_text(encoding="utf-8")
    return yaml.safe_load(text)


def _parse_code_lists(raw: Any) -> dict[str, CodeList]:
    if not isinstance(raw, dict):
        raise SpecificationError("codes.yaml: top level must be a mapping of code lists")
    lists: dict[str, CodeList] = {}
    for name, body in raw.items():
        try:
            codes = []
            for item in body["codes"]:
                extra = {k: v for k, v in item.items() if k not in ("code", "sv", "en")}
                empty = [k for k, v in extra.items() if v is None]
                if empty:  # an unquoted comma in a flow mapping splits a label: `en: A (b, c)` gives key `c)`
                    raise SpecificationError(
                        f"codes.yaml: code {item.get('code')!r} of {name!r} has keys without values {empty}; "
                        "quote labels that hold a comma"
                    )
                codes.append(Code(str(item["code"]), str(item["sv"]), str(item["en"]), extra))
        except (KeyError, TypeError) as exc:
            raise SpecificationError(f"codes.yaml: code list {name!r} is malformed ({exc})") from None
        values = [c.code for c in codes]
        if len(set(values)) != len(values):
            raise SpecificationError(f"codes.yaml: code list {name!r} repeats a code")
        lists[name] = CodeList(name, str(body.get("description", "")), tuple(codes))
    return lists


def _parse_table(name: str, body: dict[str, Any], code_lists: dict[str, CodeList]) -> Table:
    columns = []
    for col_name, spec in body["columns"].items():
        unknown = set(spec) - {
            "type",
            "description",
            "nullable",
            "personal",
            "codes",
            "references",
            "min",
            "max",
        }
        if unknown:
            raise SpecificationError(f"schema.yaml: {name}.{col_name} has unknown fields {sorted(unknown)}")
        if spec.get("type") not in TYPES:
            raise SpecificationError(
                f"schema.yaml: {name}.{col_name} has type {spec.get('type')!r}, not one of {TYPES}"
            )
        if spec.get("codes") and spec["codes"] not in code_lists:
            raise SpecificationError(f"schema.yaml: {name}.{col_name} names unknown code list {spec['codes']!r}")
        columns.append(
            Column(
                name=col_name,
                type=spec["type"],
                description=str(spec.get("description", "")),
                nullable=bool(spec.get("nullable", False)),
                personal=bool(spec.get("personal", False)),
                codes=spec.get("codes"),
                references=spec.get("references"),
                min=spec.get("min"),
                max=spec.get("max"),
            )
        )
    table = Table(
        name,
        body["kind"],
        str(body.get("description", "")),
        tuple(body["key"]),
        tuple(columns),
        body.get("period"),
    )
    if table.kind not in TABLE_KINDS:
        raise SpecificationError(f"schema.yaml: table {name!r} has kind {table.kind!r}")
    if table.period and table.period not in table.column_names:
        raise SpecificationError(f"schema.yaml: period of {name!r} names unknown column {table.period!r}")
    missing = set(table.key) - set(table.column_names)
    if missing:
        raise SpecificationError(f"schema.yaml: key of {name!r} names unknown columns {sorted(missing)}")
    return table


@cache
def load_model() -> Model:
    """Load and check the canonical model shipped with the package (cached)."""
    code_lists = _parse_code_lists(_read_yaml("codes.yaml"))
    raw = _read_yaml("schema.yaml")
    tables = {name: _parse_table(name, body, code_lists) for name, body in raw["tables"].items()}
    for table in tables.values():
        for col in table.columns:
            if col.references:
                ref_table, _, ref_col = col.references.partition(".")
                if ref_table not in tables or ref_col not in tables[ref_table].column_names:
                    raise SpecificationError(
                        f"schema.yaml: {table.name}.{col.name} references unknown {col.references}"
                    )
    return Model(version=int(raw["version"]), tables=tables, code_lists=code_lists)
