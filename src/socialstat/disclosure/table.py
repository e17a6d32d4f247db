"""Tables with every marginal total, linked by the cells they share, and the additive relations a reader can use.

A cell has one coordinate per dimension. A dimension's values form a tree whose root is `TOTAL`: flat (every
value's parent is `TOTAL`: sex, age band) or hierarchical (district → municipality → region → `TOTAL`). Inner
cells are given at the leaves; every other cell is the sum of the leaves under it. Each relation says: a cell at
a node equals the sum of the cells at the node's children, the other coordinates the same.

Several tables that share cells are *linked* (unit × sex and unit × age band share unit × `TOTAL`): they are
built into one `LinearTable` over the union of their dimensions, a table's missing dimensions taken as `TOTAL`,
so that a reader who combines them is the reader the audit plays. Shared cells must agree.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from itertools import product

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
    """All cells (inner and marginal, of one table or of linked tables) in a fixed order, with their relations."""

    cells: pd.DataFrame  # one column per dimension (text), the count column; positions 0..n-1
    dimensions: tuple[str, ...]
    count: str
    relations: tuple[Relation, ...]

    @cached_property
    def counts(self) -> list[float]:
        """The counts, by position."""
        return [float(v) for v in self.cells[self.count].to_numpy(dtype=float)]

    @cached_property
    def relations_of(self) -> dict[int, list[int]]:
        """For each cell, the relations (by index) it belongs to."""
        found: dict[int, list[int]] = {}
        for k, relation in enumerate(self.relations):
            for cell in (relation.total, *relation.children):
                found.setdefault(cell, []).append(k)
        return found

    @cached_property
    def relation_dimension(self) -> list[int]:
        """For each relation, the dimension (by index) in which its total differs from its children."""
        found = []
        for relation in self.relations:
            total, child = self.coordinates[relation.total], self.coordinates[relation.children[0]]
            found.append(next(j for j, (a, b) in enumerate(zip(total, child, strict=True)) if a != b))
        return found

    def label(self, position: int) -> str:
        """A cell's coordinates as text, e.g. `A|female`."""
        return "|".join(str(self.cells.at[position, d]) for d in self.dimensions)

    def positions(self) -> dict[tuple[str, ...], int]:
        """Cell position by coordinates."""
        return self._positions

    @cached_property
    def _positions(self) -> dict[tuple[str, ...], int]:
        return {tuple(r): i for i, r in enumerate(self.cells[list(self.dimensions)].itertuples(index=False))}

    @cached_property
    def coordinates(self) -> list[tuple[str, ...]]:
        """Each cell's coordinates, by position."""
        return list(self._positions)

    @cached_property
    def values(self) -> dict[str, set[str]]:
        """The values of each dimension."""
        return {d: {c[j] for c in self._positions} for j, d in enumerate(self.dimensions)}


def with_totals(
    cells: pd.DataFrame,
    dimensions: Sequence[str],
    count: str,
    *,
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
) -> LinearTable:
    """One table: its inner `cells` and every marginal total, in a deterministic order."""
    return linked([(cells, dimensions)], count, hierarchies=hierarchies)


def linked(
    tables: Sequence[tuple[pd.DataFrame, Sequence[str]]],
    count: str,
    *,
    hierarchies: Mapping[str, Mapping[str, str]] | None = None,
) -> LinearTable:
    """Tables that share cells, built as one: each `(inner cells, dimensions)`; `hierarchies` gives, per
    hierarchical dimension, each value's parent (a top value's parent is `TOTAL`)."""
    hierarchies = hierarchies or {}
    dimensions = tuple(dict.fromkeys(d for _, dims in tables for d in dims))
    parts, relations = [], []
    for cells, dims in tables:
        full = _with_margins(_inner(cells, dims, count, hierarchies), tuple(dims), count, hierarchies)
        for d in dimensions:
            if d not in dims:
                full[d] = TOTAL
        parts.append(full[[*dimensions, count]])
    every = pd.concat(parts, ignore_index=True)
    agreed = every.groupby(list(dimensions), sort=False)[count].agg(["min", "max"])
    disagree = agreed[agreed["min"] != agreed["max"]]
    if not disagree.empty:
        raise InvalidStatisticInput(f"linked tables disagree on the cell {'|'.join(disagree.index[0])}")
    table = every.drop_duplicates(list(dimensions)).copy()
    order = [_order(d, hierarchies.get(d, {})) for d in dimensions]
    table = table.sort_values(
        list(dimensions), key=lambda s: s.map(order[dimensions.index(s.name)]), kind="stable"
    ).reset_index(drop=True)
    position = {tuple(r): i for i, r in enumerate(table[list(dimensions)].itertuples(index=False))}
    for _, dims in tables:
        relations += _relations(position, dimensions, tuple(dims), hierarchies)
    unique = sorted(set(relations), key=lambda r: (r.total, r.children))
    return LinearTable(table, dimensions, count, tuple(unique))


