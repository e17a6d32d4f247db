"""The attacker's view: how narrowly can a reader pin each suppressed cell from what is published?

Every cell is a variable; a published cell is fixed to its value; a suppressed cell can take any value of at
least 0, bounded above only by what the relations give (a reader knows no other bound: a table suppressed
whole is not narrowed by its own hidden grand total). The table's additive relations hold. For a suppressed
cell, the lowest and highest value it can take under those constraints (two linear programs, solved with HiGHS
through highspy) is its interval: all a reader can learn about it. This is sdcTable's `attack`
(docs/disclosure.md); a primary cell is protected when its interval is at least as wide as the threshold.

Suppressed cells interact only through relations they share, so the programs are solved per *component*
(suppressed cells joined by relations holding two or more of them); a cell alone in some relation is pinned
exactly without solving anything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable

import highspy
import numpy as np

from socialstat.disclosure.table import LinearTable, Relation


class Attack:
    """The reader's linear programs for one suppression pattern."""

    def __init__(self, table: LinearTable, suppressed: Iterable[int], focus: Iterable[int] | None = None) -> None:
        """The pattern `suppressed`; with `focus`, only the components of those suppressed cells are built."""
        self.table = table
        self.hidden = set(suppressed)
        self.counts = table.counts
        self.bound = (0.0, highspy.kHighsInf)  # a reader knows no upper bound but what the relations give
        if focus is None:
            self.touching = [r for r in table.relations if not self.hidden.isdisjoint((r.total, *r.children))]
        else:
            self.touching = self._reachable({c for c in focus if c in self.hidden})
        root = {c: c for c in self.hidden}

        def find(c: int) -> int:
            while root[c] != c:
                root[c] = root[root[c]]
                c = root[c]
            return c

        self.alone: dict[int, list[Relation]] = {}  # cells that are the only suppressed cell of some relation
        for relation in self.touching:
            members = [c for c in (relation.total, *relation.children) if c in self.hidden]
            if len(members) == 1:
                self.alone.setdefault(members[0], []).append(relation)
            for other in members[1:]:
                root[find(other)] = find(members[0])
        self.component = {c: find(c) for c in self.hidden}
        self._models: dict[int, tuple[highspy.Highs, list[int]]] = {}

    def _reachable(self, start: set[int]) -> list[Relation]:
        """The relations that join `start`'s suppressed cells to others, and theirs, and so on."""
        by_cell = self.table.relations_of
        seen_cells, seen_relations, frontier = set(start), set(), list(start)
        while frontier:
            for k in by_cell.get(frontier.pop(), ()):
                if k in seen_relations:
                    continue
                seen_relations.add(k)
                relation = self.table.relations[k]
                for c in (relation.total, *relation.children):
                    if c in self.hidden and c not in seen_cells:
                        seen_cells.add(c)
                        frontier.append(c)
        return [self.table.relations[k] for k in sorted(seen_relations)]

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
        model, variables = self._model(self.component[cell])
        column = variables.index(cell)
        model.changeColCost(column, 1.0)
        model.changeObjectiveSense(highspy.ObjSense.kMinimize if sense > 0 else highspy.ObjSense.kMaximize)
        model.run()
        value = _value(model, self.counts[cell], sense)
        model.changeColCost(column, 0.0)
        return value

    def _model(self, component: int) -> tuple[highspy.Highs, list[int]]:
        """One HiGHS model per component, solved again with a new objective for each cell."""
        if component not in self._models:
            variables = sorted(c for c, r in self.component.items() if r == component)
            n = len(variables)
            model = _program(variables, np.zeros(n), np.full(n, self.bound[1]), self.touching, self.counts)
            self._models[component] = (model, variables)
        return self._models[component]


