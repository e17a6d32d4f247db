"""Synthetic extracts: the generator's canonical output written as source systems' files, one per municipality.

`write_extracts` reads a synthetic canonical folder and writes, for each profile, `<out>/<profile>/<code>.<ext>`
with the profile's format (see `socialstat.ingest.write`), plus `<out>/manifest.json`: per file the rows written,
the rows left out for want of a test identity number, and the line of every defective row with the reason
ingest must give. The manifest holds no identity number.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from socialstat.errors import ConfigurationError
from socialstat.ingest.profile import load_profile
from socialstat.ingest.write import ExtractReport, add_defects, assign_numbers, extract_frame, write_frame

SUFFIX = {"csv": "csv", "excel": "xlsx", "parquet": "parquet"}


def write_extracts(
    canonical: str | Path,
    profiles: list[str],
    out: str | Path,
    *,
    defect_rate: float = 0.0,
    seed: int = 1,
    today: dt.date | None = None,
) -> list[ExtractReport]:
    """Write each profile's extract of each municipality in `canonical` to `out` (see the module docstring)."""
    if not 0 <= defect_rate <= 0.5:
        raise ConfigurationError(f"--defect-rate must lie between 0 and 0.5, not {defect_rate}")
    canonical, out = Path(canonical), Path(out)
    today = today or dt.date.today()
    tables: dict[str, pd.DataFrame] = {}

    def table(name: str) -> pd.DataFrame:
        if name not in tables:
            path = canonical / f"{name}.parquet"
            if not path.is_file():
                raise ConfigurationError(f"{canonical}: no {name}.parquet (write the synthetic data there first)")
            tables[name] = pd.read_parquet(path)
        return tables[name]

    numbers = assign_numbers(table("persons"))
    reports: list[ExtractReport] = []
    for i, name in enumerate(profiles):
        profile = load_profile(name)
        needed = ["areas", profile.table.name] + (["referral_reasons"] if profile.extract == "referrals" else [])
        rows = table(profile.table.name)
        for code in sorted(rows["municipality_code"].unique()):
            part = {t: table(t) for t in needed}
            part[profile.table.name] = rows[rows["municipality_code"] == code]
            frame, left_out = extract_frame(part, profile, numbers, today=today)
            rng = np.random.default_rng([seed, i, int(code)])
            frame, defects = add_defects(frame, profile, defect_rate, rng, today)
            path = out / profile.name / f"{code}.{SUFFIX[profile.file.format]}"
            first = write_frame(frame, profile, path)
            report = ExtractReport(path, str(code), len(frame), left_out)
            report.defects = {first + position: reason for position, reason in defects.items()}
            reports.append(report)
    manifest = [
        {
            "file": str(r.path.relative_to(out)),
            "municipality": r.municipality,
            "rows_written": r.rows_written,
            "rows_left_out": r.rows_left_out,
            "defects": {str(line): reason for line, reason in r.defects.items()},
        }
        for r in reports
    ]
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return reports


# Tables a source profile fills (and referral_reasons, which come with the referrals).
EXTRACTED = ("referrals", "referral_reasons", "investigations", "interventions", "assistance_payments")


def split_municipality(canonical: str | Path, code: str, dest: str | Path) -> None:
    """Move municipality `code`'s rows of the extracted tables from `canonical` to `dest` (with their persons
    and the areas), so that they can enter the store through extracts and ingest instead."""
    canonical, dest = Path(canonical), Path(dest)
    dest.mkdir(parents=True, exist_ok=True)
    moved: dict[str, pd.DataFrame] = {}
    for name in EXTRACTED:
        frame = pd.read_parquet(canonical / f"{name}.parquet")
        if name == "referral_reasons":
            taken = frame["referral_id"].isin(set(moved["referrals"]["referral_id"]))
        else:
            taken = frame["municipality_code"] == code
        moved[name] = frame[taken]
        _rewrite(canonical / f"{name}.parquet", frame[~taken])
        moved[name].to_parquet(dest / f"{name}.parquet", index=False)
    persons = pd.read_parquet(canonical / "persons.parquet")
    theirs = set().union(*(set(f[c]) for f in moved.values() for c in ("person_key", "household_key") if c in f))
    still = set()
    for path in canonical.glob("*.parquet"):
        names = pq.read_schema(path).names
        for column in ("person_key", "household_key"):
            if column in names and path.stem != "persons":
                still |= set(pd.read_parquet(path, columns=[column])[column])
    persons[persons["person_key"].isin(theirs)].to_parquet(dest / "persons.parquet", index=False)
    _rewrite(canonical / "persons.parquet", persons[persons["person_key"].isin(still)])
    pd.read_parquet(canonical / "areas.parquet").to_parquet(dest / "areas.parquet", index=False)


def _rewrite(path: Path, frame: pd.DataFrame) -> None:
    """Write `frame` over `path` with the canonical schema (via a temporary file, so a crash leaves the old one)."""
    schema = pq.read_schema(path)
    part = path.with_suffix(".parquet.tmp")
    pq.write_table(pa.Table.from_pandas(frame, schema=schema, preserve_index=False), part, compression="zstd")
    part.replace(path)
