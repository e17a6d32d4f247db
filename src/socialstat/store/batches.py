"""Batches: list what was loaded, and withdraw a batch (its rows leave the store; its record stays).

Withdrawing deletes the batch's rows from every microdata table and its quarantine rows, in one transaction,
and marks the batch `withdrawn`: the record of what was once loaded stays, and the same file can be loaded
again (as a new batch). A person first seen in the batch stays while another batch's rows still refer to them.
"""

from __future__ import annotations

import pandas as pd

from socialstat.errors import LoadError
from socialstat.model import load_model
from socialstat.store.backends import require
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
    require(store.kind, "withdraw", "socialstat batch withdraw")
    model = load_model()
    deleted: dict[str, int] = {}
    with store.transaction():
        for table in model.tables_of_kind("microdata"):
            if table.name == "persons":
                continue
            deleted[table.name] = store.execute(f"DELETE FROM {table.name} WHERE batch_id = ?", [batch_id])
        referring = [
            f"SELECT {c.name} FROM {t.name}"
            for t in model.tables_of_kind("microdata")
            for c in t.columns
            if c.references == "persons.person_key"
        ]
        deleted["persons"] = store.execute(
            f"DELETE FROM persons WHERE batch_id = ? AND person_key NOT IN ({' UNION '.join(referring)})", [batch_id]
        )
        deleted["quarantine"] = store.execute("DELETE FROM quarantine WHERE batch_id = ?", [batch_id])
        store.execute("UPDATE batches SET status = 'withdrawn' WHERE batch_id = ?", [batch_id])
    return {k: v for k, v in deleted.items() if v}
