"""Synthetic interventions for adults (violence, criminality, substance abuse, homelessness) and for young
people leaving criminality, each preceded by an investigation."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from socialstat.synth.common import DAY, by_year, lognormal_days, open_after, parameters, random_dates_in_year
from socialstat.synth.context import Municipality

ADULT_AGES = np.arange(18, 80)


def _rate(spec: dict[str, Any], year: int) -> float:
    """Starts per 1 000 in `year`: fixed, or by calendar year (linear between the given years)."""
    if "per_1000" in spec:
        return float(spec["per_1000"])
    return by_year(spec["per_1000_by_year"], year)


def _adult_ages(rng: np.random.Generator, n: int, max_age: int = 79) -> np.ndarray:
    ages = ADULT_AGES[max_age >= ADULT_AGES]
    w = np.exp(-((ages - 38) ** 2) / (2 * 14.0**2))
    return rng.choice(ages, size=n, p=w / w.sum())


def generate_adults(m: Municipality) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Investigations and interventions of adults (and the youth criminality support), all years."""
    params = parameters()
    rng = m.rng
    between = params["need_index"]["elasticity"]["adults"][1]
    specs: dict[str, dict[str, Any]] = dict(params["adult_interventions"])
    youth = params["youth_crime_support"]
    invs, ints = [], []
    for year in m.years:
        adults = m.total(year, 18)
        parts: list[tuple[str, np.ndarray, np.ndarray, dict[str, Any], str]] = []
        for category, spec in specs.items():
            n = int(rng.poisson(_rate(spec, year) * adults / 1000 * m.index**between))
            ages = _adult_ages(rng, n, int(spec.get("max_age", 79)))
            sex = np.where(rng.random(n) < float(spec["female"]), "F", "M")
            parts.append((category, ages, sex, spec, "adults"))
        n = int(rng.poisson(youth["per_1000_15_20"] * m.total(year, 15, 20) / 1000 * m.index**between))
        parts.append(
            (
                "youth_crime_support",
                rng.integers(15, 21, n),
                np.where(rng.random(n) < 0.15, "F", "M"),
                youth,
                "children_youth",
            )
        )
        i, v = _pairs(m, year, parts)
        invs.append(i)
        ints.append(v)
    return pd.concat(invs, ignore_index=True), pd.concat(ints, ignore_index=True)


def _pairs(
    m: Municipality, year: int, parts: list[tuple[str, np.ndarray, np.ndarray, dict[str, Any], str]]
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """For each new person of each category: an investigation and the intervention it granted."""
    rng = m.rng
    sizes = [len(ages) for _c, ages, _s, _spec, _t in parts]
    category = np.repeat(np.array([c for c, *_ in parts], dtype=object), sizes)
    ages = np.concatenate([a for _c, a, *_ in parts]).astype(np.int64)
    sex = np.concatenate([s for _c, _a, s, *_ in parts]).astype(object)
    service_area = np.repeat(np.array([str(spec["service_area"]) for *_x, spec, _t in parts], dtype=object), sizes)
    legal = np.repeat(np.array([str(spec.get("legal_basis", "sol")) for *_x, spec, _t in parts], dtype=object), sizes)
    median = np.repeat(np.array([float(spec["median_days"]) for *_x, spec, _t in parts]), sizes)
    target = np.repeat(np.array([t for *_x, t in parts], dtype=object), sizes)
    n = len(ages)
    keys = m.persons.new(year - ages, sex)
    areas, weights = m.area_weights(year, "adults")
    area = rng.choice(areas, size=n, p=weights)
    start = random_dates_in_year(rng, year, n)
    inv_start = start - rng.integers(20, 90, n) * DAY
    ids = np.array([f"{m.code}-A{year}-{i:06d}" for i in range(n)], dtype=object)
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
            "target_group": target,
            "legal_basis": legal,
        }
    )
    end = start + lognormal_days(rng, median, 0.6, n) * DAY
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
