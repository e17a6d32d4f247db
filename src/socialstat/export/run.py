"""Write the exports of one release into a folder (see the package docstring)."""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from socialstat.errors import ExportError
from socialstat.export.excel import write_xlsx
from socialstat.export.jsonstat import check_jsonstat, datasets
from socialstat.export.long import long_cells
from socialstat.export.px import px_tables
from socialstat.folders import check_replaceable, check_request, write_whole
from socialstat.px import write_px

FORMATS = ("csv", "xlsx", "parquet", "jsonstat", "px")
DEFAULT_LICENCE = "CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/)"


@dataclass(frozen=True)
class ExportResult:
    """Where an export went and what it holds."""

    path: Path
    files: dict[str, str]  # relative path → SHA-256

    @property
    def count(self) -> int:
        """How many files."""
        return len(self.files)


def export_release(
    release: Any,
    out: str | Path,
    *,
    formats: Sequence[str] = FORMATS,
    lang: str = "sv",
    licence: str = DEFAULT_LICENCE,
) -> ExportResult:
    """Export `release` (a `socialstat.release.Release`) in `formats` into folder `out`."""
    out = check_request(out, "export", formats, FORMATS, lang, ExportError)
    check_replaceable(out, "export.json", "an export of socialstat", ExportError)
    long = long_cells(release)
    meta = release.metadata()

    def write(folder: Path) -> dict[str, str]:
        _write(folder, release, long, meta, formats, lang, licence)
        files = {str(p.relative_to(folder)): _sha256(p) for p in sorted(folder.rglob("*")) if p.is_file()}
        about = {
            "release": release.name,
            "release_sha256": release.manifest["content_sha256"],
            "formats": list(formats),
            "language": lang,
            "licence": licence,
            "cells": len(long),
            "files": files,
        }
        (folder / "export.json").write_text(json.dumps(about, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return files

    files = write_whole(out, write)
    return ExportResult(out, files)


def _write(
    folder: Path,
    release: Any,
    long: pd.DataFrame,
    meta: dict[str, Any],
    formats: Sequence[str],
    lang: str,
    licence: str,
) -> None:
    shutil.copyfile(release.path / "metadata.json", folder / "metadata.json")
    shutil.copyfile(release.path / "manifest.json", folder / "manifest.json")
    if "csv" in formats:
        long.to_csv(folder / "cells.csv", index=False, encoding="utf-8")
        long.to_csv(folder / "cells-excel-sv.csv", index=False, sep=";", decimal=",", encoding="utf-8-sig")
    if "parquet" in formats:
        long.to_parquet(folder / "cells.parquet", index=False)
    if "xlsx" in formats:
        write_xlsx(folder / f"{release.name}.xlsx", long, meta, release.manifest, lang, licence)
    if "jsonstat" in formats:
        _write_jsonstat(folder / "jsonstat", long, meta, release.manifest, lang)
    if "px" in formats:
        (folder / "px").mkdir()
        for name, spec in px_tables(long, meta, release.manifest):
            write_px(folder / "px" / f"{name}.px", spec)


def _write_jsonstat(
    folder: Path, long: pd.DataFrame, meta: dict[str, Any], manifest: dict[str, Any], lang: str
) -> None:
    folder.mkdir()
    items = []
    for name, dataset in datasets(long, meta, manifest, lang):
        problems = [p for p in check_jsonstat(dataset) if p[0] != "METRIC_UNIT_MISSING"]
        if problems:  # the writer's own bug: never publish a document that breaks the format
            raise ExportError(f"JSON-stat dataset {name} is not valid: {problems[:3]}; please report this bug")
        (folder / f"{name}.json").write_text(json.dumps(dataset, ensure_ascii=False), encoding="utf-8")
        items.append({"class": "dataset", "href": f"{name}.json", "label": dataset["label"]})
    collection = {
        "version": "2.0",
        "class": "collection",
        "label": f"socialstat release {manifest['name']}",
        "updated": manifest["created_at"],
        "link": {"item": items},
    }
    (folder / "collection.json").write_text(json.dumps(collection, ensure_ascii=False, indent=1), encoding="utf-8")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
