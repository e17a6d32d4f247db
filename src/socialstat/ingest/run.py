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
    with _Stage(store, table, result) as stage:
        for chunk in chunks:
            stage.add(transform(chunk, context), len(chunk))
            if progress:
                progress(path.name, opened.progress)
        stage.set_aside_duplicates()
        stage.commit(context)
    return result


class _Stage:
    """Temporary tables holding a batch's good rows until the batch-wide rules have run."""

    def __init__(self, store: Store, table: Table, result: FileResult) -> None:
        self.store, self.table, self.result = store, table, result
        self.batch_id = str(result.batch_id)
        self.columns = [c for c in table.column_names if c != "batch_id"]
        schema = ibis_schema(table)
        staged = {c: str if table.column(c).type == "key" else schema[c] for c in self.columns}
        self.names = {part: f"_ingest_{part}" for part in ("rows", "persons", "reasons")}
        self._create("rows", {**{c: _loose(t) for c, t in staged.items()}, "_line": "int64", "_identity": "string"})
        person_schema = ibis_schema(load_model().table("persons"))
        self._create("persons", {"person_key": "string", **{c: _loose(person_schema[c]) for c in _PERSON_FACTS}})
        self._create("reasons", {"referral_id": "string", "reason": "string"})

    def _create(self, part: str, schema: dict[str, Any]) -> None:
        types = {c: "string" if t is str else t for c, t in schema.items()}
        self.store.backend.create_table(self.names[part], schema=ibis.schema(types), temp=True, overwrite=True)

    def __enter__(self) -> _Stage:
        return self

    def __exit__(self, *exc: object) -> None:
        for name in self.names.values():
            self.store.backend.drop_table(name, force=True)

    def add(self, done: Transformed, n_read: int) -> None:
        """Stage one chunk's good rows; its quarantined rows go to the quarantine now."""
        self.result.rows_read += n_read
        if not done.rows.empty:
            rows = done.rows[self.columns].assign(_line=done.origin["line"], _identity=done.origin["identity"])
            self.store.backend.insert(self.names["rows"], rows)
            self.store.backend.insert(self.names["persons"], done.persons[["person_key", *_PERSON_FACTS]])
        if done.reasons is not None and not done.reasons.empty:
            self.store.backend.insert(self.names["reasons"], done.reasons[["referral_id", "reason"]])
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
        self.store.backend.insert("quarantine", frame)
        self.result.rows_quarantined += len(frame)
        for reasons in frame["reasons"]:
            self.result.reasons.update(reasons.split(","))

    def set_aside_duplicates(self) -> None:
        """Move rows whose key is twice in the batch, or already in the store, from the stage to the quarantine."""
        key = list(self.table.key)
        rows = self.store.table(self.names["rows"])
        twice = rows.group_by(key).aggregate(n=rows.count()).filter(lambda t: t.n > 1).select(key)
        stored = self.store.table(self.table.name)
        stored_keys = stored.select(
            *[stored[k].cast("string").name(k) if self.table.column(k).type == "key" else stored[k] for k in key]
        )
        found = []
        for keys, reason in ((twice, "duplicate_key"), (stored_keys, "duplicate_in_store")):
            hits = rows.semi_join(keys, key).select("_line", "_identity").execute()
            found.append(hits.assign(reasons=reason))
        moved = pd.concat(found).groupby(["_line", "_identity"], dropna=False, as_index=False)["reasons"].agg(",".join)
        if moved.empty:
            return
        self._quarantine(moved.rename(columns={"_line": "line", "_identity": "identity"}).fillna({"identity": ""}))
        kept = rows.anti_join(ibis.memtable(moved[["_line"]]), "_line")
        self.store.backend.create_table("_ingest_kept", kept, temp=True, overwrite=True)
        self.store.backend.drop_table(self.names["rows"])
        self.names["rows"] = "_ingest_kept"

    def commit(self, context: Context) -> None:
        """Insert the staged rows, their reasons and the new persons; record the batch."""
        backend, batch = self.store.backend, ibis.literal(self.batch_id)
        rows = self.store.table(self.names["rows"])
        typed = [rows[c].cast("uuid").name(c) if self.table.column(c).type == "key" else rows[c] for c in self.columns]
        backend.insert(self.table.name, rows.select(*typed, batch_id=batch))
        self.result.rows_loaded = int(rows.count().execute())
        if self.table.name == "referrals":
            reasons = self.store.table(self.names["reasons"]).distinct()
            reasons = reasons.semi_join(rows.select("referral_id"), "referral_id")
            backend.insert("referral_reasons", reasons.mutate(batch_id=batch))
            self.result.reason_rows = int(reasons.count().execute())
        person = self.table.personal_columns[0]
        people = self.store.table(self.names["persons"]).distinct(on="person_key")
        people = people.semi_join(rows.select(person_key=rows[person]), "person_key")
        known = self.store.table("persons")
        people = people.anti_join(known.select(person_key=known.person_key.cast("string")), "person_key")
        people = people.select(person_key=people.person_key.cast("uuid"), **{c: people[c] for c in _PERSON_FACTS})
        self.result.new_persons = int(people.count().execute())
        backend.insert("persons", people.mutate(batch_id=batch))
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
        backend.insert("batches", pd.DataFrame([record]))


_PERSON_FACTS = ("birth_year", "sex", "identity_kind")


def _loose(dtype: Any) -> Any:
    """A staging column type: the canonical type, nullable (staging holds what the rules have passed)."""
    return dtype.copy(nullable=True) if hasattr(dtype, "copy") else dtype
