"""Open the store: the one place where a database URL becomes an Ibis backend.

The default is a DuckDB file `socialstat.duckdb` in the working directory, or the URL in `SOCIALSTAT_DB`.
What each backend can do is declared in `BACKENDS`; code asks this table instead of testing backend names.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import ibis
import pandas as pd
import pyarrow as pa

from socialstat.errors import ConfigurationError, StoreError
from socialstat.store import backends
from socialstat.store.backends import BACKENDS, BackendInfo, safe_url, scheme_of, url_settings

DEFAULT_DB_FILE = "socialstat.duckdb"
ENV_VAR = "SOCIALSTAT_DB"


def default_url() -> str:
    """The store URL to use when none is given: $SOCIALSTAT_DB, else ./socialstat.duckdb."""
    return os.environ.get(ENV_VAR) or f"duckdb:///{DEFAULT_DB_FILE}"


def parse_url(url: str) -> tuple[str, str]:
    """Split a store URL into (backend, location). `duckdb:///rel/path`, `duckdb:////abs/path`,
    `duckdb://` or `duckdb:///:memory:` (in memory); a bare path ending in .duckdb is taken as a DuckDB file."""
    if "://" not in url:
        if url.endswith(".duckdb"):
            return "duckdb", url
        raise ConfigurationError(f"cannot read store URL {safe_url(url)!r}: expected e.g. duckdb:///socialstat.duckdb")
    scheme = scheme_of(url)
    if scheme not in BACKENDS:
        raise ConfigurationError(f"unknown store backend {scheme!r} in {safe_url(url)!r}; known: {sorted(BACKENDS)}")
    location = url.split("://", 1)[1].split("?", 1)[0]
    if location.startswith("/"):
        location = location[1:]
    return scheme, location or ":memory:"


class Store:
    """An open connection to the store, with transactions declared per backend."""

    def __init__(self, backend: Any, url: str, kind: str) -> None:
        self.backend = backend
        self.url = safe_url(url)  # for messages: a password never shows
        self.kind = kind
        self._transactions = 0  # how deep in `transaction` blocks

    @property
    def info(self) -> BackendInfo:
        """The capabilities of this store's backend."""
        return BACKENDS[self.kind]

    def table(self, name: str, *, schema: str | None = None) -> ibis.Table:
        """An Ibis expression for a stored table (in `schema`, e.g. ingest's staging schema, if given)."""
        return self.backend.table(name, database=schema) if schema else self.backend.table(name)

    def read_parquet(self, files: list[str]) -> ibis.Table:
        """Parquet files as a relation in this backend, with a 0-based `file_row_number` column."""
        return backends.read_parquet(self.kind, self.backend, files)

    def insert(self, name: str, data: pd.DataFrame | pa.Table | ibis.Table, *, schema: str | None = None) -> int:
        """Append rows (a frame, an Arrow table or an expression) to table `name`; the number appended.

        An empty source is not sent to the backend, and inside a transaction the table's count is checked
        afterwards: DuckDB 1.4 and 1.5 silently drop an append of more than one row group (122 880 rows) that
        follows an empty append to the same table in the same transaction (fixed in DuckDB 2.0, which ibis 12
        cannot use yet). A count that does not add up raises StoreError, so the transaction rolls back rather
        than lose rows. Backends without the defect (BackendInfo.count_appends) are not counted: on a shared
        server another session's commit would spoil the count.
        """
        if isinstance(data, ibis.Table):
            n = int(data.count().execute())
        else:
            n = data.num_rows if isinstance(data, pa.Table) else len(data)
            if isinstance(data, pd.DataFrame):
                data = pa.Table.from_pandas(data, preserve_index=False)  # much faster than Python objects
        if n == 0:
            return 0
        counted = self.info.count_appends and self._transactions > 0
        before = self._count(name, schema) if counted else 0
        if isinstance(data, pa.Table):
            backends.append_arrow(self.kind, self.backend, name, schema, data)
        else:
            self.backend.insert(name, data, database=schema)
        if counted and (added := self._count(name, schema) - before) != n:
            raise StoreError(f"appending {n} rows to {name} added {added}; nothing of this run was kept")
        return n

    def replace_rows(self, name: str, rows: ibis.Table) -> int:
        """Make `rows` (an expression that may read the table itself) the whole content of table `name`; the rows
        it then holds."""
        backends.replace_rows(self.kind, self.backend, name, rows)
        return self._count(name)

    def cache(self, rel: ibis.Table) -> ibis.Table:
        """`rel` materialised in the backend, for reading several times (release it with `.release()`). Spark
        caches lazily and without the in-memory tables the expression uses: they are registered first, and the
        cache is filled at once, so the tables it was made from may be released."""
        if self.kind != "spark":
            return rel.cache()
        self.backend._register_in_memory_tables(rel)
        cached = rel.cache()
        cached.count().execute()
        return cached

    def delete_where(self, name: str, column: str, value: str) -> int:
        """Delete the rows of table `name` whose `column` equals `value`; the rows deleted."""
        return backends.delete_where(self.kind, self.backend, name, column, value)

    def execute(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an SQL statement with `?` placeholders (DELETE, UPDATE, schema changes); the rows it changed."""
        return backends.execute(self.kind, self.backend, sql, params)

    def lock(self, name: str) -> None:
        """Wait for and take the store-wide lock `name` (e.g. one ingest at a time on a shared server)."""
        backends.lock(self.kind, self.backend, name, hold=True)

    def unlock(self, name: str) -> None:
        """Give back the store-wide lock `name`."""
        backends.lock(self.kind, self.backend, name, hold=False)

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
        """Names of the persistent tables (temporary tables and views of a run, ibis_* or _*, left out)."""
        return sorted(t for t in self.backend.list_tables() if not t.startswith(("ibis_", "_")))

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Run the block atomically: everything is committed, or on any exception nothing is."""
        self._transactions += 1
        try:
            with backends.transaction(self.kind, self.backend):
                yield
        finally:
            self._transactions -= 1

    def close(self) -> None:
        """Close the connection (a Spark session stays for the process: it is slow to start, and one per process)."""
        if self.kind != "spark":
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
    return Store(backends.open_backend(kind, url), url, kind)