def _inner(
    cells: pd.DataFrame, dims: Sequence[str], count: str, hierarchies: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    missing = [c for c in (*dims, count) if c not in cells.columns]
    if missing:
        raise InvalidStatisticInput(f"the cells lack the columns {missing}")
    inner = cells[[*dims, count]].copy()
    for d in dims:
        inner[d] = inner[d].astype(str)
        if (inner[d] == TOTAL).any():
            raise InvalidStatisticInput(f"dimension {d!r} already holds {TOTAL!r}: give inner cells only")
        parents = set(hierarchies.get(d, {}).values()) - {TOTAL}
        if parents & set(inner[d]):
            raise InvalidStatisticInput(
                f"dimension {d!r}: give the leaves of its hierarchy only, not {sorted(parents & set(inner[d]))[:3]}"
            )
    if inner.duplicated(list(dims)).any():
        raise InvalidStatisticInput("two inner cells have the same coordinates")
    if inner[count].isna().any() or (inner[count] < 0).any():
        raise InvalidStatisticInput("counts must be present and not negative")
    return inner


def _ancestors(value: str, parents: Mapping[str, str]) -> list[str]:
    """`value`, its parent, ..., `TOTAL`."""
    chain = [value]
    while chain[-1] != TOTAL:
        parent = parents.get(chain[-1], TOTAL)
        if parent in chain:
            raise InvalidStatisticInput(f"the hierarchy has a cycle at {parent!r}")
        chain.append(parent)
    return chain


def _with_margins(
    inner: pd.DataFrame, dims: tuple[str, ...], count: str, hierarchies: Mapping[str, Mapping[str, str]]
) -> pd.DataFrame:
    """Every cell of the table: each inner cell counted into every combination of its coordinates' ancestors."""
    chains = {d: {v: _ancestors(v, hierarchies.get(d, {})) for v in inner[d].unique()} for d in dims}
    rows = []
    for record in inner.itertuples(index=False):
        values = record[: len(dims)]
        for combo in product(*(chains[d][v] for d, v in zip(dims, values, strict=True))):
            rows.append((*combo, record[len(dims)]))
    expanded = pd.DataFrame(rows, columns=[*dims, count])
    return expanded.groupby(list(dims), sort=False, as_index=False)[count].sum()


def _order(dimension: str, parents: Mapping[str, str]) -> object:
    """Sort key of a dimension's values: `TOTAL` first, then parents before their children, by name."""

    def key(value: str) -> tuple[object, ...]:
        return tuple((v != TOTAL, v) for v in reversed(_ancestors(value, parents)))

    return key


def _relations(
    position: Mapping[tuple[str, ...], int],
    dimensions: tuple[str, ...],
    dims: tuple[str, ...],
    hierarchies: Mapping[str, Mapping[str, str]],
) -> list[Relation]:
    """Each node of each of the table's dimensions = the sum of its children, for the table's cells."""
    absent = {d for d in dimensions if d not in dims}  # held at TOTAL in this table
    relations = []
    for j, d in enumerate(dimensions):
        if d in absent:
            continue
        parents = hierarchies.get(d, {})
        children: dict[tuple[str, ...], list[int]] = {}
        for coordinates, i in position.items():
            if coordinates[j] == TOTAL or any(coordinates[k] != TOTAL for k, e in enumerate(dimensions) if e in absent):
                continue
            parent = parents.get(coordinates[j], TOTAL)
            children.setdefault((*coordinates[:j], parent, *coordinates[j + 1 :]), []).append(i)
        for total, kids in children.items():
            if total in position:
                relations.append(Relation(position[total], tuple(sorted(kids))))
    return relations


def from_cells(
    cells: pd.DataFrame,
    dimensions: Sequence[str],
    count: str,
    partitions: Mapping[str, Sequence[tuple[str, Sequence[str]]]],
) -> LinearTable:
    """A table whose every cell is given (inner and totals alike, e.g. indicator results at every level).

    `partitions[d]` lists, for dimension `d`, (parent value, child values) pairs: ways a value splits into others
    (1480 into its districts, and again into its administrations). A relation is kept only where the parent and
    every child cell exist and the counts add up exactly: what does not add up (persons counted once in the
    municipality but in two districts) gives a reader no equation.
    """
    dimensions = tuple(dimensions)
    table = cells[[*dimensions, count]].copy()
    for d in dimensions:
        table[d] = table[d].astype(str)
    if table.duplicated(list(dimensions)).any():
        raise InvalidStatisticInput("two cells have the same coordinates")
    table = table.sort_values(list(dimensions), key=lambda s: s.map(lambda v: (v != TOTAL, v))).reset_index(drop=True)
    position = {tuple(r): i for i, r in enumerate(table[list(dimensions)].itertuples(index=False))}
    counts = [float(v) for v in table[count]]
    relations = set()
    for j, d in enumerate(dimensions):
        at: dict[str, list[tuple[tuple[str, ...], int]]] = {}  # the cells at each value of this dimension
        for coordinates, i in position.items():
            at.setdefault(coordinates[j], []).append((coordinates, i))
        for parent, children in partitions.get(d, ()):
            for coordinates, i in at.get(parent, ()):
                kids = [position.get((*coordinates[:j], c, *coordinates[j + 1 :])) for c in children]
                if any(k is None for k in kids):
                    continue
                members = tuple(sorted(k for k in kids if k is not None))
                if abs(sum(counts[k] for k in members) - counts[i]) < 1e-9:
                    relations.add(Relation(i, members))
    return LinearTable(table, dimensions, count, tuple(sorted(relations, key=lambda r: (r.total, r.children))))
