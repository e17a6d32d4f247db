"""`socialstat ingest`: extracts into the store, one batch per file, all files or none.

Each file is read and transformed chunk by chunk (memory does not grow with the file): good rows are staged
in temporary tables of the store, quarantined rows go to the `quarantine` table at once. When the file is
read, the rules that need the whole batch run in the store: a key twice in the file across chunks
(`duplicate_key`) and a key an earlier batch loaded (`duplicate_in_store`) move rows from the stage to the
quarantine. Then the staged rows are inserted with the batch's id, the persons the store did not know are
added, and the batch is recorded with its reconciliation: rows read = rows loaded + rows quarantined.

Everything runs in one transaction: a bad file, a breached `max_reject_rate`, a crash or Ctrl-C leaves the
store as it was. A file whose content (SHA-256) a loaded batch already holds is skipped: ingesting the same
file twice loads nothing new.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import ibis
import pandas as pd

from socialstat.errors import ConfigurationError, LoadError
from socialstat.ingest.check import area_lookup
from socialstat.ingest.profile import Profile, normalise
from socialstat.ingest.read import Progress, read_extract
from socialstat.ingest.transform import Context, Transformed, transform
from socialstat.model import load_model
from socialstat.model.spec import Table
from socialstat.pseudonym import Pseudonymiser
from socialstat.reference import build_units
from socialstat.store.connect import Store
from socialstat.store.load import replace_reference
from socialstat.store.schema import ibis_schema

ProgressCallback = Callable[[str, Progress], None]


@dataclass
class FileResult:
    """One file's reconciliation."""

    file: str
    sha256: str
    table: str
    status: str  # "loaded" (a new batch) or "already_loaded" (the same content is in the store)
    batch_id: str | None = None
    encoding: str = ""
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)  # "rule:column" -> rows
    reason_rows: int = 0  # referral_reasons loaded with the referrals
    new_persons: int = 0

    @property
    def balanced(self) -> bool:
        """Rows read = rows loaded + rows quarantined."""
        return self.rows_read == self.rows_loaded + self.rows_quarantined

    @property
    def reject_rate(self) -> float:
        """The share of rows read that went to the quarantine."""
        return self.rows_quarantined / self.rows_read if self.rows_read else 0.0


@dataclass
class IngestReport:
    """What one `socialstat ingest` did (or, with status "refused", would have done: nothing was kept)."""

    profile: str
    municipality: str
    max_reject_rate: float | None
    files: list[FileResult] = field(default_factory=list)
    status: str = "loaded"
    reference_units_added: bool = False

    def as_dict(self) -> dict[str, Any]:
        """The reconciliation as JSON-ready data (counts, reasons, hashes; never a row's content)."""
        data = asdict(self)
        for entry, result in zip(data["files"], self.files, strict=True):
            entry["reasons"] = dict(sorted(result.reasons.items()))
            entry["balanced"] = result.balanced
        return data

    def lines(self) -> list[str]:
        """The reconciliation as text, one block per file."""
        out = [f"ingest {self.status}: profile {self.profile}, municipality {self.municipality}"]
        for r in self.files:
            if r.status == "already_loaded":
                out.append(f"{r.file}: already loaded as batch {r.batch_id}; nothing new")
                continue
            check = "balances" if r.balanced else "DOES NOT BALANCE"
            out += [
                f"{r.file} → {r.table} (batch {r.batch_id}, encoding {r.encoding})",
                f"  rows read {r.rows_read} = loaded {r.rows_loaded} + quarantined {r.rows_quarantined} ({check})",
            ]
            if r.table == "referrals":
                out.append(f"  referral reasons loaded: {r.reason_rows}")
            out.append(f"  new persons: {r.new_persons}")
            for reason, n in sorted(r.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
                out.append(f"    {n:>9}  {reason}")
        return out


class RejectRateExceeded(LoadError):
    """A file's share of quarantined rows is above the allowed rate; nothing of the run was kept."""

    reason = "max_reject_rate"

    def __init__(self, report: IngestReport, result: FileResult) -> None:
        self.report = report
        super().__init__(
            f"{result.file}: {result.rows_quarantined} of {result.rows_read} rows ({result.reject_rate:.1%}) would "
            f"be quarantined, above --max-reject-rate {report.max_reject_rate}; nothing was loaded"
        )


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file's bytes, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ingest_files(
    store: Store,
    paths: Sequence[str | Path],
    profile: Profile,
    municipality: str,
    pseudonymiser: Pseudonymiser,
    *,
    max_reject_rate: float | None = None,
    today: dt.date | None = None,
    progress: ProgressCallback | None = None,
) -> IngestReport:
    """Ingest every file in `paths` as `profile` says, each as one batch, in one transaction (see module doc).

    Raises `RejectRateExceeded` (carrying the report) when a file's reject rate is above `max_reject_rate`, an
    `ExtractError` when a file cannot be read; in both cases nothing is kept.
    """
    if max_reject_rate is not None and not 0 <= max_reject_rate <= 1:
        raise ConfigurationError(f"--max-reject-rate must lie between 0 and 1, not {max_reject_rate}")
    report = IngestReport(profile.name, municipality, max_reject_rate)
    with store.transaction():
        areas = _areas(store, profile, municipality, report)
        context = Context(profile, pseudonymiser, municipality, areas, today or dt.date.today())
        for path in paths:
            result = _ingest_file(store, Path(path), context, progress)
            report.files.append(result)
            if max_reject_rate is not None and result.reject_rate > max_reject_rate:
                report.status = "refused"
                raise RejectRateExceeded(report, result)
    return report


