"""Batches: list what was loaded, and withdraw a batch (its rows leave the store; its record stays).

Withdrawing deletes the batch's rows from every microdata table and its quarantine rows, in one transaction,
and marks the batch `withdrawn`: the record of what was once loaded stays, and the same file can be loaded
again (as a new batch). A person first seen in the batch stays while another batch's rows still refer to them.
"""

from __future__ import annotations

import pandas as pd

from socialstat.errors import LoadError
from socialstat.model import load_model
from socialstat.store.connect import Store

LISTED = ["batch_id", "table_name", "source", "profile", "municipality_code", "rows_read", "rows_loaded",
          "rows_quarantined", "loaded_at", "status"]  # fmt: skip


def list_batches(store: Store, *, include_withdrawn: bool = True) -> pd.DataFrame:
    """The batches in the store, oldest first."""
    batches = store.table("batches")
    if not include_withdrawn:
        batches = batches.filter(batches.status == "loaded")
    return batches.order_by(["loaded_at", "batch_id"]).select(*LISTED).execute()


def withdraw_batch(store: Store, batch_id: str) -> dict[str, int]:
    """Delete the rows of batch `batch_id` from the store and mark it withdrawn; rows deleted per table."""
    batches = store.table("batches")
    found = batches.filter(batches.batch_id == batch_id).select("status").execute()
    if found.empty:
        raise LoadError(f"no batch {batch_id!r} in the store (see socialstat batch list)")
    if found["status"].iloc[0] != "loaded":
        raise LoadError(f"batch {batch_id!r} is already {found['status'].iloc[0]}")
    model = load_model()
    con = store.backend.con
    deleted: dict[str, int] = {}
    with store.transaction():
        for table in model.tables_of_kind("microdata"):
            if table.name == "persons":
                continue
            deleted[table.name] = _delete(con, table.name, "batch_id = ?", [batch_id])
        referring = [
            f"SELECT {c.name} FROM {t.name}"
            for t in model.tables_of_kind("microdata")
            for c in t.columns
            if c.references == "persons.person_key"
        ]
        deleted["persons"] = _delete(
            con, "persons", f"batch_id = ? AND person_key NOT IN ({' UNION '.join(referring)})", [batch_id]
        )
        deleted["quarantine"] = _delete(con, "quarantine", "batch_id = ?", [batch_id])
        con.execute("UPDATE batches SET status = 'withdrawn' WHERE batch_id = ?", [batch_id])
    return {k: v for k, v in deleted.items() if v}


def _delete(con: object, table: str, where: str, params: list[str]) -> int:
    cursor = con.execute(f"DELETE FROM {table} WHERE {where}", params)  # type: ignore[attr-defined]
    return int(cursor.fetchone()[0])
