"""Cell suppression: primary by the threshold rule, secondary until the audit finds every primary cell protected.

Objective: publish as much as possible — suppress as small a total count as the method can find, and no cell
that protects nothing. Method (deterministic; docs/disclosure.md):

1. Primary: every cell (inner or total) built on 1 to threshold−1 persons. Zeros are published (`-`).
2. While the audit (`audit.intervals`) can pin a primary cell to an interval narrower than the threshold, take
   the first such cell in table order and protect it with the cheaper of:
   a. a hypercube: the target and, for each dimension it has relations in, one value those relations join it
      to (its parent, a sibling, or as a total one of its children); the cells at the corners, preferring
      cubes whose corners are large enough to let the target move `threshold` by themselves, then the least
      count added (as Tau-Argus' HYPERCUBE);
   b. one more suppressed cell, of smaller count than the hypercube adds: the published non-zero cells that
      share a relation with the target's component (or lie in every relation that pins the target alone) are
      tried in order of count, then table order, and the first whose suppression widens the target's interval
      enough is taken (as sdcTable's SIMPLEHEURISTIC, which also solves the attacker's linear programs).
3. Then every secondary cell is tried for removal, largest first: one whose removal leaves every primary cell
   protected is published again.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from itertools import product
from math import prod

import pandas as pd

from socialstat.disclosure.audit import Attack, Trial
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
    table: LinearTable,
    primary: set[int],
    threshold: float,
    *,
    known: Iterable[int] = (),
    before: Iterable[int] = (),
    given: Iterable[int] = (),
) -> set[int]:
    """The secondary cells that protect `primary` (see the module docstring). Cells in `known` count as
    published for the audit; a primary cell among them cannot be protected by suppression and is left out.
    Cells in `before` (suppressed by the previous release) are suppressed from the start and kept where needed:
    with known cells all around, the previous pattern is often the only one left. Cells in `given` are hidden
    already (for another reason) and stay so; they are not returned."""
    fixed = set(known)
    targets = sorted(primary - fixed)
    kept = set(primary) | (set(given) - fixed)  # never published again by the minimality pass
    suppressed = kept | (set(before) - fixed)
    safe: set[int] = set()  # stays safe while cells are only added: an interval can only widen
    while (target := _first_unsafe(table, suppressed - fixed, targets, threshold, safe)) is not None:
        cube = _hypercube(table, suppressed, target, fixed, threshold)
        cost = sum(table.counts[c] for c in cube) if cube else float("inf")
        added = (
            _one_more(table, suppressed, fixed, target, threshold, cost)
            or cube
            or _around(table, suppressed, fixed, target)
        )
        if not added:  # everything that could be suppressed is: the table cannot be published at all
            break
        suppressed |= added
    counts = table.counts
    for cell in sorted(suppressed - kept, key=lambda c: (-counts[c], -c)):
        if cell in fixed or _still_protected(table, suppressed - fixed, cell, targets, threshold):
            suppressed = suppressed - {cell}
    return suppressed - kept


def _still_protected(table: LinearTable, hidden: set[int], cell: int, targets: list[int], threshold: float) -> bool:
    """Whether every primary cell stays protected when `cell` is published again. Only the targets that shared a
    component with `cell` can lose; those sharing a relation with it are tried first, as the likeliest to."""
    near = Attack(table, hidden, focus=[cell]).members(cell)
    beside = _beside(table, [cell])
    order = sorted((t for t in targets if t in near), key=lambda t: (t not in beside, t))
    attack = Attack(table, hidden - {cell}, focus=order)
    return not any(attack.narrow(t, threshold) for t in order)


def _around(table: LinearTable, suppressed: set[int], fixed: set[int], target: int) -> set[int]:
    """The last resort: every published non-zero cell sharing a relation with the target's component that a
    reader does not know (the minimality pass then publishes again what is not needed)."""
    counts = table.counts
    near = _beside(table, Attack(table, suppressed - fixed, focus=[target]).members(target))
    return {c for c in near if c not in suppressed and c not in fixed and counts[c] > 0}


def _beside(table: LinearTable, cells: Iterable[int]) -> set[int]:
    """The cells that share a relation with one of `cells` (those included)."""
    relations = table.relations
    return {
        c
        for cell in cells
        for k in table.relations_of.get(cell, ())
        for c in (relations[k].total, *relations[k].children)
    }


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


def _candidates(table: LinearTable, attack: Attack, target: int) -> list[int]:
    """Published non-zero cells that could widen `target`'s interval, smallest count first. Where the target is
    the only suppressed cell of some relations, only a cell in every one of them can (it stays pinned by any
    relation it is alone in), and that is often none; else the cells sharing a relation with its component."""
    if target in attack.alone:
        pinning = attack.alone[target]
        pool = {pinning[0].total, *pinning[0].children}
        for relation in pinning[1:]:
            pool &= {relation.total, *relation.children}
    else:
        pool = _beside(table, attack.members(target))
    counts = table.counts
    return sorted((c for c in pool if c not in attack.hidden and counts[c] > 0), key=lambda c: (counts[c], c))


def _one_more(
    table: LinearTable, suppressed: set[int], fixed: set[int], target: int, threshold: float, cost: float
) -> set[int]:
    """The first cell, in order of count, cheaper than `cost`, whose suppression protects `target`; or none."""
    hidden = suppressed - fixed
    attack = Attack(table, hidden, focus=[target])
    candidates = [c for c in _candidates(table, attack, target) if c not in fixed and table.counts[c] < cost]
    candidates = candidates[:CANDIDATES]
    if not candidates:
        return set()
    trial = Trial(table, hidden, target, candidates)
    return next(({c} for c in candidates if not trial.narrow_with(c, threshold)), set())


def _hypercube(table: LinearTable, suppressed: set[int], target: int, fixed: set[int], threshold: float) -> set[int]:
    """The best hypercube of cells around `target`: new cells only, all of them cells of the table, none a cell a
    reader knows. First the cubes that move the target along every relation it is in (to its parent or a
    sibling, or as a total to a child); if there is none, any values (a total included), as many dimensions
    moving as the table allows. Among them, first those wide enough by themselves (`_cube_wide`), then the most
    dimensions moving, then the least count added."""
    return _cheapest_cube(table, suppressed, target, fixed, threshold, _related_moves(table, target)) or (
        _cheapest_cube(table, suppressed, target, fixed, threshold, _any_moves(table, target))
    )


Move = tuple[str, int] | None  # another value of a dimension and its sign (−1 sibling, +1 parent or child)


def _related_moves(table: LinearTable, target: int) -> list[list[Move]]:
    """Per dimension, the values the target's relations in that dimension join it to (or stay, if none)."""
    moves: list[dict[str, int]] = [{} for _ in table.dimensions]
    for k in table.relations_of.get(target, ()):
        relation = table.relations[k]
        j = table.relation_dimension[k]
        if relation.total == target:
            moves[j].update({table.coordinates[c][j]: 1 for c in relation.children})
        else:
            moves[j].setdefault(table.coordinates[relation.total][j], 1)
            moves[j].update({table.coordinates[c][j]: -1 for c in relation.children if c != target})
    return [[(v, sign) for v, sign in sorted(m.items())] or [None] for m in moves]