def _areas(store: Store, profile: Profile, municipality: str, report: IngestReport) -> dict[str, str]:
    """The municipality's areas from the store; from the reference organisation (and added) if it has none."""
    areas = store.table("areas").filter(lambda t: t.municipality_code == municipality).execute()
    if areas.empty:
        lookup = area_lookup(profile, municipality)  # raises for an unknown municipality
        for name, frame in build_units([municipality]).items():
            replace_reference(store, load_model().table(name), ibis.memtable(frame))
        report.reference_units_added = True
        return lookup
    column = "name" if profile.area_match == "name" else "area_code"
    return {normalise(v): code for v, code in zip(areas[column], areas["area_code"], strict=True)}


def _batch_id(store: Store, table: str, sha: str) -> str:
    """`<table>-<first 16 hex digits of the hash>`, with `-2`, `-3`, ... after a withdrawn batch of that id."""
    base = f"{table}-{sha[:16]}"
    taken = set(store.table("batches").filter(lambda t: t.batch_id.startswith(base)).batch_id.execute())
    n = 1
    while (candidate := base if n == 1 else f"{base}-{n}") in taken:
        n += 1
    return candidate


def _ingest_file(store: Store, path: Path, context: Context, progress: ProgressCallback | None) -> FileResult:
    table = context.profile.table
    sha = sha256_file(path)
    batches = store.table("batches")
    earlier = batches.filter(
        (batches.sha256 == sha) & (batches.table_name == table.name) & (batches.status == "loaded")
    ).batch_id.execute()
    if len(earlier):
        return FileResult(path.name, sha, table.name, "already_loaded", str(earlier.iloc[0]))
    result = FileResult(path.name, sha, table.name, "loaded", _batch_id(store, table.name, sha))
    opened, chunks = read_extract(path, context.profile)
    result.encoding = opened.encoding
    with _Batch(store, table, result) as batch:
        for chunk in chunks:
            batch.add(transform(chunk, context), len(chunk))
            if progress:
                progress(path.name, opened.progress)
        batch.set_aside_duplicates()
        batch.finish(context)
    quarantined = store.table("quarantine").filter(lambda t: t.batch_id == result.batch_id).count().execute()
    if not result.balanced or int(quarantined) != result.rows_quarantined:  # counted in the store, not trusted
        raise LoadError(
            f"{path.name}: the batch does not reconcile in the store (read {result.rows_read}, loaded "
            f"{result.rows_loaded}, quarantined {quarantined}); nothing was loaded. This is a bug: please report it"
        )
    return result


