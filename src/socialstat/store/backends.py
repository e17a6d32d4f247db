"""The three backends behind the store, and the little each needs done its own way.

Everything socialstat computes is an Ibis expression and runs unchanged on DuckDB, PostgreSQL and Spark. What is
not an expression lives here, once per backend: opening a connection from a URL, appending Arrow data fast,
reading Parquet files with their row numbers, statements with parameters, transactions. What a backend cannot do
at all is declared in `BACKENDS` (docs/backends.md), and code asks that table instead of testing names.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import duckdb
import ibis
import pyarrow as pa

from socialstat import folders
from socialstat.errors import ConfigurationError, StoreError
from socialstat.store import postgres, spark


@dataclass(frozen=True)
class BackendInfo:
    """What a backend offers socialstat, and what it lacks: the gaps table (docs/backends.md)."""

    name: str
    transactions: str  # "native", or "undo": a failed block's added files and tables are removed again
    ingest: bool  # socialstat ingest (a staging schema, deletes while staging)
    withdraw: bool  # socialstat batch withdraw (deletes across the microdata tables)
    writers: str  # who may write at the same time
    count_appends: bool  # count a table after each append (DuckDB 1.4-1.5 may silently drop one, see Store.insert)
    note: str


BACKENDS: dict[str, BackendInfo] = {
    "duckdb": BackendInfo("duckdb", "native", True, True, "one process", True, "embedded default: one file"),
    "postgresql": BackendInfo("postgresql", "native", True, True, "many", False, "a shared server"),
    "spark": BackendInfo(
        "spark", "undo", False, False, "one process", False,
        "cluster scale: takes canonical Parquet (load-canonical), computes and releases; "
        "ingest extracts and withdraw batches in a DuckDB or PostgreSQL store",
    ),
}  # fmt: skip


def require(kind: str, capability: str, what: str) -> None:
    """Refuse `what` clearly when the backend lacks `capability` (a field of BackendInfo)."""
    info = BACKENDS[kind]
    if not getattr(info, capability):
        raise ConfigurationError(f"{what} is not available on the {kind} backend ({info.note})")


DUCKDB_SETTINGS = ("memory_limit", "threads", "temp_directory")
SPARK_SETTINGS = ("warehouse", "driver_memory", "shuffle_partitions", "app_name")
SETTINGS = {"duckdb": DUCKDB_SETTINGS, "postgresql": ("sslmode", "application_name"), "spark": SPARK_SETTINGS}


def scheme_of(url: str) -> str:
    """The backend named by a store URL (`postgres://` and `postgresql+psycopg://` are PostgreSQL)."""
    scheme = url.split("://", 1)[0].lower().split("+")[0]  # not urlparse: spark://local[2] is no IPv6 host
    return "postgresql" if scheme == "postgres" else scheme


def url_settings(url: str) -> dict[str, str]:
    """Backend settings given in the URL's query, e.g. `duckdb:///big.duckdb?memory_limit=3GB&threads=2`."""
    if "://" not in url:
        return {}
    kind = scheme_of(url)
    query = parse_qs(url.split("?", 1)[1]) if "?" in url else {}
    known = SETTINGS.get(kind, ())
    unknown = sorted(set(query) - set(known))
    if unknown:
        raise ConfigurationError(f"unknown store settings {unknown} in the URL; known for {kind}: {list(known)}")
    return {k: v[-1] for k, v in query.items()}


def credentials(url: str) -> tuple[str | None, str | None, str]:
    """(user, password, the URL without them). Not urlparse, which gives up on a password with an unencoded
    / ? or #: the password is whatever lies between the user's colon and the last @."""
    scheme, _, rest = url.rpartition("://")
    prefix = f"{scheme}://" if scheme else ""
    at = rest.rfind("@")
    if at < 0:
        return None, None, url
    user, colon, password = rest[:at].partition(":")
    return user, password if colon else None, prefix + rest[at + 1 :]


