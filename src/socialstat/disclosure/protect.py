"""Cell suppression: primary by the threshold rule, secondary until the audit finds every primary cell protected.

Objective: publish as much as possible — suppress as small a total count as the method can find, and no cell
that protects nothing. Method (deterministic; docs/disclosure.md):

1. Primary: every cell (inner or total) built on 1 to threshold−1 persons. Zeros are published (`-`).
2. While the audit (`audit.intervals`) can pin a primary cell to an interval narrower than the threshold, take
   the first such cell in table order and protect it with the cheapest of:
   a. one more suppressed cell — the published non-zero cells are tried in order of count (then table order),
      and the first whose suppression widens the target's interval enough is taken (as sdcTable's
      SIMPLEHEURISTIC, which also solves the attacker's linear programs);
   b. a hypercube: the target and, for one other value in each dimension (a total included), the cells at the
      corners, of least total count among those not yet suppressed (as Tau-Argus' HYPERCUBE).
3. Then every secondary cell is tried for removal, largest first: one whose removal leaves every primary cell
   protected is published again.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from itertools import product

import pandas as pd

from socialstat.disclosure.audit import exposed
from socialstat.disclosure.table import TOTAL, LinearTable, with_totals

CANDIDATES = 40  # single cells tried per exposed cell before a hypercube


def protect_table(
    cells: pd.DataFrame,
    dimensions: Sequence[str],
    count: str,
    *,
    threshold: int = 5,
    primary: Iterable[tuple[str, ...]] = (),
) -> pd.DataFrame:
    """All cells of `cells` and its marginal totals (`Total`) with a `status`: published, primary or secondary.

    `cells` holds the inner cells: one column per dimension and the `count` column. `primary` names cells (by
    their coordinates, totals as `Total`) to suppress besides those under the threshold.
    """
    table = with_totals(cells, dimensions, count)
    counts = table.counts
    position = {tuple(r): i for i, r in enumerate(table.cells[list(table.dimensions)].itertuples(index=False))}
    first = {i for i, v in enumerate(counts) if 0 < v < threshold}
    first |= {position[tuple(str(v) for v in p)] for p in primary}
    second = secondary_suppression(table, first, threshold)
    status = ["primary" if i in first else "secondary" if i in second else "published" for i in range(len(counts))]
    return table.cells.assign(status=status)


def secondary_suppression(table: LinearTable, primary: set[int], threshold: float) -> set[int]:
    """The secondary cells that protect `primary` (see the module docstring)."""
    suppressed = set(primary)
    while unsafe := exposed(table, suppressed, primary, threshold):
        added = _one_more(table, suppressed, unsafe[0], threshold) or _hypercube(table, suppressed, unsafe[0])
        if not added:  # everything that could be suppressed is: the table cannot be published at all
            break
        suppressed |= added
    secondary = suppressed - primary
    counts = table.counts
    for cell in sorted(secondary, key=lambda c: (-counts[c], -c)):
        if not exposed(table, suppressed - {cell}, primary, threshold):
            suppressed.discard(cell)
    return suppressed - primary


def _candidates(table: LinearTable, suppressed: set[int]) -> list[int]:
    counts = table.counts
    return sorted(
        (c for c in range(len(counts)) if c not in suppressed and counts[c] > 0), key=lambda c: (counts[c], c)
    )


def _one_more(table: LinearTable, suppressed: set[int], target: int, threshold: float) -> set[int]:
    for cell in _candidates(table, suppressed)[:CANDIDATES]:
        if not exposed(table, suppressed | {cell}, [target], threshold):
            return {cell}
    return set()


def _hypercube(table: LinearTable, suppressed: set[int], target: int) -> set[int]:
    """The cheapest hypercube of cells around `target` (new cells only)."""
    cells, dims, counts = table.cells, table.dimensions, table.counts
    position = {tuple(r): i for i, r in enumerate(cells[list(dims)].itertuples(index=False))}
    here = tuple(cells.at[target, d] for d in dims)
    others = [sorted(set(cells[d]) - {here[j]}, key=lambda v: (v != TOTAL, v)) for j, d in enumerate(dims)]
    best: tuple[float, list[int], set[int]] | None = None
    for choice in product(*others):
        corners = set()
        for pick in product(*[(here[j], choice[j]) for j in range(len(dims))]):
            corners.add(position[pick])
        new = corners - suppressed
        if not new:
            continue
        cost = sum(counts[c] for c in new)
        key = (cost, sorted(new))
        if best is None or key < (best[0], best[1]):
            best = (cost, sorted(new), new)
    return best[2] if best else set()
