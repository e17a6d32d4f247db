"""PostgreSQL behind the store: opening a server from a URL, COPY for appends, Parquet copied in with row numbers.

Ibis opens the connection in autocommit mode and wraps each of its own writes in `con.transaction()`; psycopg
nests those as savepoints inside the store's transaction (`transaction`), so a block commits whole or not at all.
"""

from __future__ import annotations

import io
import os
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any
from urllib.parse import unquote, urlparse

import ibis
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from socialstat.errors import StoreError


def open_postgres(url: str, settings: dict[str, str]) -> Any:
    """An Ibis PostgreSQL backend for `postgresql://user:password@host:port/database`. Unset parts come from the
    usual PG* variables (PGHOST, PGPORT, PGUSER, PGPASSWORD) or ~/.pgpass; the database defaults to socialstat."""
    from socialstat.store.backends import credentials, safe_url

    user, password, rest = credentials(url)
    try:
        parsed = urlparse(rest)
        return ibis.postgres.connect(
            host=parsed.hostname or os.environ.get("PGHOST") or "localhost",
            port=parsed.port or int(os.environ.get("PGPORT", "5432")),
            user=unquote(user) if user else os.environ.get("PGUSER"),
            password=unquote(password) if password else os.environ.get("PGPASSWORD"),
            database=unquote(parsed.path.lstrip("/")) or "socialstat",
            autocommit=True,
            **settings,
        )
    except Exception as exc:  # psycopg raises OperationalError with the server's message
        message = str(exc).replace(password, "***") if password else str(exc)
        raise StoreError(f"cannot open store {safe_url(url)!r}: {type(exc).__name__}: {message}") from None


def append_arrow(backend: Any, target: str, data: pa.Table) -> None:
    """Append an Arrow table to `target` (a quoted name) by COPY."""
    with backend.con.cursor() as cursor, backend.con.transaction():
        copy_arrow(cursor, target, data)


def copy_arrow(cursor: Any, target: str, data: pa.Table) -> None:
    """PostgreSQL COPY of an Arrow table as CSV, in slices. pyarrow quotes every string, so an empty string is
    "" and NULL an empty field, which is how COPY tells them apart."""
    columns = ", ".join(f'"{c}"' for c in data.column_names)
    sql = f"COPY {target} ({columns}) FROM STDIN (FORMAT csv)"
    for i, field in enumerate(data.schema):
        if isinstance(field.type, pa.UuidType):  # CSV has no UUIDs: their text, made once per distinct key
            data = data.set_column(i, field.name, _uuid_text(data.column(i)))
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    with cursor.copy(sql) as copy:
        for batch in data.to_batches(max_chunksize=100_000):
            buffer = io.BytesIO()
            pacsv.write_csv(pa.Table.from_batches([batch], schema=data.schema), buffer, options)
            copy.write(buffer.getvalue())


def _uuid_text(keys: pa.ChunkedArray) -> pa.Array:
    encoded = pc.dictionary_encode(keys.combine_chunks().storage)
    texts = pa.array([str(uuid.UUID(bytes=b)) for b in encoded.dictionary.to_pylist()], pa.string())
    return texts.take(encoded.indices)


def read_parquet(backend: Any, files: Sequence[str]) -> ibis.Table:
    """Parquet files copied into a temporary table (batch by batch: memory stays flat), with a 0-based
    `file_row_number`: PostgreSQL cannot read Parquet itself."""
    con = backend.con
    name = f"_parquet_{uuid.uuid4().hex}"
    schema = pq.read_schema(files[0])
    rows = pa.schema([*schema, pa.field("file_row_number", pa.int64())])
    backend.create_table(name, schema=ibis.Schema.from_pyarrow(rows), temp=True)
    with con.cursor() as cursor, con.transaction():
        for path in files:
            offset = 0  # the row within its file, as DuckDB and Spark number them
            for batch in pq.ParquetFile(path).iter_batches(batch_size=200_000):
                numbers = pa.array(range(offset, offset + batch.num_rows), pa.int64())
                offset += batch.num_rows
                table = pa.Table.from_batches([batch]).append_column("file_row_number", numbers)
                copy_arrow(cursor, f'"{name}"', table)
    return backend.table(name)


def execute(backend: Any, sql: str, params: Sequence[Any]) -> int:
    """A statement with `?` placeholders (psycopg's are %s); the rows it changed."""
    with backend.con.cursor() as cursor, backend.con.transaction():
        cursor.execute(sql.replace("%", "%%").replace("?", "%s"), list(params))  # a literal % stays one
        return max(cursor.rowcount, 0)


def lock(backend: Any, name: str, *, hold: bool) -> None:
    """Take (waiting for it) or give back a lock of the session named `name`: a second ingest into the same
    server waits for the first. The server lets go of it when the session ends, however it ends."""
    function = "pg_advisory_lock" if hold else "pg_advisory_unlock"
    with backend.con.cursor() as cursor:
        cursor.execute(f"SELECT {function}(hashtext(%s))", [f"socialstat:{name}"])


@contextmanager
def transaction(backend: Any) -> Iterator[None]:
    """The block in one transaction (ibis's writes inside nest as savepoints). socialstat's writing transactions
    take turns (a transaction-level advisory lock), so two of them never interleave their writes."""
    with backend.con.transaction(), backend.con.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext('socialstat:write'))")
        yield
