"""National calibration: published Swedish totals, shared out over the municipalities outside Göteborg.

Göteborg has its own published figures. The rest of Sweden gets the national total less Göteborg's, divided in
proportion to population times need index. The weights are computed for all 290 municipalities whatever the
preset, so a municipality's figures are the same in every preset and `--preset sweden` meets the national
totals exactly.
"""

from __future__ import annotations

import itertools
from functools import cache

import pandas as pd

from socialstat.reference.population import municipality_totals
from socialstat.reference.units import GOTEBORG, data_path, municipalities
from socialstat.synth.common import by_year, parameters
from socialstat.synth.context import municipal_index


@cache
def _assistance_series() -> pd.DataFrame:
    with data_path("national_assistance_households.csv").open("rb") as fh:
        return pd.read_csv(fh).set_index("ar")


def national_households(year: int) -> float:
    """Households with ekonomiskt bistånd in Sweden (published 2012–2024; nearest year outside)."""
    series = _assistance_series()["bistandshushall_riket"]
    return by_year({int(y): float(v) for y, v in series.items()}, year)


def national_amount_per_household(year: int) -> float:
    """Paid per household and year in Sweden: published for 2017, 2022 and 2024, geometric between, and
    carried back before 2017 with the 2017–2022 growth (synthetic)."""
    known = _assistance_series()["belopp_per_hushall_kr"].dropna()
    points = {int(y): float(v) for y, v in known.items()}
    first, last = min(points), max(points)
    if year < first:
        growth = (points[2022] / points[2017]) ** (1 / 5)
        return points[first] / growth ** (first - year)
    if year > last:
        return points[last]
    years = sorted(points)
    for y0, y1 in itertools.pairwise(years):
        if y0 <= year <= y1:
            return points[y0] * (points[y1] / points[y0]) ** ((year - y0) / (y1 - y0))
    return points[year]


def national_homeless_persons(year: int) -> float:
    """Persons in Socialstyrelsen's homelessness survey (parameters: published 2017, derived 2023)."""
    return by_year(parameters()["homelessness"]["national_persons"], year)


@cache
def _weights(year: int, seed: int, domain: str) -> dict[str, float]:
    between = parameters()["need_index"]["elasticity"][domain][1]
    return {
        code: municipality_totals(code, [year])[year] * municipal_index(code, seed) ** between
        for code in municipalities()["municipality_code"]
        if code != GOTEBORG
    }


def share_of_rest(code: str, year: int, seed: int, domain: str) -> float:
    """The municipality's share of the national total outside Göteborg, for one domain."""
    weights = _weights(year, seed, domain)
    return weights[code] / sum(weights.values())
