"""Check a relation (an Ibis table) against a canonical table; problems are collected, not raised one by one.

The checks run as Ibis expressions on the store's backend, so a file of tens of millions of rows is checked
where it lies, without loading it into Python. Examples of offending values are shown only for columns that
are not personal, so no pseudonymised key (and never an identity number) reaches a message.
"""

from __future__ import annotations

from typing import Any

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from socialstat.errors import Problem
from socialstat.model.spec import Model, Table, load_model

MAX_EXAMPLES = 3


def _compatible(actual: dt.DataType, declared: str) -> bool:
    """Whether a column of type `actual` can be stored losslessly as the declared canonical type."""
    if declared == "string":
        return actual.is_string()
    if declared == "key":  # a UUID, or text to be read as one
        return actual.is_string() or actual.is_uuid()
    if declared == "int64":
        return actual.is_integer()
    if declared == "float64":
        return actual.is_floating() or actual.is_integer() or actual.is_decimal()
    if declared == "boolean":
        return actual.is_boolean()
    if declared == "date":
        return actual.is_date()
    if declared == "timestamp":
        return actual.is_timestamp()
    return False


def _scalar(expr: Any) -> int:
    """A count or sum as an int; the sum of no rows is NULL (None, or NaN on Spark), which counts as 0."""
    value = expr.execute()
    return 0 if pd.isna(value) else int(value)


def _first_row_and_examples(
    rel: ibis.Table, predicate: Any, column: str | None, personal: bool
) -> tuple[int, tuple[str, ...]]:
    bad = rel.filter(predicate)
    first = _scalar(bad["_row"].min())
    if personal or column is None:
        return first, ()
    values = bad.select(v=bad[column].cast("string")).distinct().order_by("v").limit(MAX_EXAMPLES).execute()["v"]
    return first, tuple("NULL" if v is None else repr(v) for v in values)


def validate_relation(
    rel: ibis.Table,
    table: Table | str,
    *,
    source: str | None = None,
    model: Model | None = None,
    row_column: str | None = None,
) -> list[Problem]:
    """Return every problem of `rel` against canonical `table`: missing or extra columns, types, nulls, codes,
    bounds and duplicate keys. An empty list means the relation conforms.

    `row_column` names a 0-based row number of the source (e.g. DuckDB's `file_row_number`); problems then
    name the source's 1-based row. Without it, rows are numbered in scan order."""
    model = model or load_model()
    spec = model.table(table) if isinstance(table, str) else table
    problems: list[Problem] = []

    def add(
        reason: str,
        column: str | None,
        rows: int,
        message: str,
        first: int | None = None,
        examples: tuple[str, ...] = (),
    ) -> None:
        problems.append(Problem(reason, spec.name, column, rows, message, examples, source, first))

    present = set(rel.columns) - {row_column}
    missing = [c for c in spec.column_names if c not in present]
    extra = sorted(present - set(spec.column_names))
    if missing:
        add("missing_column", None, 0, f"missing columns {missing}")
    if extra:
        add("unexpected_column", None, 0, f"columns not in the canonical model {extra}")
    if missing:
        return problems

    rel = rel.mutate(_row=(rel[row_column] + 1) if row_column else (ibis.row_number() + 1))
    checkable = []
    for col in spec.columns:
        actual = rel.schema()[col.name]
        if not _compatible(actual, col.type):
            add("wrong_type", col.name, 0, f"has type {actual}, expected {col.type}")
        else:
            checkable.append(col)

    for col in checkable:
        c = rel[col.name]
        rules: list[tuple[str, Any, str]] = []
        if not col.nullable:
            rules.append(("null_value", c.isnull(), "is empty but the column is required"))
        if col.type == "key" and rel.schema()[col.name].is_string():
            rules.append(("invalid_key", c.notnull() & c.try_cast("uuid").isnull(), "is not a key (a UUID)"))
        if col.codes:
            allowed = list(model.codes(col.codes).values())
            rules.append(("unknown_code", c.notnull() & ~c.isin(allowed), f"has codes not in code list {col.codes!r}"))
        if col.min is not None:
            rules.append(("below_minimum", c < col.min, f"is below the minimum {col.min}"))
        if col.max is not None:
            rules.append(("above_maximum", c > col.max, f"is above the maximum {col.max}"))
        for reason, predicate, message in rules:
            n = _scalar(rel.filter(predicate).count())
            if n:
                first, examples = _first_row_and_examples(rel, predicate, col.name, col.personal)
                add(reason, col.name, n, message, first, examples)

    key_cols = list(spec.key)
    dupes = rel.group_by(key_cols).aggregate(n=rel.count()).filter(lambda t: t.n > 1)
    n_dupes = _scalar(dupes.n.sum())
    if n_dupes:
        add("duplicate_key", ",".join(key_cols), n_dupes, f"repeats the key ({', '.join(key_cols)})")
    return problems