class _Batch:
    """One file's rows on their way in, inside the run's transaction.

    Good rows go straight into their canonical table with the batch's id (DuckDB writes large uncommitted appends
    to the database file, so memory does not grow with the file), reasons into referral_reasons, quarantined rows
    into the quarantine. A narrow temporary table keeps each row's key, line and masked identity, and another the
    persons seen, for the rules that need the whole batch and for the new persons at the end.
    """

    def __init__(self, store: Store, table: Table, result: FileResult) -> None:
        self.store, self.table, self.result = store, table, result
        self.batch_id = str(result.batch_id)
        self.key = list(table.key)
        self.columns = [c for c in table.column_names if c != "batch_id"]
        self.lines, self.persons = "_ingest_lines", "_ingest_persons"
        schema = ibis_schema(table)
        keys = {k: "string" if table.column(k).type == "key" else schema[k].copy(nullable=True) for k in self.key}
        self._create(self.lines, {**keys, "_line": "int64", "_identity": "string"})
        facts = ibis_schema(load_model().table("persons"))
        self._create(self.persons, {"person_key": "string", **{c: facts[c].copy(nullable=True) for c in _PERSON_FACTS}})

    def _create(self, name: str, schema: dict[str, Any]) -> None:
        self.store.backend.drop_table(name, force=True)
        # Not overwrite=True: with it, ibis 12 + DuckDB 1.5 inside a transaction silently drop appends of more
        # than one row group (122 880 rows) to the new table (tests/test_ingest_run.py checks a large chunk).
        self.store.backend.create_table(name, schema=ibis.schema(schema), temp=True)

    def __enter__(self) -> _Batch:
        return self

    def __exit__(self, *exc: object) -> None:
        for name in (self.lines, self.persons):
            self.store.backend.drop_table(name, force=True)

    def add(self, done: Transformed, n_read: int) -> None:
        """Append one chunk: good rows and their reasons to the canonical tables, the rest to the quarantine."""
        self.result.rows_read += n_read
        if not done.rows.empty:
            self.store.insert(self.table.name, done.rows[self.columns].assign(batch_id=self.batch_id))
            lines = done.rows[self.key].assign(_line=done.origin["line"], _identity=done.origin["identity"])
            self.store.insert(self.lines, lines)
            self.store.insert(self.persons, done.persons[["person_key", *_PERSON_FACTS]])
        if done.reasons is not None:
            self.store.insert(
                "referral_reasons", done.reasons[["referral_id", "reason"]].assign(batch_id=self.batch_id)
            )
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
        self.store.insert("quarantine", frame)
        self.result.rows_quarantined += len(frame)
        for reasons in frame["reasons"]:
            self.result.reasons.update(reasons.split(","))

    def _mine(self, name: str) -> ibis.Table:
        table = self.store.table(name)
        return table.filter(table.batch_id == self.batch_id)

    def set_aside_duplicates(self) -> None:
        """Move rows whose key is twice in the batch, or in an earlier batch, from the table to the quarantine."""
        stored = self.store.table(self.table.name)
        as_text = [
            stored[k].cast("string").name(k) if self.table.column(k).type == "key" else stored[k] for k in self.key
        ]
        mine = stored.filter(stored.batch_id == self.batch_id).select(*as_text)
        others = stored.filter(stored.batch_id != self.batch_id).select(*as_text)
        twice = mine.group_by(self.key).aggregate(n=mine.count()).filter(lambda t: t.n > 1).select(self.key)
        lines = self.store.table(self.lines)
        found = []
        for keys, reason in ((twice, "duplicate_key"), (mine.semi_join(others, self.key), "duplicate_in_store")):
            hits = lines.semi_join(keys, self.key).execute()
            found.append(hits.assign(reasons=reason))
        hits = pd.concat(found)
        if hits.empty:
            return
        moved = hits.groupby("_line", as_index=False).agg(
            {"reasons": ",".join, "_identity": "first", **dict.fromkeys(self.key, "first")}
        )
        self._quarantine(moved.rename(columns={"_line": "line", "_identity": "identity"}).fillna({"identity": ""}))
        self._delete(self.table.name, moved[self.key].drop_duplicates())
        if self.table.name == "referrals":
            self._delete("referral_reasons", moved[["referral_id"]].drop_duplicates())

    def _delete(self, table: str, keys: pd.DataFrame) -> None:
        """Delete this batch's rows of `table` whose key columns match a row of `keys` (compared as text)."""
        con = self.store.backend.con
        con.register("_ingest_delete", keys.astype(str))
        try:
            match = " AND ".join(f'CAST(t."{k}" AS VARCHAR) = d."{k}"' for k in keys.columns)
            found = f"EXISTS (SELECT 1 FROM _ingest_delete d WHERE {match})"
            con.execute(f'DELETE FROM "{table}" AS t WHERE t.batch_id = ? AND {found}', [self.batch_id])
        finally:
            con.unregister("_ingest_delete")

    def finish(self, context: Context) -> None:
        """Count what the batch loaded, add the persons the store did not know, and record the batch."""
        self.result.rows_loaded = int(self._mine(self.table.name).count().execute())
        if self.table.name == "referrals":
            self.result.reason_rows = int(self._mine("referral_reasons").count().execute())
        person = self.table.personal_columns[0]
        rows = self._mine(self.table.name)
        seen = self.store.table(self.persons).distinct(on="person_key")
        seen = seen.semi_join(rows.select(person_key=rows[person].cast("string")), "person_key")
        known = self.store.table("persons")
        seen = seen.anti_join(known.select(person_key=known.person_key.cast("string")), "person_key")
        people = seen.select(person_key=seen.person_key.cast("uuid"), **{c: seen[c] for c in _PERSON_FACTS})
        self.result.new_persons = self.store.insert("persons", people.mutate(batch_id=ibis.literal(self.batch_id)))
        record = {
            "batch_id": self.batch_id,
            "table_name": self.table.name,
            "source": self.result.file,
            "profile": context.profile.name,
            "sha256": self.result.sha256,
            "rows_read": self.result.rows_read,
            "rows_loaded": self.result.rows_loaded,
            "rows_quarantined": self.result.rows_quarantined,
            "loaded_at": dt.datetime.now(dt.UTC).replace(tzinfo=None),
            "status": "loaded",
            "municipality_code": context.municipality_code,
        }
        self.store.insert("batches", pd.DataFrame([record]))


_PERSON_FACTS = ("birth_year", "sex", "identity_kind")
