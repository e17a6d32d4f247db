"""Statistics with confidence limits, one function shape: proportion, rate, funnel limits, comparisons (difference of
proportions, rate ratio), trends (in proportions and rates) and their building blocks.

Each function checks its arguments first (raising InvalidStatisticInput), takes scalars or arrays, treats NaN as
missing and returns an Estimate (value, lower, upper, confidence, statistic, method) or, for the building
blocks, Limits. The methods follow the UK Fingertips tool and PHEindicatormethods.
"""

from socialstat.stats.compare import difference_of_proportions, rate_ratio
from socialstat.stats.funnel import funnel_limits
from socialstat.stats.intervals import byars_limits, exact_poisson_limits, proportion, rate, wilson_limits, z_value
from socialstat.stats.result import Estimate, Limits
from socialstat.stats.trend import proportion_trend, rate_trend

__all__ = [
    "Estimate",
    "Limits",
    "byars_limits",
    "difference_of_proportions",
    "exact_poisson_limits",
    "funnel_limits",
    "proportion",
    "proportion_trend",
    "rate",
    "rate_ratio",
    "rate_trend",
    "wilson_limits",
    "z_value",
]