def safe_url(url: str) -> str:
    """The URL to show in messages, of any scheme or none: a password in it replaced by ***."""
    user, password, rest = credentials(url)
    if password is None:
        return url
    scheme, _, tail = rest.rpartition("://")
    return f"{scheme}://{user}:***@{tail}" if scheme else f"{user}:***@{tail}"


def open_backend(kind: str, url: str) -> Any:
    """The Ibis backend of a PostgreSQL or Spark store URL (DuckDB opens in connect)."""
    if kind == "postgresql":
        return postgres.open_postgres(url, url_settings(url))
    return spark.open_spark(url, url_settings(url))


def quoted(name: str, schema: str | None = None) -> str:
    """A table name quoted for SQL, in `schema` if given."""
    return f'"{schema}"."{name}"' if schema else f'"{name}"'


def append_arrow(kind: str, backend: Any, name: str, schema: str | None, data: pa.Table) -> None:
    """Append an Arrow table to a stored table, the fast way of each backend, without keeping it registered (an
    ibis memtable stays registered with DuckDB, so appending chunk after chunk through ibis would keep every chunk
    in memory until the connection closes)."""
    if kind == "postgresql":
        postgres.append_arrow(backend, quoted(name, schema), data)
    elif kind == "spark":
        if schema:
            raise StoreError(f"the spark backend keeps no schema {schema!r} ({BACKENDS[kind].note})")
        spark.append_arrow(backend, name, data)
    else:
        con = backend.con
        view = f"_append_{uuid.uuid4().hex}"
        columns = ", ".join(f'"{c}"' for c in data.column_names)
        con.register(view, data)
        try:
            con.execute(f'INSERT INTO {quoted(name, schema)} ({columns}) SELECT {columns} FROM "{view}"')
        finally:
            con.unregister(view)


def open_stage(kind: str, backend: Any, name: str, *, spill_here: bool = True) -> str | tuple[str, str]:
    """A fresh, empty place called `name` for ingest's staging tables (and what ibis calls its `database`).

    DuckDB: an in-memory database attached to the store's connection, so staging does not write the store's
    file; past its memory cap DuckDB moves blocks to a folder of this process beside the file
    (`_spill_privately`), unless `spill_here` is false (the store's URL names a temp_directory of its own).
    PostgreSQL: a schema of the store, dropped at the end of the run (and by the next run, after a crash). A
    schema of that name that an earlier version left in a DuckDB file is dropped too.
    """
    if kind == "duckdb":
        (current,) = backend.con.execute("SELECT current_database()").fetchone()
        if current == name:
            raise StoreError(
                f"a DuckDB store may not be called {name}.duckdb: ingest stages its batches under that name"
            )
        if spill_here:
            _spill_privately(backend)
        backend.con.execute(f"DETACH DATABASE IF EXISTS {quoted(name)}")
        backend.con.execute(f"DROP SCHEMA IF EXISTS {quoted(name)} CASCADE")
        backend.con.execute(f"ATTACH ':memory:' AS {quoted(name)}")
        return (name, "main")
    execute(kind, backend, f"DROP SCHEMA IF EXISTS {quoted(name)} CASCADE")
    execute(kind, backend, f"CREATE SCHEMA {quoted(name)}")
    return name


def _spill_privately(backend: Any) -> None:
    """Let a DuckDB store's connection spill into a folder of this process (``.NAME.stage-PID-XXXXXXXX`` beside
    the file, which DuckDB empties when the stage is detached and removes when the connection closes) instead of
    the shared `<file>.tmp`, and remove such folders left by processes killed outright (their spilled stage would
    otherwise stay on disk). A connection that has spilled already keeps its folder (DuckDB cannot switch); an
    in-memory store has none."""
    row = backend.con.execute("SELECT path FROM duckdb_databases() WHERE database_name = current_database()").fetchone()
    if not row or not row[0]:
        return
    store = Path(row[0])
    folders.clear_leftovers(store)
    private = str(folders.hidden(store, "stage")).replace("'", "''")
    with contextlib.suppress(duckdb.Error):
        backend.con.execute(f"SET temp_directory = '{private}'")


