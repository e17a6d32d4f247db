"""`socialstat profile check`: what an extract would give under a profile, without loading anything.

The file is read and transformed exactly as ingest does; the keys are made with a throw-away secret and
discarded, and nothing is written. The report counts rows read, rows that would load and rows that would be
quarantined per reason, and shows the first quarantined lines (identity numbers masked).
"""

from __future__ import annotations

import secrets
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from socialstat.errors import ConfigurationError
from socialstat.ingest.profile import Profile, normalise
from socialstat.ingest.read import read_extract
from socialstat.ingest.transform import Context, transform
from socialstat.pseudonym import Pseudonymiser
from socialstat.reference import build_units

SHOWN = 10


@dataclass
class CheckReport:
    """The outcome of checking one file against a profile."""

    file: str
    profile: str
    encoding: str
    rows_read: int = 0
    rows_loadable: int = 0
    rows_quarantined: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    examples: list[tuple[int, str, str]] = field(default_factory=list)  # line, reasons, masked identity

    def lines(self) -> list[str]:
        """The report as text lines."""
        out = [
            f"{self.file} as {self.profile} (encoding {self.encoding})",
            f"  rows read:        {self.rows_read}",
            f"  would load:       {self.rows_loadable}",
            f"  would quarantine: {self.rows_quarantined}",
        ]
        for reason, n in sorted(self.reasons.items(), key=lambda kv: (-kv[1], kv[0])):
            out.append(f"    {n:>8}  {reason}")
        for line, reasons, identity in self.examples:
            out.append(f"  line {line}: {reasons} (identity {identity or 'empty'})")
        return out


def area_lookup(profile: Profile, municipality: str, areas: pd.DataFrame | None = None) -> dict[str, str]:
    """The municipality's areas by normalised code or name, as the profile matches them: from `areas` (the
    store's) when it has them, else from the shipped reference organisation."""
    if areas is None or not (areas["municipality_code"] == municipality).any():
        areas = build_units([municipality])["areas"]
    areas = areas[areas["municipality_code"] == municipality]
    if areas.empty:
        raise ConfigurationError(f"unknown municipality {municipality!r} (a municipality code, e.g. 1480)")
    column = "name" if profile.area_match == "name" else "area_code"
    return {normalise(v): code for v, code in zip(areas[column], areas["area_code"], strict=True)}


def check_file(path: str | Path, profile: Profile, municipality: str) -> CheckReport:
    """Read and transform `path` as ingest would, and count what would load and what would be set aside."""
    path = Path(path)
    context = Context(profile, Pseudonymiser(secrets.token_bytes(32)), municipality, area_lookup(profile, municipality))
    opened, chunks = read_extract(path, profile)
    report = CheckReport(path.name, profile.name, opened.encoding)
    for chunk in chunks:
        result = transform(chunk, context)
        report.rows_read += len(chunk)
        report.rows_loadable += len(result.rows)
        report.rows_quarantined += len(result.quarantine)
        for reasons in result.quarantine["reasons"]:
            report.reasons.update(reasons.split(","))
        for line, reasons, identity in result.quarantine.itertuples(index=False):
            if len(report.examples) < SHOWN:
                report.examples.append((int(line), str(reasons), str(identity)))
    return report
