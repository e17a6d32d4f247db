"""Proportions and rates with confidence limits, and the limit formulas they are built from.

Every function takes scalars or arrays (numbers, sequences, numpy arrays, pandas Series), checks all its arguments
before computing, and treats NaN as missing: the value and limits are NaN there. Confidence is two-sided:
z = Φ⁻¹((1 + confidence) / 2) and α = 1 − confidence. The conventions are those of the UK Fingertips tool and its
R package PHEindicatormethods, against whose published test tables the tests check every row.
"""

from __future__ import annotations

import numpy as np
from scipy.special import gammainccinv, gammaincinv, ndtri

from socialstat.stats.checks import (
    as_floats,
    broadcast,
    check_at_most,
    check_confidence,
    check_multiplier,
    check_not_negative,
    check_positive,
)
from socialstat.stats.result import Estimate, FloatArray, Limits, pack, pack_limits, statistic_label

BYARS_FROM = 10  # events from which a rate uses Byar's approximation instead of exact Poisson limits (Fingertips)


def z_value(confidence: float) -> float:
    """The standard normal quantile for a two-sided confidence level (1.959964 for 0.95)."""
    return float(ndtri((1 + confidence) / 2))


def _wilson(x: FloatArray, n: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Wilson score limits of x/n as proportions of 1: exactly 0 at x = 0 and exactly 1 at x = n."""
    z = z_value(confidence)
    z2 = z * z
    outer = 2 * x + z2 + z * np.sqrt(z2 + 4 * x * (1 - x / n))
    # (2x + z² − root)/(2(n + z²)) rewritten without its cancellation: multiplying out by (2x + z² + root) gives
    # 2x²/(n(2x + z² + root)), which is accurate for small x and exactly 0 at x = 0.
    lower = 2 * x * x / (n * outer)
    upper = np.where(x == n, 1.0, np.minimum(outer / (2 * (n + z2)), 1.0))
    return lower, upper


def _exact_poisson(x: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Exact (Garwood) limits of a Poisson mean observed as x events; the lower limit of 0 events is 0."""
    tail = (1 - confidence) / 2
    positive = x > 0
    # χ²_{α/2}(2x)/2 is the α/2 quantile of Gamma(x); χ²_{1−α/2}(2x+2)/2 the upper α/2 quantile of Gamma(x+1).
    lower = np.where(positive, gammaincinv(np.where(positive, x, 1.0), tail), np.where(np.isnan(x), np.nan, 0.0))
    upper = gammainccinv(x + 1, tail)
    return np.asarray(lower, dtype=np.float64), np.asarray(upper, dtype=np.float64)


def _byars(x: FloatArray, confidence: float) -> tuple[FloatArray, FloatArray]:
    """Byar's approximation to the Poisson limits of x events; NaN where the lower limit would be negative."""
    z = z_value(confidence)
    with np.errstate(divide="ignore", invalid="ignore"):
        lower = x * (1 - 1 / (9 * x) - z / (3 * np.sqrt(x))) ** 3
    upper = (x + 1) * (1 - 1 / (9 * (x + 1)) + z / (3 * np.sqrt(x + 1))) ** 3
    # Negative means the approximation has failed (1 event at 99.8 %, or 0 events): no limit rather than 0.
    return np.where(lower >= 0, lower, np.nan), upper


def _proportion_inputs(
    numerator: object, denominator: object, confidence: float, multiplier: float
) -> tuple[FloatArray, FloatArray, float, float, bool]:
    level, scale = check_confidence(confidence), check_multiplier(multiplier)
    (x, n), is_array = broadcast(
        numerator=as_floats("numerator", numerator), denominator=as_floats("denominator", denominator)
    )
    check_not_negative("numerator", x)
    check_positive("denominator", n)
    check_at_most("numerator", x, "denominator", n)
    return x, n, level, scale, is_array


def _count_inputs(count: object, confidence: float) -> tuple[FloatArray, float, bool]:
    level = check_confidence(confidence)
    (x,), is_array = broadcast(count=as_floats("count", count))
    check_not_negative("count", x)
    return x, level, is_array


def wilson_limits(numerator: object, denominator: object, *, confidence: float = 0.95, multiplier: float = 1) -> Limits:
    """Wilson score limits of the proportion numerator/denominator, times the multiplier.

    numerator: cases (>= 0, not above the denominator; need not be whole); denominator: the population (> 0);
    confidence: two-sided level in (0, 1); multiplier: the scale (1 proportion, 100 percentage).
    Method: Wilson (1927), "Probable inference, the law of succession, and statistical inference", JASA 22:209–212;
    the score interval as recommended by Newcombe (1998), Stat Med 17:857–872, in the form used by Fingertips:
    (2x + z² ∓ z·√(z² + 4x(1 − x/n))) / (2(n + z²)).
    """
    x, n, level, scale, is_array = _proportion_inputs(numerator, denominator, confidence, multiplier)
    lower, upper = _wilson(x, n, level)
    return pack_limits(lower * scale, upper * scale, is_array=is_array)


def exact_poisson_limits(count: object, *, confidence: float = 0.95) -> Limits:
    """Exact confidence limits of a Poisson mean given an observed count of events.

    count: observed events (>= 0; need not be whole); confidence: two-sided level in (0, 1).
    Method: Garwood (1936), "Fiducial limits for the Poisson distribution", Biometrika 28:437–442:
    lower = χ²_{α/2}(2x)/2 (0 for no events), upper = χ²_{1−α/2}(2x + 2)/2, computed as gamma quantiles.
    """
    x, level, is_array = _count_inputs(count, confidence)
    lower, upper = _exact_poisson(x, level)
    return pack_limits(lower, upper, is_array=is_array)


def byars_limits(count: object, *, confidence: float = 0.95) -> Limits:
    """Byar's approximation to the confidence limits of a Poisson mean given an observed count of events.

    count: observed events (>= 0); confidence: two-sided level in (0, 1). The lower limit is NaN where the
    approximation gives a negative number (0 events; 1 event at 99.8 %), as in PHEindicatormethods.
    Method: Byar's approximation as given by Breslow & Day (1987), Statistical Methods in Cancer Research II,
    IARC Sci Publ 82, p. 69: lower = x(1 − 1/(9x) − z/(3√x))³, upper = (x+1)(1 − 1/(9(x+1)) + z/(3√(x+1)))³.
    """
    x, level, is_array = _count_inputs(count, confidence)
    lower, upper = _byars(x, level)
    return pack_limits(lower, upper, is_array=is_array)


def proportion(numerator: object, denominator: object, *, confidence: float = 0.95, multiplier: float = 1) -> Estimate:
    """A proportion numerator/denominator × multiplier with Wilson score confidence limits.

    numerator: cases (>= 0, not above the denominator; NaN = missing); denominator: the population (> 0; NaN =
    missing); confidence: two-sided level in (0, 1); multiplier: the scale (1 proportion, 100 percentage).
    Returns an Estimate with method "wilson" and statistic "proportion", "percentage" or "proportion per m".
    Method: Wilson (1927) score interval (Newcombe 1998), as in Fingertips and PHEindicatormethods'
    `phe_proportion`; see `wilson_limits`.
    """
    x, n, level, scale, is_array = _proportion_inputs(numerator, denominator, confidence, multiplier)
    lower, upper = _wilson(x, n, level)
    method = np.full(x.shape, "wilson")
    return pack(
        (x / n * scale, lower * scale, upper * scale),
        method,
        is_array=is_array,
        confidence=level,
        label=statistic_label("proportion", scale),
    )


def rate(count: object, denominator: object, *, confidence: float = 0.95, multiplier: float = 1000) -> Estimate:
    """A crude rate count/denominator × multiplier with Poisson confidence limits.

    count: events (>= 0; NaN = missing); denominator: population or person-time at risk (> 0; NaN = missing);
    confidence: two-sided level in (0, 1); multiplier: the scale (1000 gives a rate per 1000).
    Limits are exact below 10 events and Byar's approximation from 10 events (the Fingertips convention, as in
    PHEindicatormethods' `phe_rate`); `method` says which per element: "exact", "byars", or "missing" where the
    count is missing. Methods: Garwood (1936) exact limits; Byar's approximation (Breslow & Day 1987).
    """
    level, scale = check_confidence(confidence), check_multiplier(multiplier)
    (x, n), is_array = broadcast(count=as_floats("count", count), denominator=as_floats("denominator", denominator))
    check_not_negative("count", x)
    check_positive("denominator", n)
    small = x < BYARS_FROM
    exact_lower, exact_upper = _exact_poisson(np.where(small, x, np.nan), level)
    byars_lower, byars_upper = _byars(np.where(small, np.nan, x), level)
    lower = np.where(small, exact_lower, byars_lower)
    upper = np.where(small, exact_upper, byars_upper)
    method = np.where(np.isnan(x), "missing", np.where(small, "exact", "byars"))
    return pack(
        (x / n * scale, lower / n * scale, upper / n * scale),
        method,
        is_array=is_array,
        confidence=level,
        label=statistic_label("rate", scale),
    )
