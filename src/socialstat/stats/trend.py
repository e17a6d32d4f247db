"""Trends over several years, in the one shape of `socialstat.stats`: an Estimate of the yearly change.

- `proportion_trend`: the linear trend in proportions x_i/n_i over scores s_i (the years): the least-squares
  slope weighted by n_i, with the Cochran–Armitage variance p̄(1 − p̄)/Σn_i(s_i − s̄)². (slope/se)² is the
  chi-square test for trend of R's `prop.trend.test`.
- `rate_trend`: the log-linear (Poisson regression) trend in rates x_i/t_i: log E[x_i] = log t_i + a + b·s_i,
  fitted by Newton's method; the estimate is the yearly rate ratio exp(b) with Wald limits exp(b ± z·se).

A trend is significant at the chosen level when the interval excludes 0 (proportions) or 1 (rates). Years with
a missing count or denominator are left out; fewer than two years left give a missing estimate.
"""

from __future__ import annotations

import numpy as np

from socialstat.errors import InvalidStatisticInput
from socialstat.stats.checks import as_floats, check_confidence, check_not_negative, check_positive
from socialstat.stats.intervals import z_value
from socialstat.stats.result import Estimate, FloatArray

MAX_ITERATIONS = 50
DIVERGED = 30.0  # |b| beyond this (a rate ratio of e^30 a year) means the maximum is at infinity


def proportion_trend(numerators: object, denominators: object, scores: object, *, confidence: float = 0.95) -> Estimate:
    """The yearly change in a proportion (slope per unit of score) with Cochran–Armitage limits.

    numerators: cases per year (>= 0, not above the denominators); denominators: population per year (> 0);
    scores: the years (or any increasing scores), one per year; confidence: two-sided level in (0, 1).
    Method: Armitage (1955), "Tests for linear trends in proportions and frequencies", Biometrics 11:375–386.
    """
    level = check_confidence(confidence)
    x, n, s = _series(numerators, denominators, scores)
    check_not_negative("numerators", x)
    check_positive("denominators", n)
    if np.any(x > n):
        raise InvalidStatisticInput("numerators: a year has more cases than its denominator")
    if len(x) < 2 or np.ptp(s) == 0:
        return _missing(level, "linear trend in proportion", "cochran-armitage")
    p_bar = x.sum() / n.sum()
    s_bar = (n * s).sum() / n.sum()
    spread = (n * (s - s_bar) ** 2).sum()
    slope = ((x - n * p_bar) * (s - s_bar)).sum() / spread
    se = float(np.sqrt(p_bar * (1 - p_bar) / spread))
    z = z_value(level)
    return Estimate(float(slope), float(slope - z * se), float(slope + z * se), level, "linear trend in proportion",
                    "cochran-armitage")  # fmt: skip


def rate_trend(counts: object, times: object, scores: object, *, confidence: float = 0.95) -> Estimate:
    """The yearly rate ratio exp(b) of a log-linear (Poisson) trend in rates, with Wald limits.

    counts: events per year (>= 0); times: population or person-time per year (> 0); scores: the years, one
    per year; confidence: two-sided level in (0, 1). The maximum-likelihood fit solves Σ(x − μ) = 0 and
    Σ s(x − μ) = 0 with μ = t·exp(a + b·s); with two years it gives exactly their rate ratio. No events at all
    gives a missing estimate (the slope is not identified).
    """
    level = check_confidence(confidence)
    x, t, s = _series(counts, times, scores)
    check_not_negative("counts", x)
    check_positive("times", t)
    if len(x) < 2 or np.ptp(s) == 0 or x.sum() == 0:
        return _missing(level, "yearly rate ratio", "poisson regression")
    fitted = _poisson_slope(x, t, s - s.mean())
    if fitted is None:  # events only in the first or the last years: the slope runs off to infinity
        return _missing(level, "yearly rate ratio", "poisson regression")
    slope, se = fitted
    z = z_value(level)
    return Estimate(float(np.exp(slope)), float(np.exp(slope - z * se)), float(np.exp(slope + z * se)), level,
                    "yearly rate ratio", "poisson regression")  # fmt: skip


def _poisson_slope(x: FloatArray, t: FloatArray, centred: FloatArray) -> tuple[float, float] | None:
    """(b, its standard error) by Newton's method, or None when there is no finite maximum."""
    design = np.column_stack([np.ones_like(centred), centred])
    beta = np.array([np.log(x.sum() / t.sum()), 0.0])
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        try:
            for _ in range(MAX_ITERATIONS):
                mu = t * np.exp(design @ beta)
                step = np.linalg.solve(design.T @ (design * mu[:, None]), design.T @ (x - mu))
                beta = beta + step
                if not np.all(np.isfinite(beta)) or abs(beta[1]) > DIVERGED:
                    return None
                if np.max(np.abs(step)) < 1e-12:
                    break
            else:
                return None
            mu = t * np.exp(design @ beta)
            covariance = np.linalg.inv(design.T @ (design * mu[:, None]))
        except np.linalg.LinAlgError:
            return None
    return float(beta[1]), float(np.sqrt(covariance[1, 1]))


def _series(values: object, bases: object, scores: object) -> tuple[FloatArray, FloatArray, FloatArray]:
    x, n, s = (np.atleast_1d(as_floats(name, v)) for name, v in (("values", values), ("bases", bases),
                                                                 ("scores", scores)))  # fmt: skip
    if not len(x) == len(n) == len(s):
        raise InvalidStatisticInput(f"one value, base and score per year: got {len(x)}, {len(n)} and {len(s)}")
    keep = ~(np.isnan(x) | np.isnan(n) | np.isnan(s))
    return x[keep], n[keep], s[keep]


def _missing(level: float, statistic: str, method: str) -> Estimate:
    return Estimate(float("nan"), float("nan"), float("nan"), level, statistic, method)
