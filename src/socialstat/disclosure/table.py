"""A table with every marginal total, and the additive relations a reader can use against it.

Inner cells have one value per dimension; a marginal total has `TOTAL` in the dimensions it sums over. Each
relation says: the total cell equals the sum of its children (the cells that differ from it only in one
dimension, where they hold a value instead of `TOTAL`). Those relations are all a reader of the published table
knows, besides that no count is negative and none exceeds the grand total.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import pandas as pd

from socialstat.errors import InvalidStatisticInput

TOTAL = "Total"


@dataclass(frozen=True)
class Relation:
    """`total` equals the sum of `children` (cell positions in the table)."""

    total: int
    children: tuple[int, ...]


@dataclass(frozen=True)
class LinearTable:
    """All cells (inner and marginal) in a fixed order, with their counts and relations."""

    cells: pd.DataFrame  # one column per dimension (text), the count column; positions 0..n-1
    dimensions: tuple[str, ...]
    count: str
    relations: tuple[Relation, ...]

    @property
    def counts(self) -> list[float]:
        """The counts, by position."""
        return [float(v) for v in self.cells[self.count]]

    def label(self, position: int) -> str:
        """A cell's coordinates as text, e.g. `A|female`."""
        return "|".join(str(self.cells.at[position, d]) for d in self.dimensions)


def with_totals(cells: pd.DataFrame, dimensions: Sequence[str], count: str) -> LinearTable:
    """The inner `cells` and every marginal total over any subset of `dimensions`, in a deterministic order."""
    dimensions = tuple(dimensions)
    missing = [c for c in (*dimensions, count) if c not in cells.columns]
    if missing:
        raise InvalidStatisticInput(f"the cells lack the columns {missing}")
    inner = cells[[*dimensions, count]].copy()
    for d in dimensions:
        inner[d] = inner[d].astype(str)
        if (inner[d] == TOTAL).any():
            raise InvalidStatisticInput(f"dimension {d!r} already holds {TOTAL!r}: give inner cells only")
    if inner.duplicated(list(dimensions)).any():
        raise InvalidStatisticInput("two inner cells have the same coordinates")
    if (inner[count] < 0).any() or inner[count].isna().any():
        raise InvalidStatisticInput("counts must be present and not negative")
    parts = [inner]
    for k in range(1, len(dimensions) + 1):
        for summed in combinations(dimensions, k):
            kept = [d for d in dimensions if d not in summed]
            part = (
                inner.groupby(kept, sort=True)[count].sum().reset_index() if kept else inner[[count]].sum().to_frame().T
            )
            for d in summed:
                part[d] = TOTAL
            parts.append(part[[*dimensions, count]])
    table = pd.concat(parts, ignore_index=True)
    table = table.sort_values(list(dimensions), key=lambda s: s.map(lambda v: (v != TOTAL, v))).reset_index(drop=True)
    return LinearTable(table, dimensions, count, _relations(table, dimensions))


def _relations(table: pd.DataFrame, dimensions: tuple[str, ...]) -> tuple[Relation, ...]:
    position = {tuple(row): i for i, row in enumerate(table[list(dimensions)].itertuples(index=False, name=None))}
    relations = []
    for j in range(len(dimensions)):
        children: dict[tuple[str, ...], list[int]] = {}
        for coordinates, i in position.items():
            if coordinates[j] != TOTAL:
                parent = (*coordinates[:j], TOTAL, *coordinates[j + 1 :])
                children.setdefault(parent, []).append(i)
        for parent, kids in sorted(children.items(), key=lambda kv: position[kv[0]]):
            relations.append(Relation(position[parent], tuple(sorted(kids))))
    return tuple(relations)
