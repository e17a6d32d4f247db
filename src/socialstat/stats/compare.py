"""Comparisons of two groups or two years, in the one shape of `socialstat.stats`: an Estimate with its limits.

- `difference_of_proportions`: p1 − p2 with Newcombe's hybrid score interval (his method 10).
- `rate_ratio`: (x1/t1) / (x2/t2) with exact limits conditional on x1 + x2 (Clopper–Pearson on x1's binomial
  share), the interval of R's `poisson.test` for two samples.

A change is significant at the chosen level when its interval excludes 0 (a difference) or 1 (a ratio).
"""

from __future__ import annotations

import numpy as np
from scipy.special import betaincinv

from socialstat.stats.checks import as_floats, broadcast, check_confidence, check_not_negative, check_positive
from socialstat.stats.intervals import _proportion_inputs, _wilson
from socialstat.stats.result import Estimate, FloatArray, pack


def difference_of_proportions(
    numerator1: object,
    denominator1: object,
    numerator2: object,
    denominator2: object,
    *,
    confidence: float = 0.95,
    multiplier: float = 1,
) -> Estimate:
    """The difference x1/n1 − x2/n2 (× multiplier) with Newcombe's hybrid score confidence limits.

    Each numerator: cases (>= 0, not above its denominator; NaN = missing); each denominator: the population
    (> 0); confidence: two-sided level in (0, 1); multiplier: 1 for a difference of proportions, 100 for
    percentage points. Method: Newcombe (1998), "Interval estimation for the difference between independent
    proportions: comparison of eleven methods", Stat Med 17:873–890, method 10: with (l_i, u_i) the Wilson score
    limits of p_i, lower = D − √((p1 − l1)² + (u2 − p2)²) and upper = D + √((u1 − p1)² + (p2 − l2)²).
    """
    x1, n1, level, scale, first_array = _proportion_inputs(numerator1, denominator1, confidence, multiplier)
    x2, n2, _, _, second_array = _proportion_inputs(numerator2, denominator2, confidence, multiplier)
    (x1, n1, x2, n2), is_array = broadcast(x1=x1, n1=n1, x2=x2, n2=n2)
    p1, p2 = x1 / n1, x2 / n2
    l1, u1 = _wilson(x1, n1, level)
    l2, u2 = _wilson(x2, n2, level)
    d = p1 - p2
    lower = d - np.sqrt((p1 - l1) ** 2 + (u2 - p2) ** 2)
    upper = d + np.sqrt((u1 - p1) ** 2 + (p2 - l2) ** 2)
    method = np.full(d.shape, "newcombe")
    label = "difference of proportions" if scale == 1 else f"difference of proportions per {scale:.12g}"
    return pack(
        (d * scale, lower * scale, upper * scale),
        method,
        is_array=is_array or first_array or second_array,
        confidence=level,
        label=label,
    )


def rate_ratio(count1: object, time1: object, count2: object, time2: object, *, confidence: float = 0.95) -> Estimate:
    """The ratio of two rates (count1/time1) / (count2/time2) with exact conditional confidence limits.

    Counts: events (>= 0; NaN = missing); times: population or person-time at risk (> 0). Given the total
    x1 + x2, x1 is binomial with share π = t1·R / (t1·R + t2); the Clopper–Pearson limits (πL, πU) of x1 / (x1 + x2)
    give R = π/(1 − π) · t2/t1 (Breslow & Day 1987, Statistical Methods in Cancer Research II, §2.4; R's
    `poisson.test`). The ratio is NaN with limits [0, ∞) when both counts are 0; the upper limit is ∞ when
    count2 is 0, the lower 0 when count1 is 0.
    """
    level = check_confidence(confidence)
    (x1, t1, x2, t2), is_array = broadcast(
        x1=as_floats("count1", count1), t1=as_floats("time1", time1),
        x2=as_floats("count2", count2), t2=as_floats("time2", time2),
    )  # fmt: skip
    for name, values in (("count1", x1), ("count2", x2)):
        check_not_negative(name, values)
    for name, values in (("time1", t1), ("time2", t2)):
        check_positive(name, values)
    total = x1 + x2
    tail = (1 - level) / 2
    share_lower = _beta_quantile(tail, x1, total - x1 + 1, at_zero=x1 == 0, fallback=0.0)
    share_upper = _beta_quantile(1 - tail, x1 + 1, total - x1, at_zero=x1 == total, fallback=1.0)
    with np.errstate(divide="ignore", invalid="ignore"):
        scale = t2 / t1
        value = (x1 / t1) / (x2 / t2)
        lower = share_lower / (1 - share_lower) * scale
        upper = np.where(share_upper >= 1, np.inf, share_upper / (1 - share_upper) * scale)
    value = np.where(total == 0, np.nan, value)
    method = np.full(value.shape, "exact conditional")
    return pack((value, lower, upper), method, is_array=is_array, confidence=level, label="rate ratio")


def _beta_quantile(q: float, a: FloatArray, b: FloatArray, *, at_zero: FloatArray, fallback: float) -> FloatArray:
    """The q quantile of Beta(a, b), or `fallback` where the Clopper–Pearson limit is at its bound."""
    safe_a = np.where(at_zero, 1.0, a)
    safe_b = np.where(at_zero, 1.0, b)
    quantile = betaincinv(safe_a, safe_b, q)
    return np.asarray(np.where(at_zero, fallback, quantile), dtype=np.float64)