class Trial:
    """The reader's programs around one `target` for trial patterns: the pattern `hidden` plus one of `cells` at
    a time (as secondary suppression tries them). One model holds them all, each trial cell a variable fixed at
    its count until it is tried, so a trial changes two bounds instead of building the programs again."""

    def __init__(self, table: LinearTable, hidden: Iterable[int], target: int, cells: Iterable[int]) -> None:
        """`target` must be in `hidden`."""
        cells = list(cells)
        self.counts = table.counts
        self.target = target
        every = Attack(table, set(hidden) | set(cells), focus=[target, *cells])
        self.variables = sorted(every.members(target))  # joined to the target when every trial cell is hidden
        self.index = {c: k for k, c in enumerate(self.variables)}
        self.bound = every.bound[1]
        trial = set(cells)
        low = np.array([self.counts[c] if c in trial else 0.0 for c in self.variables])
        high = np.array([self.counts[c] if c in trial else self.bound for c in self.variables])
        self.model = _program(self.variables, low, high, every.touching, self.counts)
        self.model.changeColCost(self.index[target], 1.0)

    def narrow_with(self, cell: int, threshold: float) -> bool:
        """Whether the target's interval stays narrower than `threshold` when `cell` is suppressed too."""
        if cell not in self.index:  # not joined to the target's cells: it cannot widen its interval
            return True
        column = self.index[cell]
        self.model.changeColBounds(column, 0.0, self.bound)
        try:
            high = self._solve(highspy.ObjSense.kMaximize)
            if high - self.counts[self.target] >= threshold:
                return False
            return high - self._solve(highspy.ObjSense.kMinimize) < threshold
        finally:
            self.model.changeColBounds(column, self.counts[cell], self.counts[cell])

    def _solve(self, sense: highspy.ObjSense) -> float:
        self.model.changeObjectiveSense(sense)
        self.model.run()
        return _value(self.model, self.counts[self.target], 1.0 if sense == highspy.ObjSense.kMinimize else -1.0)


_BANNER_SHOWN: list[bool] = []


def _highs() -> highspy.Highs:
    """A silent HiGHS model (HiGHS prints a banner with the first model of a process; it goes to /dev/null)."""
    if not _BANNER_SHOWN:
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "w") as null:
                os.dup2(null.fileno(), 1)
                highspy.Highs()  # type: ignore[no-untyped-call]
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _BANNER_SHOWN.append(True)
    model = highspy.Highs()  # type: ignore[no-untyped-call]
    model.setOptionValue("output_flag", False)
    model.setOptionValue("presolve", "off")
    return model


def _program(
    variables: list[int], low: np.ndarray, high: np.ndarray, relations: Iterable[Relation], counts: list[float]
) -> highspy.Highs:
    """A model over `variables` (cells, with bounds `low` and `high`) and the relations among them, no objective."""
    index = {c: k for k, c in enumerate(variables)}
    model = _highs()
    n = len(variables)
    none = np.array([], dtype=np.int32)
    model.addCols(n, np.zeros(n), low, high, 0, none, none, np.array([]))
    for relation in relations:
        columns, values, constant = _equation(relation, index, counts)
        if columns:
            model.addRow(-constant, -constant, len(columns), np.array(columns, dtype=np.int32), np.array(values))
    return model


def _equation(relation: Relation, index: dict[int, int], counts: list[float]) -> tuple[list[int], list[float], float]:
    """Σ children − total = 0 over the component's variables: their columns and coefficients, and the constant
    the published cells contribute (no columns if the relation holds none of the component's cells)."""
    coefficients: dict[int, float] = {}
    constant = 0.0
    for cell, sign in ((relation.total, -1.0), *((c, 1.0) for c in relation.children)):
        if cell in index:
            coefficients[index[cell]] = coefficients.get(index[cell], 0.0) + sign
        else:
            constant += sign * counts[cell]
    columns = sorted(c for c, v in coefficients.items() if v != 0.0)
    return columns, [coefficients[c] for c in columns], constant


def _value(model: highspy.Highs, count: float, sense: float) -> float:
    """The optimum just solved: infinite if nothing bounds the cell (the highest value of a cell in no published
    sum), its own count if the published values contradict each other (nothing left to hide)."""
    status = model.getModelStatus()
    if status == highspy.HighsModelStatus.kOptimal:
        return _clean(model.getInfo().objective_function_value)
    if sense < 0 and status in (highspy.HighsModelStatus.kUnbounded, highspy.HighsModelStatus.kUnboundedOrInfeasible):
        return float("inf")
    return count


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
