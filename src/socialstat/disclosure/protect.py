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

from collections.abc import Iterable, Mapping, Sequence
from itertools import product

import pandas as pd

from socialstat.disclosure.audit import Attack, first_exposed
from socialstat.disclosure.table import TOTAL, LinearTable, linked

CANDIDATES = 12  # single cells tried per exposed cell before a hypercube


def protect_table(
    cells: pd.DataFrame,
    dimensions: Sequence[str],
    count: str,
    *,
    threshold: int = 5,
    primary: Iterable[tuple[str, ...]] = (),
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
) -> pd.DataFrame:
    """All cells of `cells` and its marginal totals (`Total`) with a `status`: published, primary or secondary.

    `cells` holds the inner cells: one column per dimension and the `count` column. `primary` names cells (by
    their coordinates, totals as `Total`) to suppress besides those under the threshold; `hierarchies` gives the
    parent of each value of a hierarchical dimension (see `table.linked`).
    """
    return protect_tables([(cells, dimensions)], count, threshold=threshold, primary=primary, hierarchies=hierarchies)


def protect_tables(
    tables: Sequence[tuple[pd.DataFrame, Sequence[str]]],
    count: str,
    *,
    threshold: int = 5,
    primary: Iterable[tuple[str, ...]] = (),
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
    known: Mapping[tuple[str, ...], float] | None = None,
) -> pd.DataFrame:
    """Linked tables protected together (cells over the union of their dimensions; see `table.linked`).

    `known` gives cells a reader already knows (e.g. published in the previous release, with the same value):
    the audit treats them as published whatever their status now, so that no suppression relies on them.
    """
    table = linked(tables, count, hierarchies=hierarchies)
    counts = table.counts
    position = table.positions()
    first = {i for i, v in enumerate(counts) if 0 < v < threshold}
    first |= {position[tuple(str(v) for v in p)] for p in primary}
    second = secondary_suppression(table, first, threshold, known=known_cells(table, known or {}))
    status = ["primary" if i in first else "secondary" if i in second else "published" for i in range(len(counts))]
    return table.cells.assign(status=status)


def known_cells(table: LinearTable, known: Mapping[tuple[str, ...], float]) -> set[int]:
    """The positions of the cells a reader knows: given by coordinates, with the value they have now (a revised
    value is not known as it is now)."""
    position, counts = table.positions(), table.counts
    cells = ((position.get(tuple(str(v) for v in c)), float(v)) for c, v in known.items())
    return {cell for cell, value in cells if cell is not None and counts[cell] == value}


def secondary_suppression(
    table: LinearTable, primary: set[int], threshold: float, *, known: Iterable[int] = ()
) -> set[int]:
    """The secondary cells that protect `primary` (see the module docstring). Cells in `known` count as
    published for the audit; a primary cell among them cannot be protected by suppression and is left out."""
    fixed = set(known)
    targets = sorted(primary - fixed)
    suppressed = set(primary)
    safe: set[int] = set()  # stays safe while cells are only added: an interval can only widen
    while (target := _first_unsafe(table, suppressed - fixed, targets, threshold, safe)) is not None:
        added = _one_more(table, suppressed, fixed, target, threshold) or _hypercube(table, suppressed, target, fixed)
        if not added:  # everything that could be suppressed is: the table cannot be published at all
            break
        suppressed |= added
    counts = table.counts
    for cell in sorted(suppressed - primary, key=lambda c: (-counts[c], -c)):
        trial = suppressed - {cell}
        # Only the primary cells that shared a component with `cell` can lose by its removal.
        near = Attack(table, suppressed - fixed, focus=[cell]).members(cell) if cell not in fixed else set()
        if first_exposed(table, trial - fixed, [t for t in targets if t in near], threshold) is None:
            suppressed = trial
    return suppressed - primary


def _first_unsafe(
    table: LinearTable, hidden: set[int], targets: list[int], threshold: float, safe: set[int]
) -> int | None:
    attack = Attack(table, hidden)
    for target in targets:
        if target in safe:
            continue
        if attack.narrow(target, threshold):
            return target
        safe.add(target)
    return None


def _candidates(table: LinearTable, suppressed: set[int], near: set[int]) -> list[int]:
    """Published non-zero cells sharing a relation with a cell of `near`, smallest count first."""
    counts = table.counts
    linked = {c for r in table.relations if not near.isdisjoint((r.total, *r.children)) for c in (r.total, *r.children)}
    return sorted((c for c in linked if c not in suppressed and counts[c] > 0), key=lambda c: (counts[c], c))


def _one_more(table: LinearTable, suppressed: set[int], fixed: set[int], target: int, threshold: float) -> set[int]:
    near = Attack(table, suppressed - fixed, focus=[target]).members(target) if target in suppressed else {target}
    for cell in _candidates(table, suppressed | fixed, near)[:CANDIDATES]:
        if first_exposed(table, (suppressed | {cell}) - fixed, [target], threshold) is None:
            return {cell}
    return set()


def _hypercube(table: LinearTable, suppressed: set[int], target: int, fixed: set[int]) -> set[int]:
    """The cheapest hypercube of cells around `target`: for each dimension either the target's own value or one
    other (a total included), as many dimensions moving as the table allows (linked tables may not let all
    move); new cells only, all of them cells of the table, none a cell a reader knows."""
    dims, counts = table.dimensions, table.counts
    position = table.positions()
    here = table.coordinates[target]
    options = []
    for j, d in enumerate(dims):  # the values the target can move to in this dimension and stay a cell
        moves = [v for v in table.values[d] - {here[j]} if (*here[:j], v, *here[j + 1 :]) in position]
        options.append([None, *sorted(moves, key=lambda v: (v != TOTAL, v))])
    best: tuple[int, float, list[int]] | None = None  # the most dimensions moving first (a full hypercube), then cost
    for choice in product(*options):
        moving = sum(c is not None for c in choice)
        if not moving:
            continue
        picks = product(*[(here[j],) if c is None else (here[j], c) for j, c in enumerate(choice)])
        corners = {position.get(pick, -1) for pick in picks}
        new = corners - suppressed
        if -1 in corners or not new or corners & fixed:
            continue
        key = (-moving, sum(counts[c] for c in new), sorted(new))
        if best is None or key < best:
            best = key
    return set(best[2]) if best else set()