def close_stage(kind: str, backend: Any, name: str) -> None:
    """Remove ingest's staging place `name` and everything in it."""
    if kind == "duckdb":
        backend.con.execute(f"DETACH DATABASE IF EXISTS {quoted(name)}")
    else:
        execute(kind, backend, f"DROP SCHEMA IF EXISTS {quoted(name)} CASCADE")


def read_parquet(kind: str, backend: Any, files: Sequence[str]) -> ibis.Table:
    """Parquet files as a relation of the backend with a 0-based `file_row_number` (the row within the files,
    in order). DuckDB and Spark read the files where they lie; PostgreSQL gets them copied into a temporary
    table."""
    if kind == "postgresql":
        return postgres.read_parquet(backend, files)
    if kind == "spark":
        return spark.read_parquet(backend, list(files))
    # Folder names such as year=2024 are only a layout: every column is in the files themselves.
    return backend.read_parquet(list(files), file_row_number=True, hive_partitioning=False)


def replace_rows(kind: str, backend: Any, name: str, rows: ibis.Table) -> None:
    """Make `rows` (which may read the table itself) the whole content of table `name`."""
    if kind == "spark":
        spark.replace_rows(backend, name, rows)
        return
    staged = f"_rows_{uuid.uuid4().hex}"
    backend.create_table(staged, rows, temp=True)
    try:  # DELETE, not TRUNCATE: readers on PostgreSQL keep seeing the old rows until the caller commits
        execute(kind, backend, f"DELETE FROM {quoted(name)}")
        backend.insert(name, backend.table(staged))
    except BaseException:  # in an aborted transaction the drop fails too: the rollback removes the table
        with contextlib.suppress(Exception):
            backend.drop_table(staged, force=True)
        raise
    backend.drop_table(staged, force=True)


def delete_where(kind: str, backend: Any, name: str, column: str, value: str) -> int:
    """Delete the rows of table `name` whose `column` equals `value`; the rows deleted."""
    if kind == "spark":
        return spark.delete_where(backend, name, column, value)
    return execute(kind, backend, f"DELETE FROM {quoted(name)} WHERE {quoted(column)} = ?", [value])


def execute(kind: str, backend: Any, sql: str, params: Sequence[Any] = ()) -> int:
    """Run a statement with `?` placeholders; the rows it changed (for DELETE and UPDATE)."""
    if kind == "postgresql":
        return postgres.execute(backend, sql, params)
    if kind == "spark":
        raise StoreError(f"the spark backend runs no SQL statements of socialstat's ({BACKENDS[kind].note})")
    cursor = backend.con.execute(sql, list(params))
    changes = sql.lstrip().upper().startswith(("DELETE", "UPDATE", "INSERT"))
    row = cursor.fetchone() if changes else None
    return int(row[0]) if row else 0


def lock(kind: str, backend: Any, name: str, *, hold: bool) -> None:
    """Take or give back the store-wide lock `name` where several processes may write (PostgreSQL); a DuckDB file
    has one writing process anyway."""
    if BACKENDS[kind].writers == "many":
        postgres.lock(backend, name, hold=hold)


@contextmanager
def transaction(kind: str, backend: Any) -> Iterator[None]:
    """Everything in the block is committed, or on any exception nothing is (Spark: undone, see spark.py)."""
    if kind == "postgresql":
        with postgres.transaction(backend):
            yield
    elif kind == "spark":
        with spark.transaction(backend):
            yield
    else:
        raw = backend.con
        raw.begin()
        try:
            yield
        except BaseException:
            raw.rollback()
            raise
        raw.commit()
