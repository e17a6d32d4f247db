"""The record every statistic returns: value, limits, confidence, statistic and method (PHEindicatormethods' shape).

Scalar input gives floats and a str method; array input gives read-only numpy arrays of the input's shape, with a
method per element. `to_frame` turns either into a pandas DataFrame, one row per element.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

FloatArray = npt.NDArray[np.float64]
StrArray = npt.NDArray[np.str_]


class Limits(NamedTuple):
    """A lower and an upper limit (floats for scalar input, arrays for array input); what the building blocks return."""

    lower: float | FloatArray
    upper: float | FloatArray


@dataclass(frozen=True, eq=False)
class Estimate:
    """A statistic with its confidence (or funnel control) limits, on the scale of its multiplier.

    `value`, `lower` and `upper` are floats for scalar input and arrays for array input; NaN where an input was
    missing. `confidence` is the two-sided level (0.95 for 95 %). `statistic` names the quantity and its scale
    ("percentage", "rate per 100000"); `method` names how the limits were computed, per element for array input.
    Arrays compare by identity (eq=False): compare the fields with numpy instead.
    """

    value: float | FloatArray
    lower: float | FloatArray
    upper: float | FloatArray
    confidence: float
    statistic: str
    method: str | StrArray

    def to_frame(self) -> pd.DataFrame:
        """The estimate as a DataFrame with one row per element (one row for scalar input), in the field order."""
        value = np.ravel(self.value)
        return pd.DataFrame(
            {
                "value": value,
                "lower": np.ravel(self.lower),
                "upper": np.ravel(self.upper),
                "confidence": np.full(value.shape, self.confidence),
                "statistic": [self.statistic] * value.size,
                "method": np.broadcast_to(np.ravel(self.method), value.shape).tolist(),
            }
        )


def statistic_label(kind: str, multiplier: float) -> str:
    """The `statistic` field for a proportion or rate on a multiplier's scale ("percentage", "rate per 1000")."""
    if kind == "proportion" and multiplier == 1:
        return "proportion"
    if kind == "proportion" and multiplier == 100:
        return "percentage"
    return f"{kind} per {multiplier:.12g}"


def pack(
    arrays: tuple[FloatArray, FloatArray, FloatArray],
    method: StrArray,
    *,
    is_array: bool,
    confidence: float,
    label: str,
) -> Estimate:
    """Build an Estimate from computed arrays: floats and a str for scalar input, read-only arrays otherwise."""
    value, lower, upper = arrays
    if not is_array:
        return Estimate(float(value), float(lower), float(upper), confidence, label, str(method[()]))
    for array in (value, lower, upper, method):
        array.setflags(write=False)
    return Estimate(value, lower, upper, confidence, label, method)


def pack_limits(lower: FloatArray, upper: FloatArray, *, is_array: bool) -> Limits:
    """Build Limits: floats for scalar input, read-only arrays otherwise."""
    if not is_array:
        return Limits(float(lower), float(upper))
    lower.setflags(write=False)
    upper.setflags(write=False)
    return Limits(lower, upper)
