"""Synthetic IFO costs by unit, year and service area; economic assistance is the sum of the payments.

The unit is the finest one responsible that year: a Göteborg district (2011–2020) or social administration
(2021–), else the municipality, so that a total is the sum of its parts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialstat.reference.units import GOTEBORG, goteborg_areas
from socialstat.synth.common import parameters
from socialstat.synth.context import Municipality

DISTRICTS_UNTIL = 2020


def responsible_unit(municipality: str, year: int) -> dict[str, str]:
    """Area code -> the unit responsible for it in `year`."""
    if municipality != GOTEBORG:
        return {municipality: municipality}
    return {a.code: (a.district if year <= DISTRICTS_UNTIL else a.administration) for a in goteborg_areas()}


def generate_costs(m: Municipality, payments: pd.DataFrame) -> pd.DataFrame:
    """Cost rows (unit, year, service area) for all years."""
    p = parameters()["costs"]
    within, between = parameters()["need_index"]["elasticity"]["costs"]
    need = dict(zip(m.areas, np.power(m.district_need, within) * m.index**between, strict=True))
    factor = 1.0 if m.code == GOTEBORG else p["other_municipalities_factor"]
    paid_by_area = payments.groupby([pd.to_datetime(payments["month"]).dt.year, "area_code"])["amount_sek"].sum()
    pop_by_area = m.population.groupby(["year", "area_code"])["population"].sum()
    rows = []
    for year in m.years:
        unit_of = responsible_unit(m.code, year)
        pop = pop_by_area.loc[year]
        weighted = pd.Series({a: float(pop[a]) * need[a] for a in pop.index})
        by_unit = weighted.groupby(weighted.index.map(unit_of)).sum()
        paid_year = paid_by_area.loc[year] if year in paid_by_area.index.get_level_values(0) else pd.Series(dtype=float)
        paid = paid_year.groupby(paid_year.index.map(unit_of)).sum()
        growth = (1 + p["yearly_growth"]) ** (year - 2020)
        for unit, weight in by_unit.items():
            rows.append(
                {
                    "unit_code": unit,
                    "year": year,
                    "service_area": "economic_assistance",
                    "cost_sek": float(paid.get(unit, 0.0)),
                }
            )
            for area, per_inhabitant in p["per_inhabitant"].items():
                cost = round(per_inhabitant * growth * weight * factor)
                rows.append({"unit_code": unit, "year": year, "service_area": area, "cost_sek": float(cost)})
    frame = pd.DataFrame(rows)
    frame["source"] = "synthetic"
    return frame
