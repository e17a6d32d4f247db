"""Funnel-plot control limits around a baseline, for proportions and rates (the Fingertips method).

A unit plotted at denominator N lies outside a limit exactly when its own confidence interval excludes the
baseline. The limits are therefore the observed values at which that interval just reaches the baseline:
the Wilson score interval for proportions, the exact Poisson interval for rates.
"""

from __future__ import annotations

import numpy as np
from scipy.special import chdtriv

from socialstat.errors import InvalidStatisticInput
from socialstat.stats.checks import (
    as_floats,
    broadcast,
    check_at_most,
    check_confidence,
    check_multiplier,
    check_not_negative,
    check_positive,
)
from socialstat.stats.intervals import z_value
from socialstat.stats.result import Estimate, FloatArray, pack, statistic_label

DEFAULT_MULTIPLIERS = {"proportion": 1.0, "rate": 1000.0}  # the defaults of `proportion` and `rate`
FUNNEL_METHODS = {"proportion": "wilson funnel", "rate": "exact funnel"}


def _proportion_limits(p: FloatArray, n: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Proportions (of 1) at which the Wilson interval of y from n just reaches the baseline p, clipped to [0, 1].

    The Wilson interval of y is {π : (y − π)² <= z²π(1 − π)/n}, so one of its limits equals p exactly when
    (y − p)² = z²p(1 − p)/n: y = p ∓ z√(p(1 − p)/n). (This is PHEindicatormethods' quadratic root, simplified.)
    """
    half_width = z_value(confidence) * np.sqrt(p * (1 - p) / n)
    return np.maximum(p - half_width, 0.0), np.minimum(p + half_width, 1.0)


def _rate_limits(expected: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Event counts at which the exact Poisson interval just reaches the expected count, the lower clipped at 0.

    Lower: the count O whose exact upper limit χ²_{1−α/2}(2O + 2)/2 equals the expected count E, i.e.
    P(χ²_{2O+2} <= 2E) = 1 − α/2. Upper: the count O whose exact lower limit χ²_{α/2}(2O)/2 equals E, i.e.
    P(χ²_{2O} <= 2E) = α/2. Both are solved for the degrees of freedom (scipy's `chdtriv`), so O is continuous.
    With E = 0 both limits are 0.
    """
    tail = (1 - confidence) / 2
    some = expected > 0
    safe = np.where(some, expected, 1.0)
    lower = np.maximum(chdtriv(1 - tail, 2 * safe) / 2 - 1, 0.0)
    upper = chdtriv(tail, 2 * safe) / 2
    zero = np.where(np.isnan(expected), np.nan, 0.0)
    return np.where(some, lower, zero), np.where(some, upper, zero)


def funnel_limits(
    statistic: str,
    baseline: object,
    denominator: object,
    *,
    confidence: float,
    multiplier: float | None = None,
) -> Estimate:
    """Funnel-plot control limits at each denominator around a baseline proportion or rate.

    statistic: "proportion" or "rate"; baseline: the comparator on the multiplier's scale (usually the overall
    value, Σnumerators/Σdenominators × multiplier; >= 0, for proportions at most the multiplier); denominator:
    the population (> 0) at which to give the limits, usually the x-axis points or each unit's own denominator;
    confidence: two-sided level in (0, 1), e.g. 0.95 ("2σ") and 0.998 ("3σ"); multiplier: the scale, by default
    that of `proportion` (1) or `rate` (1000). NaN in baseline or denominator gives NaN limits.
    Returns an Estimate whose value is the baseline and whose lower and upper are the control limits.
    Proportions (method "wilson funnel"): the proportion at which the Wilson score interval just reaches the
    baseline, which works out as p ∓ z√(p(1 − p)/N), clipped to [0, multiplier].
    Rates (method "exact funnel"): with the expected count E = baseline × denominator / multiplier, the event
    counts whose exact Poisson interval (Garwood 1936) just reaches E, divided by the denominator.
    Method: Spiegelhalter (2005), "Funnel plots for comparing institutional performance", Stat Med 24:1185–1202,
    as implemented in the Fingertips technical guidance and PHEindicatormethods' `calculate_funnel_limits`.
    """
    if statistic not in FUNNEL_METHODS:
        raise InvalidStatisticInput(f"statistic must be one of {', '.join(FUNNEL_METHODS)}, got {statistic!r}")
    level = check_confidence(confidence)
    scale = check_multiplier(DEFAULT_MULTIPLIERS[statistic] if multiplier is None else multiplier)
    (base, n), is_array = broadcast(
        baseline=as_floats("baseline", baseline), denominator=as_floats("denominator", denominator)
    )
    check_not_negative("baseline", base)
    check_positive("denominator", n)
    if statistic == "proportion":
        check_at_most("baseline", base, "multiplier", np.full_like(base, scale))
        lower, upper = _proportion_limits(base / scale, n, level)
        lower, upper = lower * scale, upper * scale
    else:
        count_lower, count_upper = _rate_limits(base * n / scale, level)
        lower, upper = count_lower / n * scale, count_upper / n * scale
    return pack(
        (base, lower, upper),
        np.full(base.shape, FUNNEL_METHODS[statistic]),
        is_array=is_array,
        confidence=level,
        label=statistic_label(statistic, scale),
    )