def _any_moves(table: LinearTable, target: int) -> list[list[Move]]:
    position, here = table.positions(), table.coordinates[target]
    options: list[list[Move]] = []
    for j, d in enumerate(table.dimensions):
        moves = [v for v in table.values[d] - {here[j]} if (*here[:j], v, *here[j + 1 :]) in position]
        options.append([None, *((v, 1 if v == TOTAL else -1) for v in sorted(moves, key=lambda v: (v != TOTAL, v)))])
    return options


def _cheapest_cube(
    table: LinearTable,
    suppressed: set[int],
    target: int,
    fixed: set[int],
    threshold: float,
    options: list[list[Move]],
) -> set[int]:
    counts, position = table.counts, table.positions()
    here = table.coordinates[target]
    best: tuple[bool, int, float, list[int]] | None = None
    for choice in product(*options):
        moving = sum(c is not None for c in choice)
        if not moving:
            continue
        corners: dict[int, int] = {}  # corner → its sign: moves with the target (+1) or against it (−1)
        for pick in product(*[[(v, 1)] if c is None else [(v, 1), c] for v, c in zip(here, choice, strict=True)]):
            corners[position.get(tuple(v for v, _ in pick), -1)] = prod(sign for _, sign in pick)
        new = set(corners) - suppressed
        if -1 in corners or not new or not fixed.isdisjoint(corners):
            continue
        key = (not _cube_wide(corners, counts, threshold), -moving, sum(counts[c] for c in new), sorted(new))
        if best is None or key < best:
            best = key
    return set(best[3]) if best else set()


def _cube_wide(corners: dict[int, int], counts: list[float], threshold: float) -> bool:
    """Whether the cube alone lets the target move `threshold`: up as far as the cells moving against it allow,
    down as far as those moving with it (the target among them) allow."""
    up = min((counts[c] for c, sign in corners.items() if sign < 0), default=float("inf"))
    down = min(counts[c] for c, sign in corners.items() if sign > 0)
    return up + down >= threshold
