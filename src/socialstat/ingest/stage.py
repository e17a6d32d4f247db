"""Ingest's staging area: where a run's batches wait, checked whole, until one transaction publishes them.

The stage lives in the database, so nothing of an extract is ever written outside it: for a DuckDB store an
in-memory database attached to the store's connection (`ingest_stage`; writing it costs half of writing the
store's file, and past the memory cap DuckDB moves its blocks to a folder of the ingest process beside the
store, `.STORE.stage-PID-*`, see `backends.open_stage`), for PostgreSQL a schema of the store. Chunks are
appended as they are transformed, each append committed on its own: DuckDB keeps per-append bookkeeping for the
length of a transaction, so appending a large file chunk by chunk inside one transaction would make memory grow
with the file. When every file of the run is staged and the rules that need a whole batch have run
(`duplicate_key` across chunks, `duplicate_in_store` against the store and the run's other batches), `publish`
copies each batch into the canonical tables inside the run's one transaction, with a single INSERT ... SELECT
per table, whose memory does not grow with the batch.

The canonical tables are touched only by `publish`; a crash or Ctrl-C before or during it leaves them as they
were. A stage left behind by a crash (a DuckDB spill folder, a PostgreSQL schema) holds pseudonymised rows and
masked numbers only, is never read by anything else, and is removed when the next ingest starts (and by
`Stage.drop` at the end of every run).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import ibis
import pandas as pd

from socialstat.ingest.transform import Transformed
from socialstat.model import load_model
from socialstat.model.spec import Table
from socialstat.store import backends
from socialstat.store.backends import require
from socialstat.store.connect import Store
from socialstat.store.schema import ibis_schema

SCHEMA = "ingest_stage"
PERSON_FACTS = ("birth_year", "sex", "identity_kind")


class Stage:
    """The staging schema of one ingest run (made empty when the run starts)."""

    def __init__(self, store: Store) -> None:
        require(store.kind, "ingest", "socialstat ingest")
        self.store = store
        store.lock("ingest")  # one run at a time uses the staging schema (on a shared server, others wait)
        try:
            spill_here = "temp_directory" not in backends.url_settings(store.url)  # the URL's own folder wins
            self.location = backends.open_stage(store.kind, store.backend, SCHEMA, spill_here=spill_here)
            model = load_model()
            self._create("quarantine", ibis_schema(model.table("quarantine")))
            persons = ibis_schema(model.table("persons"))
            staged = {"batch_id": "string", **{c: persons[c] for c in persons.names[:-1]}}
            self._create("persons", ibis.schema(staged))
        except BaseException:
            store.unlock("ingest")
            raise

    def _create(self, name: str, schema: ibis.Schema) -> None:
        self.store.backend.create_table(name, schema=schema, database=self.location)

    def table(self, name: str) -> ibis.Table:
        """A staged table."""
        return self.store.backend.table(name, database=self.location)

    def drop(self) -> None:
        """Remove the stage and everything in it, and let the next run in."""
        try:
            backends.close_stage(self.store.kind, self.store.backend, SCHEMA)
        finally:
            self.store.unlock("ingest")

    def batch(self, table: Table, batch_id: str) -> StagedBatch:
        """Make the staging tables of one batch (its rows with their lines and masked identities, its reasons)."""
        return StagedBatch(self, table, batch_id)


class StagedBatch:
    """One file's rows in the stage."""

    def __init__(self, stage: Stage, table: Table, batch_id: str) -> None:
        self.stage, self.table, self.batch_id = stage, table, batch_id
        self.key = list(table.key)
        self.rows, self.reasons = (f"{part}_{batch_id.replace('-', '_')}" for part in ("rows", "reasons"))
        schema = ibis_schema(table)
        # The canonical columns but batch_id (added when published), and each row's line and masked identity for
        # the batch-wide rules.
        staged = {
            **{c: schema[c] for c in table.column_names if c != "batch_id"},
            "_line": "int64",
            "_identity": "string",
        }
        stage._create(self.rows, ibis.schema(staged))
        if table.name == "referrals":
            reasons = ibis_schema(load_model().table("referral_reasons"))
            stage._create(self.reasons, ibis.schema({c: reasons[c] for c in reasons.names if c != "batch_id"}))
        self.quarantined = 0
        self.reason_counts: dict[str, int] = {}
        self.sha256 = ""

    def add(self, done: Transformed) -> None:
        """Stage one chunk: its good rows (with their lines), persons and reasons, and its quarantined rows."""
        store = self.stage.store
        if done.rows.num_rows:
            rows = done.rows.append_column("_line", done.origin["line"])
            rows = rows.append_column("_identity", done.origin["identity"])
            store.insert(self.rows, rows, schema=SCHEMA)
            persons = done.persons[["person_key", *PERSON_FACTS]].assign(batch_id=self.batch_id)
            store.insert("persons", persons, schema=SCHEMA)
        if done.reasons is not None and done.reasons.num_rows:
            store.insert(self.reasons, done.reasons, schema=SCHEMA)
        self._quarantine(done.quarantine)

    def _quarantine(self, rows: pd.DataFrame) -> None:
        if rows.empty:
            return
        frame = pd.DataFrame(
            {
                "batch_id": self.batch_id,
                "line": rows["line"].astype("int64"),
                "table_name": self.table.name,
                "reasons": rows["reasons"],
                "identity": rows["identity"].replace("", None),
            }
        )
        self.stage.store.insert("quarantine", frame, schema=SCHEMA)
        self.quarantined += len(frame)
        for reasons in frame["reasons"]:
            for reason in reasons.split(","):
                self.reason_counts[reason] = self.reason_counts.get(reason, 0) + 1

    def set_aside_duplicates(self, others: list[StagedBatch]) -> None:
        """Move rows whose key is twice in the batch, in the store, or in another staged batch of the run (of the
        same table) from the stage's rows to its quarantine."""
        rows = self.stage.table(self.rows).select(self.key)
        twice = rows.group_by(self.key).aggregate(n=rows.count()).filter(lambda t: t.n > 1).select(self.key)
        elsewhere = [self.stage.store.table(self.table.name).select(self.key)]
        elsewhere += [self.stage.table(o.rows).select(self.key) for o in others if o.table.name == self.table.name]
        lines = self.stage.table(self.rows).select(*self.key, "_line", "_identity")
        found = [lines.semi_join(twice, self.key).execute().assign(reasons="duplicate_key")]
        for earlier in elsewhere:
            found.append(lines.semi_join(earlier, self.key).execute().assign(reasons="duplicate_in_store"))
        hits = pd.concat(found)
        if hits.empty:
            return
        moved = hits.groupby("_line", as_index=False).agg(
            {"reasons": lambda r: ",".join(dict.fromkeys(r)), "_identity": "first", **dict.fromkeys(self.key, "first")}
        )
        self._quarantine(moved.rename(columns={"_line": "line", "_identity": "identity"}).fillna({"identity": ""}))
        self._delete(self.rows, moved[self.key].drop_duplicates())
        if self.table.name == "referrals":
            self._delete(self.reasons, moved[["referral_id"]].drop_duplicates())

    def _delete(self, table: str, keys: pd.DataFrame) -> None:
        """Delete the staged rows of `table` whose key columns match a row of `keys` (compared as text)."""
        store = self.stage.store
        name = f"_ingest_delete_{uuid.uuid4().hex}"
        store.backend.create_table(name, ibis.memtable(keys.astype(str)), temp=True)
        try:
            match = " AND ".join(f'CAST(t."{k}" AS VARCHAR) = d."{k}"' for k in keys.columns)
            store.execute(f'DELETE FROM {SCHEMA}."{table}" AS t WHERE EXISTS (SELECT 1 FROM "{name}" d WHERE {match})')
        finally:
            store.backend.drop_table(name, force=True)

    def counts(self) -> tuple[int, int]:
        """Rows that will load, and referral reasons with them.

        The staged reasons are exactly those of the staged referrals, each once: a chunk's transformation keeps
        a reason given twice once and leaves out the reasons of the rows it quarantines, and a referral twice in
        the batch or already in the store is set aside with its reasons (`set_aside_duplicates`)."""
        rows = int(self.stage.table(self.rows).count().execute())
        reasons = int(self.stage.table(self.reasons).count().execute()) if self.table.name == "referrals" else 0
        return rows, reasons

    def publish(self, record: dict[str, Any]) -> int:
        """Copy the batch into the canonical tables, its quarantine and its new persons, and record it (inside the
        caller's transaction); the new persons."""
        store = self.stage.store
        batch = ibis.literal(self.batch_id)
        store.insert(
            self.table.name, self.stage.table(self.rows).mutate(batch_id=batch).select(self.table.column_names)
        )
        if self.table.name == "referrals":
            store.insert("referral_reasons", self.stage.table(self.reasons).mutate(batch_id=batch))
        quarantine = self.stage.table("quarantine")
        store.insert("quarantine", quarantine.filter(quarantine.batch_id == self.batch_id))
        new_persons = store.insert("persons", self._new_persons())
        store.insert("batches", pd.DataFrame([{**record, "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None)}]))
        return new_persons

    def _new_persons(self) -> ibis.Table:
        """The batch's persons the store does not know yet (with the batch that brought them)."""
        person = self.table.personal_columns[0]
        rows = self.stage.table(self.rows)
        staged = self.stage.table("persons")
        staged = staged.filter(staged.batch_id == self.batch_id)
        # One row per key (a person's facts come from the number, so every row agrees); min(), not distinct(on=),
        # which PostgreSQL cannot run.
        staged = staged.group_by(["person_key", "batch_id"]).aggregate(**{c: staged[c].min() for c in PERSON_FACTS})
        staged = staged.semi_join(rows.select(person_key=rows[person]), "person_key")
        staged = staged.anti_join(self.stage.store.table("persons").select("person_key"), "person_key")
        return staged.select("person_key", *PERSON_FACTS, "batch_id")
