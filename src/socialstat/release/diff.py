"""What changed between two releases, cell by cell, and why: the revision note.

Cells are matched on their key (indicator, structure, unit, period, breakdown). A cell is `added` or `removed`,
`suppressed` (published before, `..` now), `unsuppressed`, or `revised` (its published value or numbers
changed); unchanged cells are left out. Each change gets the reasons the manifests and metadata can give:

- `definition`: the indicator's catalogue entry (definition, statistic, multiplier, ...) differs;
- `data`: the store's batches differ (listed in the summary: loaded since, withdrawn since);
- `disclosure_rules`: the rules differ;
- `disclosure`: a suppression change where nothing else changed for the cell: the pattern follows the counts
  of the whole table and what the previous release published, so a neighbour's change can move it;
- `code`: a revision with none of the above (the code version differs, or nothing is known);
- for an added or removed cell: `years` or `structures` (one release does not cover it), else `data` or
  `catalogue` (an indicator or a breakdown value came or went).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from socialstat.disclosure.results import KEY
from socialstat.release.build import Release

NUMBERS = ["value", "lower", "upper", "numerator", "denominator"]


@dataclass(frozen=True)
class ReleaseDiff:
    """The changed cells of `after` against `before`, with reasons, and what changed in the manifests."""

    before: str
    after: str
    cells: pd.DataFrame  # KEY, change, reasons, value_before, value_after, symbol_before, symbol_after
    context: dict[str, Any]

    def summary(self) -> dict[str, Any]:
        """Counts by change and by reason, and the manifest differences."""
        reasons = self.cells["reasons"].str.split(",").explode()
        return {
            "before": self.before,
            "after": self.after,
            "changes": {k: int(v) for k, v in self.cells["change"].value_counts().sort_index().items()},
            "reasons": {k: int(v) for k, v in reasons.value_counts().sort_index().items() if k},
            **self.context,
        }

    def lines(self, limit: int = 20) -> list[str]:
        """The summary, and the first `limit` changed cells."""
        s = self.summary()
        out = [f"{self.before} → {self.after}: {len(self.cells)} cells changed"]
        out += [f"  {k}: {v}" for k, v in s["changes"].items()]
        out += ["reasons:", *(f"  {k}: {v}" for k, v in s["reasons"].items())]
        for key in ("batches_loaded_since", "batches_withdrawn_since", "definitions_changed"):
            if s[key]:
                out.append(f"{key.replace('_', ' ')}: {', '.join(s[key])}")
        for row in self.cells.head(limit).itertuples(index=False):
            out.append(
                f"  {row.change:<12} {row.indicator} {row.unit_code} {row.period} {row.breakdown}={row.breakdown_value}"
                f": {_shown(row.value_before, row.symbol_before)} → {_shown(row.value_after, row.symbol_after)}"
                f" ({row.reasons})"
            )
        return out


def diff_releases(before: Release, after: Release) -> ReleaseDiff:
    """The revision note of `after` against `before`."""
    a, b = before.cells(), after.cells()
    merged = a.merge(b, on=KEY, how="outer", suffixes=("_before", "_after"), indicator=True)
    change = pd.Series("", index=merged.index, dtype=object)
    change[merged["_merge"] == "right_only"] = "added"
    change[merged["_merge"] == "left_only"] = "removed"
    both = merged["_merge"] == "both"
    hidden_before = merged["symbol_before"].eq(before.manifest["disclosure_rules"]["suppressed_symbol"])
    hidden_after = merged["symbol_after"].eq(after.manifest["disclosure_rules"]["suppressed_symbol"])
    change[both & ~hidden_before & hidden_after] = "suppressed"
    change[both & hidden_before & ~hidden_after] = "unsuppressed"
    numbers = np.zeros(len(merged), dtype=bool)
    for column in NUMBERS:
        x, y = merged[f"{column}_before"], merged[f"{column}_after"]
        numbers |= ~((x.isna() & y.isna()) | np.isclose(x.fillna(0), y.fillna(0), rtol=1e-12, atol=0))
    change[both & (change == "") & numbers] = "revised"
    changed = merged[change != ""].assign(change=change[change != ""])
    context = _context(before, after)
    changed["reasons"] = _reasons(changed, context, before.manifest, after.manifest)
    columns = [*KEY, "change", "reasons", "value_before", "value_after", "symbol_before", "symbol_after"]
    order = changed.sort_values(["change", *KEY])[columns].reset_index(drop=True)
    return ReleaseDiff(before.name, after.name, order, context)


def _context(before: Release, after: Release) -> dict[str, Any]:
    old = {x["batch_id"] for x in before.manifest["batches"]}
    new = {x["batch_id"] for x in after.manifest["batches"]}
    definitions = _definitions(before), _definitions(after)
    return {
        "batches_loaded_since": sorted(new - old),
        "batches_withdrawn_since": sorted(old - new),
        "definitions_changed": sorted(
            i for i in set(definitions[0]) & set(definitions[1]) if definitions[0][i] != definitions[1][i]
        ),
        "code_version": [before.manifest["socialstat_version"], after.manifest["socialstat_version"]],
    }


def _definitions(release: Release) -> dict[str, str]:
    """Each indicator's catalogue entry as text, from the release's metadata."""
    indicators = release.metadata().get("indicators", {})
    return {i: json.dumps(entry, sort_keys=True, ensure_ascii=False) for i, entry in indicators.items()}


def _reasons(
    changed: pd.DataFrame, context: dict[str, Any], before: dict[str, Any], after: dict[str, Any]
) -> list[str]:
    data = bool(context["batches_loaded_since"] or context["batches_withdrawn_since"])
    rules = before["disclosure_rules"] != after["disclosure_rules"]
    definitions = set(context["definitions_changed"])
    out = []
    coverage = [(set(range(m["years"][0], m["years"][1] + 1)), set(m["structures"])) for m in (before, after)]
    for row in changed.itertuples(index=False):
        if row.change in ("added", "removed"):
            out.append(_coverage(row, coverage, data))
            continue
        reasons = [name for name, on in (("definition", row.indicator in definitions), ("data", data)) if on]
        if rules and row.change in ("suppressed", "unsuppressed"):
            reasons.append("disclosure_rules")
        if not reasons:
            reasons.append("disclosure" if row.change in ("suppressed", "unsuppressed") else "code")
        out.append(",".join(reasons))
    return out


def _coverage(row: Any, coverage: list[tuple[set[int], set[str]]], data: bool) -> str:
    """Why a cell is in one release only: its year or structure is not covered by the other, or else its
    indicator or its breakdown value came or went (catalogue or data)."""
    if not all(row.period in years for years, _ in coverage):
        return "years"
    if not all(row.structure in structures for _, structures in coverage):
        return "structures"
    return "data" if data else "catalogue"


def _shown(value: float, symbol: object) -> str:
    if isinstance(symbol, str) and symbol:
        return symbol
    return "" if pd.isna(value) else f"{value:g}"
