"""The attacker's view: how narrowly can a reader pin each suppressed cell from what is published?

Every cell is a variable; a published cell is fixed to its value; a suppressed cell can take any value from 0
to the largest count of the table (the grand total: no count can exceed it). The table's additive relations
hold. For a suppressed cell, the lowest and highest value it can take under those constraints (two linear
programs, solved with HiGHS) is its interval: all a reader can learn about it. This is sdcTable's `attack`
(docs/disclosure.md); a primary cell is protected when its interval is at least as wide as the threshold.

Suppressed cells interact only through relations they share, so the programs are solved per *component*
(suppressed cells joined by relations holding two or more of them); a cell alone in some relation is pinned
exactly without solving anything.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.optimize import linprog

from socialstat.disclosure.table import LinearTable, Relation


class Attack:
    """The reader's linear programs for one suppression pattern."""

    def __init__(self, table: LinearTable, suppressed: Iterable[int]) -> None:
        self.table = table
        self.hidden = set(suppressed)
        self.counts = table.counts
        self.bound = (0.0, max(self.counts) if self.counts else 0.0)
        self.touching = [r for r in table.relations if not self.hidden.isdisjoint((r.total, *r.children))]
        root = {c: c for c in self.hidden}

        def find(c: int) -> int:
            while root[c] != c:
                root[c] = root[root[c]]
                c = root[c]
            return c

        self.alone: set[int] = set()  # cells that are the only suppressed cell of some relation
        for relation in self.touching:
            members = [c for c in (relation.total, *relation.children) if c in self.hidden]
            if len(members) == 1:
                self.alone.add(members[0])
            for other in members[1:]:
                root[find(other)] = find(members[0])
        self.component = {c: find(c) for c in self.hidden}
        self._programs: dict[int, tuple[list[int], np.ndarray | None, np.ndarray | None]] = {}

    def members(self, cell: int) -> set[int]:
        """The suppressed cells in `cell`'s component."""
        return {c for c, r in self.component.items() if r == self.component[cell]}

    def interval(self, cell: int) -> tuple[float, float]:
        """(lowest, highest) value the suppressed `cell` can take."""
        return (self._extreme(cell, 1.0), self._extreme(cell, -1.0))

    def narrow(self, cell: int, threshold: float) -> bool:
        """Whether the interval of `cell` is narrower than `threshold`; the highest value is solved first, and
        when it alone lies `threshold` above the true count the lowest is not needed."""
        high = self._extreme(cell, -1.0)
        if high - self.counts[cell] >= threshold:
            return False
        return high - self._extreme(cell, 1.0) < threshold

    def _extreme(self, cell: int, sense: float) -> float:
        """The lowest (sense 1) or highest (sense −1) value of a suppressed cell."""
        if cell in self.alone:
            return self.counts[cell]
        variables, a_eq, b_eq = self._program(self.component[cell])
        objective = np.zeros(len(variables))
        objective[variables.index(cell)] = sense
        found = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=[self.bound] * len(variables), method="highs")
        if found.status != 0:  # the published values contradict each other: nothing to hide
            return self.counts[cell]
        return _clean(sense * found.fun)

    def _program(self, component: int) -> tuple[list[int], np.ndarray | None, np.ndarray | None]:
        if component not in self._programs:
            variables = sorted(c for c, r in self.component.items() if r == component)
            index = {c: k for k, c in enumerate(variables)}
            rows, rhs = [], []
            for relation in self.touching:
                row, constant = _equation(relation, index, self.counts)
                if row is not None:
                    rows.append(row)
                    rhs.append(-constant)
            self._programs[component] = (variables, np.array(rows) if rows else None, np.array(rhs) if rows else None)
        return self._programs[component]


def _equation(relation: Relation, index: dict[int, int], counts: list[float]) -> tuple[np.ndarray | None, float]:
    """Σ children − total = 0 over the component's variables (None if the relation holds none of them)."""
    members = [(relation.total, -1.0), *((c, 1.0) for c in relation.children)]
    if not any(c in index for c, _ in members):
        return None, 0.0
    row = np.zeros(len(index))
    constant = 0.0
    for cell, sign in members:
        if cell in index:
            row[index[cell]] += sign
        else:
            constant += sign * counts[cell]
    return row, constant


def _clean(value: float) -> float:
    """Solver values rounded off at 1e-6 (HiGHS returns 11.999999999 for 12)."""
    return float(round(value, 6))


def intervals(
    table: LinearTable, suppressed: Iterable[int], targets: Iterable[int] | None = None
) -> dict[int, tuple[float, float]]:
    """(lowest, highest) value each target cell (default: every suppressed cell) can take, given the rest."""
    attack = Attack(table, suppressed)
    chosen = sorted(set(targets) if targets is not None else attack.hidden)
    return {cell: attack.interval(cell) for cell in chosen}


def exposed(table: LinearTable, suppressed: Iterable[int], primary: Iterable[int], threshold: float) -> list[int]:
    """The primary cells whose interval is narrower than `threshold`, in table order."""
    attack = Attack(table, suppressed)
    return [c for c in sorted(set(primary)) if attack.narrow(c, threshold)]


def first_exposed(
    table: LinearTable, suppressed: Iterable[int], primary: Iterable[int], threshold: float
) -> int | None:
    """The first primary cell (in table order) whose interval is narrower than `threshold`, or None."""
    attack = Attack(table, suppressed)
    return next((c for c in sorted(set(primary)) if attack.narrow(c, threshold)), None)
