"""Open the store: the one place where a database URL becomes an Ibis backend.

The default is a DuckDB file `socialstat.duckdb` in the working directory, or the URL in `SOCIALSTAT_DB`.
What each backend can do is declared in `BACKENDS`; code asks this table instead of testing backend names.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlparse

import ibis
import pandas as pd
import pyarrow as pa

from socialstat.errors import ConfigurationError, StoreError

DEFAULT_DB_FILE = "socialstat.duckdb"
ENV_VAR = "SOCIALSTAT_DB"


@dataclass(frozen=True)
class BackendInfo:
    """What socialstat relies on from a backend."""

    name: str
    supported: bool
    transactions: bool
    note: str


BACKENDS: dict[str, BackendInfo] = {
    "duckdb": BackendInfo("duckdb", True, True, "embedded default; one file"),
    "postgresql": BackendInfo("postgresql", False, True, "shared server; planned (backends issue)"),
    "spark": BackendInfo("spark", False, False, "cluster scale; planned (backends issue)"),
}


def default_url() -> str:
    """The store URL to use when none is given: $SOCIALSTAT_DB, else ./socialstat.duckdb."""
    return os.environ.get(ENV_VAR) or f"duckdb:///{DEFAULT_DB_FILE}"


def parse_url(url: str) -> tuple[str, str]:
    """Split a store URL into (backend, location). `duckdb:///rel/path`, `duckdb:////abs/path`,
    `duckdb://` or `duckdb:///:memory:` (in memory); a bare path ending in .duckdb is taken as a DuckDB file."""
    if "://" not in url:
        if url.endswith(".duckdb"):
            return "duckdb", url
        raise ConfigurationError(f"cannot read store URL {url!r}: expected e.g. duckdb:///socialstat.duckdb")
    parsed = urlparse(url)
    scheme = parsed.scheme.split("+")[0]
    if scheme == "postgres":
        scheme = "postgresql"
    if scheme not in BACKENDS:
        raise ConfigurationError(f"unknown store backend {scheme!r} in {url!r}; known: {sorted(BACKENDS)}")
    if not BACKENDS[scheme].supported:
        raise ConfigurationError(f"the {scheme} backend is not available yet ({BACKENDS[scheme].note})")
    location = url.split("://", 1)[1].split("?", 1)[0]
    if location.startswith("/"):
        location = location[1:]
    return scheme, location or ":memory:"


DUCKDB_SETTINGS = ("memory_limit", "threads", "temp_directory")


def url_settings(url: str) -> dict[str, str]:
    """Backend settings given in the URL's query, e.g. `duckdb:///big.duckdb?memory_limit=3GB&threads=2`."""
    query = parse_qs(urlparse(url).query) if "://" in url else {}
    unknown = sorted(set(query) - set(DUCKDB_SETTINGS))
    if unknown:
        raise ConfigurationError(f"unknown store settings {unknown} in the URL; known: {list(DUCKDB_SETTINGS)}")
    return {k: v[-1] for k, v in query.items()}


class Store:
    """An open connection to the store, with transactions declared per backend."""

    def __init__(self, backend: Any, url: str, kind: str) -> None:
        self.backend = backend
        self.url = url
        self.kind = kind

    @property
    def info(self) -> BackendInfo:
        """The capabilities of this store's backend."""
        return BACKENDS[self.kind]

    def table(self, name: str, *, schema: str | None = None) -> ibis.Table:
        """An Ibis expression for a stored table (in `schema`, e.g. ingest's staging schema, if given)."""
        return self.backend.table(name, database=schema) if schema else self.backend.table(name)

    def read_parquet(self, files: list[str]) -> ibis.Table:
        """Parquet files as a relation in this backend, with a 0-based `file_row_number` column."""
        return self.backend.read_parquet(files, file_row_number=True)

    def insert(self, name: str, data: pd.DataFrame | pa.Table | ibis.Table, *, schema: str | None = None) -> int:
        """Append rows (a frame, an Arrow table or an expression) to table `name`; the number appended.

        An empty source is not sent to the backend, and the table's count is checked afterwards: DuckDB 1.4 and
        1.5 silently drop an append of more than one row group (122 880 rows) that follows an empty append to
        the same table in the same transaction (fixed in DuckDB 2.0, which ibis 12 cannot use yet). A count
        that does not add up raises StoreError, so the transaction rolls back rather than lose rows.
        """
        if isinstance(data, ibis.Table):
            n = int(data.count().execute())
        else:
            n = data.num_rows if isinstance(data, pa.Table) else len(data)
            if isinstance(data, pd.DataFrame):
                data = pa.Table.from_pandas(data, preserve_index=False)  # much faster than Python objects
        if n == 0:
            return 0
        before = self._count(name, schema)
        if isinstance(data, pa.Table):
            self._append_arrow(name, schema, data)
        else:
            self.backend.insert(name, data, database=schema)
        added = self._count(name, schema) - before
        if added != n:
            raise StoreError(f"appending {n} rows to {name} added {added}; nothing of this run was kept")
        return n

    def _append_arrow(self, name: str, schema: str | None, data: pa.Table) -> None:
        """Append an Arrow table, and let go of it afterwards (an ibis memtable stays registered with DuckDB, so
        appending chunk after chunk through ibis would keep every chunk in memory until the connection closes)."""
        con = self.backend.con
        view = f"_append_{uuid.uuid4().hex}"
        columns = ", ".join(f'"{c}"' for c in data.column_names)
        target = f'"{schema}"."{name}"' if schema else f'"{name}"'
        con.register(view, data)
        try:
            con.execute(f'INSERT INTO {target} ({columns}) SELECT {columns} FROM "{view}"')
        finally:
            con.unregister(view)

    def limit_memory(self, limit: str | None) -> None:
        """Cap the backend's memory at `limit` (e.g. '1GB') for a while, or lift the cap again (None). A limit
        given in the store's URL always wins."""
        if self.kind != "duckdb" or "memory_limit" in url_settings(self.url):
            return
        if limit is None:
            self.backend.con.execute("RESET memory_limit")
        else:
            self.backend.con.execute("SET memory_limit = ?", [limit])

    def _count(self, name: str, schema: str | None = None) -> int:
        return int(self.table(name, schema=schema).count().execute())

    def tables(self) -> list[str]:
        """Names of the persistent tables (temporary in-memory tables left out)."""
        return sorted(t for t in self.backend.list_tables() if not t.startswith("ibis_"))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically: everything is committed, or on any exception nothing is."""
        if not self.info.transactions:
            raise StoreError(f"the {self.kind} backend has no transactions")
        raw = self.backend.con
        raw.begin()
        try:
            yield
        except BaseException:
            raw.rollback()
            raise
        raw.commit()

    def close(self) -> None:
        """Close the connection."""
        self.backend.disconnect()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def connect(url: str | None = None) -> Store:
    """Open (or create) the store at `url` (default: see `default_url`)."""
    url = url or default_url()
    kind, location = parse_url(url)
    if kind == "duckdb":
        if location != ":memory:":
            parent = Path(location).parent
            if not parent.exists():
                raise StoreError(f"cannot open store {url!r}: folder {str(parent)!r} does not exist")
        settings = url_settings(url)
        try:
            backend = ibis.duckdb.connect(location, **settings)
        except Exception as exc:  # duckdb raises its own IOException etc.
            raise StoreError(f"cannot open store {url!r}: {type(exc).__name__}: {exc}") from None
        return Store(backend, url, kind)
    raise ConfigurationError(f"backend {kind!r} is declared but has no connector")  # pragma: no cover
