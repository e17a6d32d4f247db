"""Load canonical Parquet (one file or folder of parts per table) into the store, atomically.

Canonical data has passed ingest (or comes from the synthetic generator), so this loader is strict: every
table is validated against the model first, problems are collected across all tables, and a single problem
stops the whole load before anything is written. The write itself runs in one transaction: all tables and
their batch records are committed together, or nothing is.

Reference tables are keyed facts: a load replaces rows with the same key. Microdata arrive as batches: each
file becomes a batch (`batches` row, `batch_id` on every row), and a batch or key already in the store is
refused rather than loaded twice.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import ibis
import pandas as pd

from socialstat.errors import LoadError, Problem, ValidationError
from socialstat.model.spec import Model, Table, load_model
from socialstat.model.validate import validate_relation
from socialstat.store.connect import Store
from socialstat.store.schema import ibis_schema


@dataclass(frozen=True)
class TableLoad:
    """What one table's load did."""

    table: str
    batch_id: str | None
    rows_read: int
    rows_loaded: int


@dataclass
class LoadReport:
    """The outcome of a canonical load: one entry per table, in load order."""

    directory: str
    tables: list[TableLoad] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        """Rows written across all tables."""
        return sum(t.rows_loaded for t in self.tables)


def _parquet_files(directory: Path, table: str) -> list[Path]:
    single = directory / f"{table}.parquet"
    if single.is_file():
        return [single]
    folder = directory / table
    if folder.is_dir():  # parts, at any depth: e.g. referrals/municipality=1480/year=2024/part-0.parquet
        return sorted(folder.rglob("*.parquet"))
    return []


def _sha256(files: list[Path]) -> str:
    digest = hashlib.sha256()
    for path in files:
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                digest.update(chunk)
    return digest.hexdigest()


def _key_clash(store: Store, spec: Table, rel: ibis.Table) -> int:
    """Rows of `rel` whose key already exists in the stored table."""
    existing = store.table(spec.name)
    keys = list(spec.key)
    clash = rel.select(keys).semi_join(existing.select(keys), keys)
    return int(clash.count().execute())


def load_canonical(store: Store, directory: str | Path, *, model: Model | None = None) -> LoadReport:
    """Validate and load every canonical table found in `directory`; all or nothing.

    Raises `ValidationError` (with every problem) when any table breaks the model, `LoadError` when the
    directory holds no canonical table or a batch was loaded before.
    """
    model = model or load_model()
    directory = Path(directory)
    if not directory.is_dir():
        raise LoadError(f"{directory}: not a folder of canonical Parquet files")
    loadable = [t for t in model.tables.values() if t.kind in ("reference", "microdata")]
    found = {t.name: files for t in loadable if (files := _parquet_files(directory, t.name))}
    if not found:
        raise LoadError(f"{directory}: no canonical table found (expected e.g. referrals.parquet or referrals/)")
    loaded_batches = set(store.table("batches").batch_id.execute())

    problems: list[Problem] = []
    plan: list[tuple[Table, ibis.Table, str | None, str, str, int]] = []
    for spec in loadable:
        if spec.name not in found:
            continue
        files = found[spec.name]
        source = f"{directory.name}/{files[0].name}" if len(files) == 1 else f"{directory.name}/{spec.name}/"
        # file_row_number lets problems name the row of the file (exact for a single file).
        rel = store.read_parquet([str(f) for f in files])
        batch_id = None
        sha = _sha256(files)
        if spec.kind == "microdata":
            batch_id = f"{spec.name}-{sha[:16]}"
            if batch_id in loaded_batches:
                raise LoadError(f"{source}: batch {batch_id} is already in the store; withdraw it before reloading")
            if "batch_id" in rel.columns:
                problems.append(
                    Problem(
                        "unexpected_column",
                        spec.name,
                        "batch_id",
                        0,
                        "batch_id is set by the loader",
                        source=source,
                    )
                )
                continue
            rel = rel.mutate(batch_id=ibis.literal(batch_id))
        found_problems = validate_relation(rel, spec, source=source, model=model, row_column="file_row_number")
        problems += found_problems
        if found_problems:
            continue
        rel = rel.select(
            *[rel[c.name].cast("uuid").name(c.name) if c.type == "key" else rel[c.name] for c in spec.columns]
        )
        if spec.kind == "microdata":
            clash = _key_clash(store, spec, rel)
            if clash:
                problems.append(
                    Problem(
                        "duplicate_key_in_store",
                        spec.name,
                        ",".join(spec.key),
                        clash,
                        "key already in the store",
                        source=source,
                    )
                )
                continue
        plan.append((spec, rel, batch_id, source, sha, int(rel.count().execute())))
    if problems:
        raise ValidationError(problems)

    report = LoadReport(str(directory))
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    with store.transaction():
        for spec, rel, batch_id, source, sha, n in plan:
            if spec.kind == "reference":
                replace_reference(store, spec, rel)
            else:
                store.insert(spec.name, rel)
                batch = {
                    "batch_id": batch_id,
                    "table_name": spec.name,
                    "source": source,
                    "profile": "canonical",
                    "sha256": sha,
                    "rows_read": n,
                    "rows_loaded": n,
                    "rows_quarantined": 0,
                    "loaded_at": now,
                    "status": "loaded",
                    "municipality_code": None,
                }
                store.insert("batches", pd.DataFrame([batch]))
            report.tables.append(TableLoad(spec.name, batch_id, n, n))
    return report


def replace_reference(store: Store, spec: Table, rel: ibis.Table) -> None:
    """Replace rows of a reference table that share a key with `rel`, keep the others, add the new ones."""
    keys = list(spec.key)
    existing = store.table(spec.name)
    kept = existing.anti_join(rel.select(keys), keys).select(*spec.column_names)
    store.replace_rows(spec.name, kept.union(rel.select(*spec.column_names).cast(kept.schema())))


def reference_rows(spec: Table, frame: pd.DataFrame) -> ibis.Table:
    """A frame of a reference table's rows as a relation typed as the table (a column of nothing but nulls
    would otherwise have no type, which PostgreSQL and Spark cannot take)."""
    return ibis.memtable(frame[list(spec.column_names)], schema=ibis_schema(spec))


def load_reference(store: Store, table: str, frame: pd.DataFrame) -> int:
    """Write a canonical reference table's rows (e.g. imported population), replacing rows with the same key,
    in one transaction; the rows written."""
    spec = load_model().table(table)
    if spec.kind != "reference":
        raise LoadError(f"{table} is not a reference table")
    with store.transaction():
        replace_reference(store, spec, reference_rows(spec, frame))
    return len(frame)
