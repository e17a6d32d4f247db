"""Synthetic population by area, year, sex and single year of age, calibrated to published totals.

Published totals (GR 2023/2024 from SCB via GR and regionfakta; Göteborg 2015, 2021, 2023, 2024) are met
exactly; years without a published figure are interpolated geometrically or carried with an assumed growth,
and the split by area, age and sex is synthetic (rows are labelled `source = synthetic`). A real SCB import
replaces this table when a user supplies one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from functools import cache

import numpy as np
import pandas as pd

from socialstat.reference.units import GOTEBORG, data_path, goteborg_areas, municipalities

AGES = np.arange(0, 101)
DEFAULT_GROWTH = 0.008  # yearly growth where no published figure exists (synthetic assumption)
GOTEBORG_PUBLISHED = {2015: 548_190, 2021: 587_549, 2023: 604_616, 2024: 608_993}


def _base_age_weights() -> np.ndarray:
    """A Swedish-like age structure (share per single year of age), smooth enough for synthetic rates."""
    w = np.empty(len(AGES))
    w[0:5] = 1.12
    w[5:20] = 1.18
    w[20:30] = 1.30
    w[30:50] = 1.28
    w[50:65] = 1.25
    w[65:80] = 1.05
    w[80:90] = 0.50
    w[90:100] = 0.12
    w[100] = 0.02
    return w / w.sum()


_PROFILE_FACTORS = {
    "mixed": {},
    "families": {(0, 18): 1.25, (30, 46): 1.10, (65, 101): 0.80},
    "students": {(0, 18): 0.60, (20, 35): 1.70, (65, 101): 0.80},
    "city": {(20, 40): 1.20, (65, 101): 0.85},
}


def age_weights(*profiles: str) -> np.ndarray:
    """Share of the population per single year of age for an area with the given profiles."""
    w = _base_age_weights().copy()
    for profile in profiles:
        for (lo, hi), factor in _PROFILE_FACTORS[profile].items():
            w[lo:hi] *= factor
    return w / w.sum()


def male_share() -> np.ndarray:
    """Share of men per single year of age."""
    s = np.full(len(AGES), 0.51)
    s[:20] = 0.513
    s[65:80] = 0.47
    s[80:90] = 0.40
    s[90:] = 0.30
    return s


def largest_remainder(total: int, weights: np.ndarray) -> np.ndarray:
    """Split integer `total` in proportion to `weights` so the parts are integers that add up exactly."""
    weights = np.asarray(weights, dtype=float)
    raw = total * weights / weights.sum()
    parts = np.floor(raw).astype(np.int64)
    short = int(total - parts.sum())
    if short:
        order = np.argsort(-(raw - parts), kind="stable")
        parts[order[:short]] += 1
    return parts


def _interpolate(known: dict[int, int], years: Sequence[int]) -> dict[int, int]:
    """Geometric interpolation between published years; assumed growth outside them."""
    pts = sorted(known.items())
    out = {}
    for y in years:
        if y in known:
            out[y] = known[y]
            continue
        before = [(yy, v) for yy, v in pts if yy < y]
        after = [(yy, v) for yy, v in pts if yy > y]
        if before and after:
            (y0, v0), (y1, v1) = before[-1], after[0]
            out[y] = round(v0 * (v1 / v0) ** ((y - y0) / (y1 - y0)))
        elif before:
            y0, v0 = before[-1]
            out[y] = round(v0 * (1 + DEFAULT_GROWTH) ** (y - y0))
        else:
            y1, v1 = after[0]
            out[y] = round(v1 / (1 + DEFAULT_GROWTH) ** (y1 - y))
    return out


@cache
def _published_totals() -> dict[str, dict[int, int]]:
    with data_path("gr_municipalities.csv").open("rb") as fh:
        gr = pd.read_csv(fh, dtype={"kommun_kod": str})
    known: dict[str, dict[int, int]] = {}
    for row in municipalities().itertuples():
        if not pd.isna(row.population):
            known[str(row.municipality_code)] = {int(row.population_year): int(row.population)}
    for row in gr.itertuples():
        k = known.setdefault(str(row.kommun_kod), {})
        k[2023] = int(row.folkmangd_2023_12_31)
        if not pd.isna(row.folkmangd_2024_12_31):
            k[2024] = int(row.folkmangd_2024_12_31)
    known.setdefault(GOTEBORG, {}).update(GOTEBORG_PUBLISHED)
    return known


def municipality_totals(code: str, years: Sequence[int]) -> dict[int, int]:
    """Population per year for one municipality: published where known, interpolated or carried elsewhere."""
    known = _published_totals().get(code)
    if not known:
        # No published figure in the shipped reference: a small municipality of 10 000 (synthetic).
        known = {2023: 10_000}
    return _interpolate(known, years)


def build_population(municipality_codes: Iterable[str], years: Sequence[int]) -> pd.DataFrame:
    """The `population` table for the given municipalities and years (31 December, single years of age)."""
    frames = []
    male = male_share()
    for code in sorted(set(municipality_codes)):
        totals = municipality_totals(code, years)
        areas = [(a.code, a.share, a.profile) for a in goteborg_areas()] if code == GOTEBORG else [(code, 1.0, "mixed")]
        shares = np.array([s for _c, s, _p in areas])
        weights = {}
        for area_code, _s, profile in areas:
            w = age_weights(profile, "city") if code == GOTEBORG else age_weights(profile)
            weights[area_code] = np.concatenate([w * (1 - male), w * male])  # F ages 0–100, then M
        for year in years:
            area_totals = largest_remainder(totals[year], shares)
            for (area_code, _s, _p), area_total in zip(areas, area_totals, strict=True):
                cells = largest_remainder(int(area_total), weights[area_code])
                frames.append(
                    pd.DataFrame(
                        {
                            "area_code": area_code,
                            "year": year,
                            "sex": np.repeat(["F", "M"], len(AGES)),
                            "age": np.tile(AGES, 2),
                            "population": cells,
                        }
                    )
                )
    out = pd.concat(frames, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    out["age"] = out["age"].astype("int64")
    out["population"] = out["population"].astype("int64")
    out["source"] = "synthetic"
    return out
