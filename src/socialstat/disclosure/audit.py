"""The attacker's view: how narrowly can a reader pin each suppressed cell from what is published?

Every cell is a variable; a published cell is fixed to its value; a suppressed cell can take any value from 0
to the largest count of the table (the grand total: no count can exceed it). The table's additive relations
hold. For a suppressed cell, the lowest and highest value it can take under those constraints (two linear
programs, solved with HiGHS) is its interval: all a reader can learn about it. This is sdcTable's `attack`
(docs/disclosure.md); a primary cell is protected when its interval is at least as wide as the threshold.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
from scipy.optimize import linprog

from socialstat.disclosure.table import LinearTable


def intervals(
    table: LinearTable, suppressed: Iterable[int], targets: Iterable[int] | None = None
) -> dict[int, tuple[float, float]]:
    """(lowest, highest) value each target cell (default: every suppressed cell) can take, given the rest."""
    hidden = sorted(set(suppressed))
    if not hidden:
        return {}
    counts = table.counts
    variable = {cell: k for k, cell in enumerate(hidden)}
    rows, rhs = [], []
    for relation in table.relations:
        members = [(relation.total, -1.0), *((c, 1.0) for c in relation.children)]
        if not any(c in variable for c, _ in members):
            continue
        row = np.zeros(len(hidden))
        constant = 0.0
        for cell, sign in members:
            if cell in variable:
                row[variable[cell]] += sign
            else:
                constant += sign * counts[cell]
        rows.append(row)
        rhs.append(-constant)
    bound = (0.0, max(counts) if counts else 0.0)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    found: dict[int, tuple[float, float]] = {}
    for cell in sorted(set(targets) if targets is not None else hidden):
        objective = np.zeros(len(hidden))
        objective[variable[cell]] = 1.0
        low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=[bound] * len(hidden), method="highs")
        high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=[bound] * len(hidden), method="highs")
        if low.status != 0 or high.status != 0:  # the published values contradict each other: nothing to hide
            found[cell] = (counts[cell], counts[cell])
            continue
        found[cell] = (_clean(low.fun), _clean(-high.fun))
    return found


def _clean(value: float) -> float:
    """Solver values rounded off at 1e-6 (HiGHS returns 11.999999999 for 12)."""
    return float(round(value, 6))


def exposed(table: LinearTable, suppressed: Iterable[int], primary: Iterable[int], threshold: float) -> list[int]:
    """The primary cells whose interval is narrower than `threshold`, in table order."""
    found = intervals(table, suppressed, primary)
    return [cell for cell, (low, high) in sorted(found.items()) if high - low < threshold]
