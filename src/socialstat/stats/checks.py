"""Argument checks shared by the statistics: coerce to float arrays, then test each rule before computing anything.

NaN (or None, or pandas NA) means missing and passes every rule; the statistic is then NaN. A broken rule raises
InvalidStatisticInput naming the rule, the first offending position and at most two values.
"""

from __future__ import annotations

import numbers

import numpy as np
import numpy.typing as npt

from socialstat.errors import InvalidStatisticInput
from socialstat.stats.result import FloatArray


def _show(value: float) -> str:
    return f"{value:.12g}"


def _where(mask: npt.NDArray[np.bool_]) -> str:
    """' at position 3 (and 2 more)' for array input; '' for a scalar."""
    if mask.ndim == 0:
        return ""
    first = np.argwhere(mask)[0]
    position: object = int(first[0]) if mask.ndim == 1 else tuple(int(i) for i in first)
    more = int(mask.sum()) - 1
    return f" at position {position}" + (f" (and {more} more)" if more else "")


def _first(values: FloatArray, mask: npt.NDArray[np.bool_]) -> float:
    return float(values[mask].flat[0])


def as_floats(name: str, values: object) -> FloatArray:
    """`values` (a number, sequence, numpy array or pandas Series) as a float array; None and pandas NA become NaN."""
    try:
        to_numpy = getattr(values, "to_numpy", None)
        if callable(to_numpy):
            array = np.asarray(to_numpy(dtype=np.float64, na_value=np.nan), dtype=np.float64)
        else:
            array = np.asarray(values, dtype=np.float64)
    except (TypeError, ValueError) as exc:
        raise InvalidStatisticInput(f"{name} must be numeric: {exc}") from None
    return array


def broadcast(**named: FloatArray) -> tuple[list[FloatArray], bool]:
    """The arrays broadcast to one shape (as fresh writable copies), and whether any input was an array."""
    try:
        arrays = [np.array(a, dtype=np.float64) for a in np.broadcast_arrays(*named.values())]
    except ValueError:
        shapes = ", ".join(f"{name} {np.shape(a)}" for name, a in named.items())
        raise InvalidStatisticInput(f"inputs must have the same shape (or broadcast to one): {shapes}") from None
    return arrays, any(np.ndim(a) > 0 for a in named.values())


def check_confidence(confidence: object) -> float:
    """One confidence level strictly between 0 and 1 (0.95 for a two-sided 95 % interval)."""
    if isinstance(confidence, bool) or not isinstance(confidence, numbers.Real):
        raise InvalidStatisticInput(
            f"confidence must be one number strictly between 0 and 1 (0.95 for 95 %), got {type(confidence).__name__}"
        )
    level = float(confidence)
    if not 0 < level < 1:
        raise InvalidStatisticInput(f"confidence must be strictly between 0 and 1 (0.95 for 95 %), got {_show(level)}")
    return level


def check_multiplier(multiplier: object) -> float:
    """One finite multiplier above 0 (1 for a proportion, 100 for a percentage, 1000 for a rate per 1000)."""
    if isinstance(multiplier, bool) or not isinstance(multiplier, numbers.Real):
        raise InvalidStatisticInput(f"multiplier must be one number above 0, got {type(multiplier).__name__}")
    value = float(multiplier)
    if not (np.isfinite(value) and value > 0):
        raise InvalidStatisticInput(f"multiplier must be a finite number above 0, got {_show(value)}")
    return value


def check_finite(name: str, values: FloatArray) -> None:
    """Values are finite or NaN (missing): an infinite count or denominator is an error, not a missing value."""
    bad = np.isinf(values)
    if bad.any():
        raise InvalidStatisticInput(f"{name} must be finite: {_show(_first(values, bad))}{_where(bad)}")


def check_not_negative(name: str, values: FloatArray) -> None:
    """Values are >= 0 or NaN (counts, baselines)."""
    check_finite(name, values)
    bad = values < 0
    if bad.any():
        raise InvalidStatisticInput(f"{name} must not be negative: {_show(_first(values, bad))}{_where(bad)}")


def check_positive(name: str, values: FloatArray) -> None:
    """Values are > 0 or NaN (denominators: a proportion or rate over nothing is undefined, not missing)."""
    check_finite(name, values)
    bad = values <= 0
    if bad.any():
        raise InvalidStatisticInput(f"{name} must be above 0: {_show(_first(values, bad))}{_where(bad)}")


def check_at_most(name: str, values: FloatArray, bound_name: str, bound: FloatArray) -> None:
    """Values are at most their bound (a numerator at most its denominator); NaN on either side passes."""
    bad = values > bound
    if bad.any():
        value, limit = _first(values, bad), _first(bound, bad)
        raise InvalidStatisticInput(
            f"{name} must not be above {bound_name}: {name} {_show(value)} is above {bound_name} {_show(limit)}"
            f"{_where(bad)}"
        )
