"""Create the store's tables from the canonical model and guard the schema version."""

from __future__ import annotations

import ibis
import ibis.expr.datatypes as dt
import pandas as pd

from socialstat.errors import SchemaVersionError, StoreError
from socialstat.model.spec import Model, Table, load_model
from socialstat.store.connect import Store, connect

_DTYPES = {
    "string": dt.String,
    "key": dt.UUID,
    "int64": dt.Int64,
    "float64": dt.Float64,
    "boolean": dt.Boolean,
    "date": dt.Date,
    "timestamp": dt.Timestamp,
}


def ibis_schema(table: Table) -> ibis.Schema:
    """The Ibis schema of a canonical table; required columns are NOT NULL in the store."""
    return ibis.schema({c.name: _DTYPES[c.type](nullable=c.nullable) for c in table.columns})


def stored_version(store: Store) -> int | None:
    """The schema version recorded in the store, or None if the store has no socialstat schema."""
    if "schema_meta" not in store.tables():
        return None
    meta = store.table("schema_meta").execute()
    values = meta.loc[meta["key"] == "schema_version", "value"]
    if values.empty:
        raise StoreError(f"store {store.url!r} has a schema_meta table without a schema_version")
    return int(values.iloc[0])


def init_store(url: str | None = None, *, model: Model | None = None) -> Store:
    """Create the canonical schema in the store at `url` (idempotent for the same schema version)."""
    model = model or load_model()
    store = connect(url)
    try:
        version = stored_version(store)
        if version is not None:
            _check_version(store, version, model)
            return store
        foreign = [t for t in store.tables() if t not in model.tables]
        if foreign:
            raise StoreError(f"store {store.url!r} already holds tables that are not socialstat's: {foreign[:5]}")
        with store.transaction():
            for table in model.tables.values():
                store.backend.create_table(table.name, schema=ibis_schema(table))
            meta = pd.DataFrame({"key": ["schema_version"], "value": [str(model.version)]})
            store.insert("schema_meta", meta)
    except BaseException:
        store.close()
        raise
    return store


def _check_version(store: Store, version: int, model: Model) -> None:
    if version != model.version:
        raise SchemaVersionError(
            f"store {store.url!r} has schema version {version}, but this socialstat knows version {model.version}; "
            "use a socialstat release that matches the store, or create a new store (socialstat init) and load "
            "the data again (version 2 stores person and household keys as UUIDs; version 3 adds the quarantine; "
            "version 4 the disclosure record of releases)"
        )
    missing = [t for t in model.tables if t not in store.tables()]
    if missing:
        raise StoreError(f"store {store.url!r} lacks tables {missing}; it is damaged or was not made by socialstat")


def open_store(url: str | None = None, *, model: Model | None = None) -> Store:
    """Open an existing store and check that its schema version is the one this code knows."""
    model = model or load_model()
    store = connect(url)
    try:
        version = stored_version(store)
        if version is None:
            raise StoreError(f"store {store.url!r} has no socialstat schema; run `socialstat init` first")
        _check_version(store, version, model)
    except BaseException:
        store.close()
        raise
    return store
