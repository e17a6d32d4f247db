"""Synthetic interventions for adults (violence, criminality, substance abuse, homelessness) and for young
people leaving criminality, each preceded by an investigation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from socialstat.synth.common import DAY, lognormal_days, open_after, parameters, random_dates_in_year
from socialstat.synth.context import Municipality

ADULT_AGES = np.arange(18, 80)


def _rate(spec: dict[str, float], year: int, years: list[int]) -> float:
    """Starts per 1 000 in `year`: fixed, or rising linearly from the first to the last year."""
    if "per_1000" in spec:
        return float(spec["per_1000"])
    t = (year - min(years)) / max(1, max(years) - min(years))
    return float(spec["per_1000_first"]) + t * (float(spec["per_1000_last"]) - float(spec["per_1000_first"]))


def _adult_ages(rng: np.random.Generator, n: int, max_age: int = 79) -> np.ndarray:
    ages = ADULT_AGES[max_age >= ADULT_AGES]
    w = np.exp(-((ages - 38) ** 2) / (2 * 14.0**2))
    return rng.choice(ages, size=n, p=w / w.sum())


def generate_adults(m: Municipality) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Investigations and interventions of adults (and the youth criminality support), all years."""
    params = parameters()
    rng = m.rng
    between = params["need_index"]["elasticity"]["adults"][1]
    invs, ints = [], []
    specs: dict[str, dict[str, Any]] = dict(params["adult_interventions"])
    for year in m.years:
        adults = m.total(year, 18)
        areas, weights = m.area_weights(year, "adults")
        for category, spec in specs.items():
            n = int(rng.poisson(_rate(spec, year, m.years) * adults / 1000 * m.index**between))
            ages = _adult_ages(rng, n, int(spec.get("max_age", 79)))
            sex = np.where(rng.random(n) < float(spec["female"]), "F", "M")
            legal = str(spec.get("legal_basis", "sol"))
            i, v = _pair(
                m,
                year,
                category,
                n,
                year - ages,
                sex,
                areas,
                weights,
                str(spec["service_area"]),
                legal,
                float(spec["median_days"]),
                "adults",
            )
            invs.append(i)
            ints.append(v)
        youth = params["youth_crime_support"]
        n = int(rng.poisson(youth["per_1000_15_20"] * m.total(year, 15, 20) / 1000 * m.index**between))
        ages = rng.integers(15, 21, n)
        sex = np.where(rng.random(n) < 0.15, "F", "M")
        i, v = _pair(
            m,
            year,
            "youth_crime_support",
            n,
            year - ages,
            sex,
            areas,
            weights,
            youth["service_area"],
            "sol",
            float(youth["median_days"]),
            "children_youth",
        )
        invs.append(i)
        ints.append(v)
    return pd.concat(invs, ignore_index=True), pd.concat(ints, ignore_index=True)


def _pair(
    m: Municipality,
    year: int,
    category: str,
    n: int,
    birth: np.ndarray,
    sex: np.ndarray,
    areas: np.ndarray,
    weights: np.ndarray,
    service_area: str,
    legal: str,
    median_days: float,
    target_group: str,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An investigation and the intervention it granted, for `n` new persons."""
    rng = m.rng
    keys = m.persons.new(birth, sex)
    area = rng.choice(areas, size=n, p=weights)
    start = random_dates_in_year(rng, year, n)
    inv_start = start - rng.integers(20, 90, n) * DAY
    ids = np.array([f"{m.code}-{category}-{year}-{i:06d}" for i in range(n)], dtype=object)
    inv = pd.DataFrame(
        {
            "investigation_id": "U" + ids,
            "person_key": keys,
            "referral_id": None,
            "municipality_code": m.code,
            "area_code": area,
            "start_date": inv_start.astype("datetime64[D]").astype(object),
            "end_date": start.astype("datetime64[D]").astype(object),
            "extended": False,
            "outcome": "intervention_granted",
            "target_group": target_group,
            "legal_basis": legal,
        }
    )
    end = start + lognormal_days(rng, median_days, 0.6, n) * DAY
    interventions = pd.DataFrame(
        {
            "intervention_id": "I" + ids,
            "person_key": keys,
            "investigation_id": "U" + ids,
            "municipality_code": m.code,
            "area_code": area,
            "start_date": start.astype("datetime64[D]").astype(object),
            "end_date": open_after(end, m.data_end),
            "category": category,
            "legal_basis": legal,
            "service_area": service_area,
            "reason_violence": service_area == "domestic_violence",
        }
    )
    return inv, interventions
