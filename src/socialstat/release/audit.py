"""The audit of a release: what can a reader learn about each suppressed cell from everything published?

A release publishes no suppressed number and never says whether a suppressed cell is primary or secondary; that
confidential side is the *disclosure record*, kept in the store (table `disclosure_record`) when the release is
created. `audit_release` joins the two: it takes the release's published cells as a reader sees them, the
previous release's published cells, and the record's counts and rules, solves the reader's linear programs
(`socialstat.disclosure.results.audit_results`) and fails when any primary cell can be narrowed to an interval
narrower than the threshold. It also checks that the release really hides what the record says it suppresses.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from socialstat.disclosure.results import AUDIT, KEY, audit_results
from socialstat.disclosure.rules import DisclosureRules
from socialstat.errors import ReleaseError
from socialstat.store.connect import Store

HIDDEN = ["numerator", "denominator", "value", "lower", "upper"]  # what a release empties in a suppressed cell
RECORD = [
    "release_name", "release_sha256", *KEY, "disclosure", "rule", "numerator", "denominator", "lower", "upper",
    "exposed",
]  # fmt: skip


@dataclass(frozen=True)
class AuditResult:
    """The audit of one release: its per-cell record (confidential: it says which cells are primary) and a
    summary fit to publish in the manifest."""

    cells: pd.DataFrame  # AUDIT columns, one row per suppressed cell
    threshold: int

    @property
    def passed(self) -> bool:
        """No primary cell can be narrowed below the threshold."""
        return not bool(self.cells["exposed"].any())

    def summary(self) -> dict[str, Any]:
        """Counts only (no cell is named): fit for the manifest."""
        audited = self.cells["width"].notna()
        return {
            "passed": self.passed,
            "threshold": self.threshold,
            "suppressed_cells": len(self.cells),
            "cells_audited": int(audited.sum()),
            "cells_exposed": int(self.cells["exposed"].sum()),
            "method": "linear programming over every additive relation of the release and the previous release",
        }

    def lines(self) -> list[str]:
        """A human summary (names exposed cells: for the analyst's terminal, not for publication)."""
        s = self.summary()
        verdict = "passed" if self.passed else "FAILED"
        out = [
            f"Audit {verdict}: {s['suppressed_cells']} suppressed cells, {s['cells_audited']} with an interval "
            f"(the rest add up to nothing), {s['cells_exposed']} primary cells narrower than {self.threshold}."
        ]
        out += [f"  exposed: {_cell(row)}" for row in self.cells[self.cells["exposed"]].head(20).itertuples()]
        return out

    def narrowest(self, n: int) -> list[str]:
        """The `n` narrowest audited cells, primary first: rule, status and interval (confidential)."""
        audited = self.cells[self.cells["width"].notna()].assign(first=self.cells["disclosure"] != "primary")
        chosen = audited.sort_values(["first", "width", *KEY]).head(n)
        out = [f"The {len(chosen)} narrowest suppressed cells (confidential: do not publish):"]
        return out + [f"  {row.disclosure:<9} {row.rule:<11} {_cell(row)}" for row in chosen.itertuples()]


def _cell(row: Any) -> str:
    """A cell and its interval, for the analyst's terminal."""
    where = f"{row.indicator} {row.unit_code} {row.period} {row.breakdown}={row.breakdown_value}"
    return f"{where}: [{row.lower:g}, {row.upper:g}]"


def record_frame(name: str, content: str, audit: AuditResult) -> pd.DataFrame:
    """The disclosure record of a release: each suppressed cell with its rule, numbers and interval."""
    rows = audit.cells.assign(release_name=name, release_sha256=content)
    rows["exposed"] = rows["exposed"].astype(bool)
    rows["period"] = rows["period"].astype("int64")
    return rows[RECORD]


def write_record(store: Store, content: str, record: pd.DataFrame) -> None:
    """Replace the store's record of the release with content hash `content` (one transaction)."""
    with store.transaction():
        store.delete_where("disclosure_record", "release_sha256", content)
        store.insert("disclosure_record", record)


def delete_record(store: Store, content: str) -> None:
    """Remove the record of the release with content hash `content` (a release that was not written)."""
    with store.transaction():
        store.delete_where("disclosure_record", "release_sha256", content)


def read_record(store: Store, content: str) -> pd.DataFrame:
    """The store's record of the release with content hash `content`."""
    table = store.table("disclosure_record")
    return table.filter(table.release_sha256 == content).execute()


def audit_release(store: Store, release: Any, previous: pd.DataFrame | None) -> AuditResult:
    """Audit `release` (a `build.Release`) against its record in `store` and the previous release's cells, and
    store the intervals found in the record."""
    manifest = release.manifest
    content = str(manifest["content_sha256"])
    record = read_record(store, content)
    cells = release.cells()
    symbol = manifest["disclosure_rules"]["suppressed_symbol"]
    suppressed = cells[cells["symbol"] == symbol]
    if len(record) != len(suppressed):
        raise ReleaseError(
            f"release {release.name}: the store's disclosure record holds {len(record)} cells, the release "
            f"suppresses {len(suppressed)}; audit against the store the release was created from"
        )
    confidential = record[[*KEY, "disclosure", "rule", "numerator", "denominator"]]
    protected = cells.merge(confidential, on=KEY, how="left", indicator=True, suffixes=("", "_record"))
    hidden = protected["_merge"] == "both"
    unmatched = int((protected["symbol"].eq(symbol) & ~hidden).sum())
    if unmatched:
        raise ReleaseError(f"release {release.name}: {unmatched} suppressed cells are not in the disclosure record")
    if protected.loc[hidden, HIDDEN].notna().any().any():
        raise ReleaseError(f"release {release.name}: a cell the record suppresses shows a number")
    for column in ["numerator", "denominator"]:  # as published, and the record's where a cell is hidden
        protected[column] = protected[column].where(~hidden, protected[f"{column}_record"])
    protected["disclosure"] = protected["disclosure"].fillna("published")
    protected["persons"] = float("nan")  # not needed: the record says which cells are primary
    rules = DisclosureRules(**manifest["disclosure_rules"])
    units = store.table("units").execute()
    found = audit_results(protected[[*cells.columns, "disclosure", "rule", "persons"]], units, rules=rules,
                          previous=previous)  # fmt: skip
    result = AuditResult(found, rules.threshold)
    updated = record.drop(columns=["lower", "upper", "exposed"]).merge(
        result.cells[[*KEY, "lower", "upper", "exposed"]], on=KEY, how="left"
    )
    updated["exposed"] = updated["exposed"].fillna(False).astype(bool)
    write_record(store, content, updated[RECORD])
    return result


__all__ = [
    "AUDIT", "AuditResult", "audit_release", "delete_record", "read_record", "record_frame",
    "write_record",
]  # fmt: skip
