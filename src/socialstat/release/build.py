"""Create a release: compute the catalogue, protect and audit it, and write an immutable folder that outputs read.

`create_release` computes the indicators for the chosen structures and years, protects and audits them in one
pass (`socialstat.disclosure.results.protect_and_audit`, against the previous release in the same folder),
refuses to write anything if the audit finds a cell on 1 to threshold−1 persons that a reader could narrow, and
writes `<out>/<name>/`:

- `cells.parquet` and `cells.csv`: one row per cell with the published value, interval, numerator and
  denominator, `symbol` (`..` suppressed, `-` zero) and `note`; a suppressed cell's numbers are empty. No person
  keys, no microdata, nothing of the quarantine, not the number of persons behind a cell, and not whether a
  suppressed cell is primary or secondary (that would tell a reader it rests on 1–4 persons).
- `metadata.json` (`metadata.py`): the catalogue entries, units, periods, symbols, footnotes and labels.
- `manifest.json`: format, name, years, structures, the code version, a hash of the catalogue, the disclosure
  rules, the batches the store held (with the counts of rows read, loaded and quarantined), the counts of
  published and suppressed cells, the audit's counts, and the SHA-256 of each file and of the whole.

The confidential side (each suppressed cell's rule and interval) goes to the store's `disclosure_record`
(`audit.py`). The folder is written under a hidden temporary name and renamed when complete, so a half-written
release is never listed; an existing release is never overwritten, and its files are made read-only.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import stat
from dataclasses import asdict, dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from socialstat import __version__
from socialstat.disclosure.results import protect_and_audit
from socialstat.disclosure.rules import DisclosureRules, load_rules
from socialstat.errors import ReleaseError
from socialstat.folders import clear_leftovers, hidden
from socialstat.indicators import compute
from socialstat.indicators.spec import load_catalogue
from socialstat.release.audit import HIDDEN, AuditResult, delete_record, record_frame, write_record
from socialstat.release.metadata import metadata
from socialstat.store.connect import Store

DEFAULT_STRUCTURES = ("municipalities", "gr", "goteborg-administrations", "goteborg-districts")
COLUMNS = ["indicator", "indicator_title", "structure", "unit_code", "period", "breakdown", "breakdown_value",
           "value", "lower", "upper", "numerator", "denominator", "method", "status", "symbol", "note"]  # fmt: skip
FORMAT = "socialstat-release/1"  # the manifest's first field: what the folder is
NOTE_OF = {"approximate": "approximate_units", "incomplete": "incomplete_year"}  # a cell's status → its footnote
# Not published: whether a suppressed cell is primary or secondary (a primary cell rests on 1 to threshold−1
# persons: saying which would narrow it), nor the number of persons behind a cell.


@dataclass(frozen=True)
class Release:
    """A release folder and its manifest."""

    path: Path
    manifest: dict[str, Any]

    @property
    def name(self) -> str:
        """The release's name."""
        return str(self.manifest["name"])

    def cells(self) -> pd.DataFrame:
        """The published cells."""
        return pd.read_parquet(self.path / "cells.parquet")

    def metadata(self) -> dict[str, Any]:
        """The release's metadata.json (an empty mapping for a release made before it existed)."""
        path = self.path / "metadata.json"
        return dict(json.loads(path.read_text(encoding="utf-8"))) if path.is_file() else {}


def create_release(
    store: Store,
    *,
    year: int,
    name: str | None = None,
    out: str | Path = "releases",
    structures: tuple[str, ...] = DEFAULT_STRUCTURES,
    first_year: int | None = None,
    ids: list[str] | None = None,
    rules: DisclosureRules | None = None,
) -> Release:
    """Compute, protect and write a release of `year` (with the years from `first_year`, default nine before)."""
    rules = rules or load_rules()
    name = name or f"{year}"
    out = Path(out)
    if not name.replace("-", "").replace("_", "").isalnum():
        raise ReleaseError(f"release name {name!r}: use letters, digits, - and _ only")
    target = out / name
    if target.exists():
        raise ReleaseError(f"release {name!r} exists already in {out}; releases are never overwritten")
    years = list(range(first_year or year - 9, year + 1))
    results = pd.concat([compute(store, structure=s, years=years, ids=ids) for s in structures], ignore_index=True)
    previous = _latest(out)
    known = previous.cells() if previous else None
    units = store.table("units").execute()
    protected, audited = protect_and_audit(results, units, rules=rules, previous=known)
    audit = AuditResult(audited, rules.threshold)
    if not audit.passed:
        raise ReleaseError("\n".join(["the release was not written:", *audit.lines()]))
    cells = _published(protected, rules)
    out.mkdir(parents=True, exist_ok=True)
    clear_leftovers(target)
    partial = hidden(target, "partial")
    partial.mkdir()
    recorded = ""
    try:
        cells.to_parquet(partial / "cells.parquet", index=False)
        cells.to_csv(partial / "cells.csv", index=False, encoding="utf-8")
        _write_json(partial / "metadata.json", metadata(cells, units, structures, rules))
        manifest = _manifest(store, name, year, years, structures, rules, cells, partial, previous)
        manifest["audit"] = audit.summary()
        _write_json(partial / "manifest.json", manifest)
        for file in partial.iterdir():
            file.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
        recorded = manifest["content_sha256"]
        write_record(store, recorded, record_frame(name, recorded, audit))
        os.rename(partial, target)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        if recorded:
            delete_record(store, recorded)
        raise
    return Release(target, manifest)


