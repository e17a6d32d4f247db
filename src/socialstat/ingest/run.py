"""`socialstat ingest`: extracts into the store, one batch per file, all files or none.

Each file is read and transformed chunk by chunk, and staged (socialstat.ingest.stage): good rows and their
lines, persons and reasons, and quarantined rows with their reasons. When the file is read, the rules that need
the whole batch run on the stage: a key twice in the file across chunks (`duplicate_key`) and a key the store or
another batch of the run holds (`duplicate_in_store`) move rows to the quarantine. The batch's reconciliation
(rows read = rows to load + rows quarantined) is checked, and the reject rate against `max_reject_rate`.

Only when every file is staged does one transaction publish them all: the rows, their reasons, the quarantine,
the persons the store did not know, and the batch records. A bad file, a breached rate, a crash or Ctrl-C leaves
the canonical tables as they were. A file whose content (SHA-256) a loaded batch already holds is skipped:
ingesting the same file twice loads nothing new. Memory does not grow with the size of the files."""

from __future__ import annotations

import datetime as dt
import hashlib
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from socialstat.errors import ConfigurationError, LoadError
from socialstat.ingest.ahead import ahead
from socialstat.ingest.check import area_lookup
from socialstat.ingest.profile import Profile
from socialstat.ingest.read import Opened, Progress, read_extract
from socialstat.ingest.stage import Stage, StagedBatch
from socialstat.ingest.transform import Context, transform
from socialstat.model import load_model
from socialstat.pseudonym import Pseudonymiser
from socialstat.reference import build_units
from socialstat.store.connect import Store
from socialstat.store.load import reference_rows, replace_reference

ProgressCallback = Callable[[str, Progress], None]
# The store's memory during ingest, unless its URL sets one: without a limit DuckDB keeps up to 80 % of the
# machine's memory as cache, so its footprint would follow the file's size instead of staying flat.
INGEST_MEMORY = "1GB"


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


class _Digest:
    """A file's SHA-256, computed in a thread of its own (hashlib lets go of Python's lock) while the file is
    opened; a daemon, so that Ctrl-C need not wait for it."""

    def __init__(self, path: Path) -> None:
        self._done = threading.Event()
        self._digest: str | None = None
        self._error: BaseException | None = None
        threading.Thread(target=self._run, args=(path,), name="socialstat-sha256", daemon=True).start()

    def _run(self, path: Path) -> None:
        try:
            self._digest = sha256_file(path)
        except BaseException as exc:  # raised in the thread that asks for the digest
            self._error = exc
        finally:
            self._done.set()

    def result(self) -> str:
        """The digest, once computed."""
        self._done.wait()
        if self._error is not None:
            raise self._error
        return str(self._digest)


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
    """Ingest every file in `paths` as `profile` says, each as one batch, all published in one transaction.

    Raises `RejectRateExceeded` (carrying the report) when a file's reject rate is above `max_reject_rate`, an
    `ExtractError` when a file cannot be read; in both cases nothing is kept.
    """
    if max_reject_rate is not None and not 0 <= max_reject_rate <= 1:
        raise ConfigurationError(f"--max-reject-rate must lie between 0 and 1, not {max_reject_rate}")
    report = IngestReport(profile.name, municipality, max_reject_rate)
    areas, units = _areas(store, profile, municipality)
    context = Context(profile, pseudonymiser, municipality, areas, today or dt.date.today())
    stage = Stage(store)
    store.limit_memory(INGEST_MEMORY)
    try:
        staged: list[StagedBatch] = []
        for path in paths:
            result, batch = _stage_file(store, stage, Path(path), context, staged, progress)
            report.files.append(result)
            if batch is None:
                continue
            staged.append(batch)
            if max_reject_rate is not None and result.reject_rate > max_reject_rate:
                report.status = "refused"
                raise RejectRateExceeded(report, result)
        with store.transaction():
            if units is not None and staged:
                for name, frame in units.items():
                    spec = load_model().table(name)
                    replace_reference(store, spec, reference_rows(spec, frame))
                report.reference_units_added = True
            for batch, result in zip(staged, [r for r in report.files if r.status == "loaded"], strict=True):
                _publish(store, batch, result, context)
    finally:
        stage.drop()
        store.limit_memory(None)
    return report


