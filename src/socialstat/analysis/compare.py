"""Comparisons in a release: each unit against its parent (a district against the city, a municipality against
the region) with funnel control limits, a polarity-aware verdict, and its rank among its siblings.

For shares (`wilson`) and rates (`byars`, `exact`) of the chosen year, a unit's value is compared with its
parent's at the unit's own denominator (`socialstat.stats.funnel_limits`, 95 % and 99.8 %). The verdict follows
the 95 % limits: outside them the unit is `better` or `worse` (by the indicator's polarity), or `higher` or
`lower` where the indicator has none; inside them `similar`; `strength` says `99.8` when the unit is outside
those limits too. Counts, ratios and medians are not compared (a count follows the size of the unit). A unit or
parent whose cell is suppressed, missing or incomplete is never compared.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from socialstat.analysis.trends import inferred_multipliers
from socialstat.stats import funnel_limits

SERIES = ["indicator", "structure", "breakdown", "breakdown_value", "period"]
COMPARED = {"wilson": "proportion", "byars": "rate", "exact": "rate"}
VERDICTS = {  # polarity → (above the limits, below them)
    "higher_is_worse": ("worse", "better"),
    "higher_is_better": ("better", "worse"),
    "none": ("higher", "lower"),
}
COLUMNS = [*SERIES, "unit_code", "parent_code", "value", "parent_value", "lower95", "upper95", "lower998",
           "upper998", "verdict", "strength", "rank", "siblings"]  # fmt: skip


def comparisons(
    cells: pd.DataFrame,
    parents: dict[str, str],
    *,
    year: int | None = None,
    polarity: dict[str, str] | None = None,
    multipliers: dict[str, float] | None = None,
) -> pd.DataFrame:
    """Each unit of the year (default: the last) against its parent (`parents`: unit → parent code, from the
    release's metadata). `polarity` and `multipliers` per indicator (the metadata's); without a polarity the
    verdict is higher/lower."""
    symbol = "symbol" if "symbol" in cells.columns else "status"
    chosen = int(cells["period"].max()) if year is None else year
    quality = "status" if symbol == "symbol" else "quality"
    published = cells[(cells["period"] == chosen) & (cells[symbol] != "..") & cells["value"].notna()]
    if quality in published.columns:
        published = published[published[quality] != "incomplete"]
    published = published[published["method"].isin(COMPARED)]
    records = published.to_dict("records")
    same = {(*(r[c] for c in SERIES), r["unit_code"]): r for r in records}  # the parent in the same structure
    anywhere: dict[tuple[Any, ...], dict[str, Any]] = {}  # or in another structure that publishes it
    for r in records:
        anywhere.setdefault((r["indicator"], r["breakdown"], r["breakdown_value"], r["period"], r["unit_code"]), r)
    scale = {**inferred_multipliers(published), **(multipliers or {})}
    rows: list[dict[str, Any]] = []
    for r in records:
        parent = parents.get(str(r["unit_code"]))
        if parent is None or pd.isna(r["denominator"]) or r["denominator"] <= 0:
            continue
        mother = same.get((*(r[c] for c in SERIES), parent)) or anywhere.get(
            (r["indicator"], r["breakdown"], r["breakdown_value"], r["period"], parent)
        )
        if mother is None:
            continue
        indicator = str(r["indicator"])
        rows.append(_compare(r, parent, mother, (polarity or {}).get(indicator, "none"), scale.get(indicator, 1.0)))
    found = pd.DataFrame(rows, columns=COLUMNS)
    if found.empty:
        return found
    siblings = found.groupby([*SERIES, "parent_code"])["value"]
    found["rank"] = siblings.rank(ascending=False, method="min").astype(int)
    found["siblings"] = siblings.transform("size").astype(int)
    return found


def _compare(r: dict[str, Any], parent: str, mother: dict[str, Any], polarity: str, scale: float) -> dict[str, Any]:
    kind = COMPARED[str(r["method"])]
    base, n = float(mother["value"]), float(r["denominator"])
    inner = funnel_limits(kind, base, n, confidence=0.95, multiplier=scale)
    outer = funnel_limits(kind, base, n, confidence=0.998, multiplier=scale)
    value = float(r["value"])
    above, below = VERDICTS.get(polarity, VERDICTS["none"])
    verdict = above if value > float(inner.upper) else below if value < float(inner.lower) else "similar"
    beyond = value > float(outer.upper) or value < float(outer.lower)
    return {
        **{c: r[c] for c in SERIES}, "period": int(r["period"]), "unit_code": r["unit_code"], "parent_code": parent,
        "value": value, "parent_value": base, "lower95": float(inner.lower), "upper95": float(inner.upper),
        "lower998": float(outer.lower), "upper998": float(outer.upper), "verdict": verdict,
        "strength": "99.8" if beyond else ("95" if verdict != "similar" else ""), "rank": 0, "siblings": 0,
    }  # fmt: skip