def _write_json(path: Path, content: dict[str, Any]) -> None:
    path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _published(protected: pd.DataFrame, rules: DisclosureRules) -> pd.DataFrame:
    """The cells as published: numbers emptied where suppressed; neither persons nor primary/secondary."""
    titles = {i: ind.title.sv for i, ind in load_catalogue().items()}
    cells = protected.assign(indicator_title=protected["indicator"].map(titles))
    cells["note"] = cells["status"].map(NOTE_OF).fillna("")
    suppressed = cells["disclosure"] != "published"
    for column in HIDDEN:
        cells[column] = cells[column].astype(float).mask(suppressed)
    if rules.rounding > 1:  # counts to the nearest multiple (half up); rates and intervals from the exact counts
        for column in ["numerator", "denominator"]:
            cells[column] = _rounded(cells[column], rules.rounding)
        counts = cells["method"] == "count"
        cells.loc[counts, "value"] = cells.loc[counts, "numerator"]
    return (
        cells[COLUMNS]
        .sort_values(["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"])
        .reset_index(drop=True)
    )


def _rounded(values: pd.Series, base: int) -> pd.Series:
    return (np.floor(values / base + 0.5) * base).where(values.notna())


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _batch(b: Any) -> dict[str, Any]:
    """A batch as the manifest records it: no source path, the counts of its rows."""
    return {
        "batch_id": b.batch_id, "table": b.table_name, "sha256": b.sha256, "profile": b.profile,
        "municipality_code": b.municipality_code if isinstance(b.municipality_code, str) else None,
        "rows_read": int(b.rows_read), "rows_loaded": int(b.rows_loaded), "rows_quarantined": int(b.rows_quarantined),
    }  # fmt: skip


def _catalogue_hash() -> str:
    folder = resources.files("socialstat.indicators").joinpath("catalogue")
    digest = hashlib.sha256()
    for entry in sorted(folder.iterdir(), key=lambda e: e.name):
        if entry.name.endswith(".yaml"):
            digest.update(entry.name.encode() + b"\0" + entry.read_bytes())
    return digest.hexdigest()


def _manifest(
    store: Store,
    name: str,
    year: int,
    years: list[int],
    structures: tuple[str, ...],
    rules: DisclosureRules,
    cells: pd.DataFrame,
    folder: Path,
    previous: Release | None,
) -> dict[str, Any]:
    batches = store.table("batches").execute()
    loaded = batches[batches["status"] == "loaded"].sort_values("batch_id")
    files = {f.name: _sha256(f) for f in sorted(folder.iterdir())}
    return {
        "format": FORMAT,
        "name": name,
        "year": year,
        "years": [years[0], years[-1]],
        "structures": list(structures),
        "created_at": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "socialstat_version": __version__,
        "catalogue_sha256": _catalogue_hash(),
        "disclosure_rules": asdict(rules),
        "previous_release": previous.name if previous else None,
        "batches": [_batch(b) for b in loaded.itertuples()],
        "cells": {
            "total": len(cells),
            "suppressed": int((cells["symbol"] == rules.suppressed_symbol).sum()),
            "zero": int((cells["symbol"] == rules.zero_symbol).sum()),
        },
        "files": files,
        "content_sha256": hashlib.sha256("".join(f"{k}:{v}\n" for k, v in files.items()).encode()).hexdigest(),
    }


def read_release(path: str | Path) -> Release:
    """The release in folder `path` (never a hidden one: a release still being written, or left by a crash)."""
    path = Path(path)
    if path.resolve().name.startswith("."):
        raise ReleaseError(f"{path}: a hidden folder is a release not yet complete (or left by a crash), never read")
    manifest = _manifest_of(path)
    if manifest is None:
        raise ReleaseError(f"{path}: not a socialstat release (no release manifest.json)")
    return Release(path, manifest)


def _manifest_of(path: Path) -> dict[str, Any] | None:
    """The folder's release manifest, or None if it is not a release."""
    try:
        manifest = json.loads((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return manifest if isinstance(manifest, dict) and manifest.get("format") == FORMAT else None


def list_releases(out: str | Path = "releases") -> list[Release]:
    """The complete releases in `out`, oldest first (a half-written one, hidden, is never listed, nor a folder
    that is not a release)."""
    folder = Path(out)
    if not folder.is_dir():
        return []
    found = [
        Release(p, manifest)
        for p in folder.iterdir()
        if p.is_dir() and not p.name.startswith(".") and (manifest := _manifest_of(p)) is not None
    ]
    return sorted(found, key=lambda r: (r.manifest["created_at"], r.name))


def find_release(name: str, out: str | Path = "releases") -> Release:
    """The release `name` in folder `out`, or at path `name`."""
    path = Path(out) / name
    if not path.is_dir() and Path(name).is_dir():
        path = Path(name)
    if not path.is_dir():
        raise ReleaseError(f"no release {name!r} in {out} (see socialstat release list)")
    return read_release(path)


def previous_release(release: Release) -> Release | None:
    """The release that `release` was protected against (its manifest's previous_release, in the same folder)."""
    name = release.manifest.get("previous_release")
    if not name:
        return None
    path = release.path.parent / name
    if _manifest_of(path) is None:
        raise ReleaseError(
            f"release {release.name} was protected against {name}, which is not beside it in {release.path.parent}"
        )
    return read_release(path)


def _latest(out: Path) -> Release | None:
    releases = list_releases(out)
    return releases[-1] if releases else None