def _areas(store: Store, profile: Profile, municipality: str) -> tuple[dict[str, str], dict[str, pd.DataFrame] | None]:
    """The municipality's areas (from the store, or the reference organisation), and the reference tables for the
    run to add when the store has none of them."""
    areas = store.table("areas").filter(lambda t: t.municipality_code == municipality).execute()
    lookup = area_lookup(profile, municipality, areas)  # raises for an unknown municipality
    return lookup, build_units([municipality]) if areas.empty else None


def _batch_id(store: Store, table: str, sha: str) -> str:
    """`<table>-<first 16 hex digits of the hash>`, with `-2`, `-3`, ... after a withdrawn batch of that id."""
    base = f"{table}-{sha[:16]}"
    taken = set(store.table("batches").filter(lambda t: t.batch_id.startswith(base)).batch_id.execute())
    n = 1
    while (candidate := base if n == 1 else f"{base}-{n}") in taken:
        n += 1
    return candidate


def _stage_file(
    store: Store,
    stage: Stage,
    path: Path,
    context: Context,
    staged: list[StagedBatch],
    progress: ProgressCallback | None,
) -> tuple[FileResult, StagedBatch | None]:
    """Read, transform and stage one file, and run the batch-wide rules; (its result, its staged batch or None
    when the same content is loaded or staged already)."""
    table = context.profile.table
    hashing = _Digest(path)
    opening: tuple[Opened, Iterator[pa.Table]] | Exception | None = None
    if context.profile.file.format == "csv":  # the encoding check reads the file too: beside the hash
        try:
            opening = read_extract(path, context.profile)
        except Exception as exc:  # raised below, unless the file is loaded already (then it is not read)
            opening = exc
    sha = hashing.result()
    batches = store.table("batches")
    earlier = batches.filter(
        (batches.sha256 == sha) & (batches.table_name == table.name) & (batches.status == "loaded")
    ).batch_id.execute()
    if len(earlier):
        return FileResult(path.name, sha, table.name, "already_loaded", str(earlier.iloc[0])), None
    twin = next((b for b in staged if b.sha256 == sha and b.table.name == table.name), None)
    if twin is not None:
        return FileResult(path.name, sha, table.name, "already_loaded", twin.batch_id), None
    if isinstance(opening, Exception):
        raise opening
    opened, chunks = opening or read_extract(path, context.profile)
    result = FileResult(path.name, sha, table.name, "loaded", _batch_id(store, table.name, sha))
    result.encoding = opened.encoding
    batch = stage.batch(table, str(result.batch_id))
    batch.sha256 = sha
    # Reading, transforming and staging overlap: each runs one chunk ahead of the next in a thread of its own.
    transformed = ((len(chunk), transform(chunk, context)) for chunk in ahead(chunks))
    for rows, done in ahead(transformed):
        result.rows_read += rows
        batch.add(done)
        if progress:
            progress(path.name, opened.progress)
    batch.set_aside_duplicates(staged)
    result.rows_loaded, result.reason_rows = batch.counts()
    result.rows_quarantined = batch.quarantined
    result.reasons = Counter(batch.reason_counts)
    if not result.balanced:
        raise LoadError(
            f"{path.name}: the staged batch does not reconcile (read {result.rows_read}, to load "
            f"{result.rows_loaded}, quarantined {result.rows_quarantined}); nothing was loaded. Please report this bug"
        )
    return result, batch


def _publish(store: Store, batch: StagedBatch, result: FileResult, context: Context) -> None:
    """Copy a staged batch into the canonical tables and record it (inside the run's transaction)."""
    record = {
        "batch_id": result.batch_id,
        "table_name": result.table,
        "source": result.file,
        "profile": context.profile.name,
        "sha256": result.sha256,
        "rows_read": result.rows_read,
        "rows_loaded": result.rows_loaded,
        "rows_quarantined": result.rows_quarantined,
        "status": "loaded",
        "municipality_code": context.municipality_code,
    }
    result.new_persons = batch.publish(record)
