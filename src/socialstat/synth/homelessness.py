"""Synthetic homelessness survey: one row per person counted in the survey week.

Göteborg's published counts (persons, households, adults, children, families with children 2019–2022) are
met exactly; other years and municipalities follow a per-capita rate. Some adults are counted again the
next year under the same key.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from socialstat.reference.units import GOTEBORG
from socialstat.synth.common import choice, make_keys, parameters
from socialstat.synth.context import Municipality
from socialstat.synth.national import national_homeless_persons, share_of_rest

_BAND_AGES = {
    "18-20": (18, 20),
    "21-24": (21, 24),
    "25-34": (25, 34),
    "35-44": (35, 44),
    "45-54": (45, 54),
    "55-64": (55, 64),
    "65+": (65, 85),
}


def _goteborg_targets(year: int) -> dict[str, int]:
    table = parameters()["homelessness"]["goteborg"]
    nearest = min(table, key=lambda y: abs(int(y) - year))
    return {k: int(v) for k, v in table[nearest].items()}


def survey_targets(m: Municipality, year: int) -> dict[str, int]:
    """Persons, households, children and families with children to count in `year`: Göteborg's own survey
    (nearest year outside the table); elsewhere a share of the national count less Göteborg's."""
    if m.code == GOTEBORG:
        return _goteborg_targets(year)
    rest = national_homeless_persons(year) - _goteborg_targets(year)["persons"]
    persons = round(rest * share_of_rest(m.code, year, m.seed, "homelessness"))
    households = round(persons * 0.73)
    return {
        "persons": persons,
        "households": households,
        "children": round(persons * 0.2),
        "families": round(households * 0.12),
    }


def generate_homelessness(m: Municipality) -> pd.DataFrame:
    """Survey rows for all years."""
    p = parameters()["homelessness"]
    rng = m.rng
    frames = []
    previous_adults = pd.DataFrame()
    for year in m.years:
        t = survey_targets(m, year)
        families = min(t["families"], t["children"], t["households"])
        households = t["households"]
        adults_total = t["persons"] - t["children"]
        # Children: at least one per family, the rest spread over the families.
        kids_per_family = (
            1 + rng.multinomial(t["children"] - families, np.full(families, 1 / families))
            if families
            else np.array([], dtype=np.int64)
        )
        # Adults: one per household, the rest as second adults (parents first, then couples).
        extra = max(0, adults_total - households)
        second = np.zeros(households, dtype=np.int64)
        order = np.concatenate([np.arange(families), families + rng.permutation(households - families)])
        second[order[:extra]] = 1
        adults_per_hh = 1 + second
        kids_per_hh = np.concatenate([kids_per_family, np.zeros(households - families, dtype=np.int64)])
        hh_keys = make_keys(rng, households)
        has_children = kids_per_hh > 0
        areas, weights = m.area_weights(year, "homelessness")
        hh_area = rng.choice(areas, size=households, p=weights)
        situation = np.where(
            has_children,
            choice(rng, p["situation_family"], households),
            choice(rng, p["situation_single"], households),
        )
        duration = choice(rng, p["duration"], households)

        hh_of_adult = np.repeat(np.arange(households), adults_per_hh)
        hh_of_child = np.repeat(np.arange(households), kids_per_hh)
        n_adults, n_children = len(hh_of_adult), len(hh_of_child)
        band = choice(rng, p["adult_age_band"], n_adults)
        female_p = np.where(has_children[hh_of_adult], 0.7, 1 - p["male_single"])
        adult_sex = np.where(rng.random(n_adults) < female_p, "F", "M")
        lo = np.array([_BAND_AGES[b][0] for b in band])
        hi = np.array([_BAND_AGES[b][1] for b in band])
        adult_birth = year - rng.integers(lo, hi + 1)
        adult_keys = np.empty(n_adults, dtype=object)
        reuse = np.flatnonzero(~has_children[hh_of_adult])
        if len(previous_adults) and len(reuse):
            k = min(len(reuse), round(p["persist"] * len(previous_adults)))
            take = previous_adults.sample(n=k, random_state=rng)
            slots = rng.choice(reuse, size=k, replace=False)
            adult_keys[slots] = take["person_key"].to_numpy()
            adult_sex[slots] = take["sex"].to_numpy()
            band[slots] = take["age_band"].to_numpy()
        fresh = np.array([key is None for key in adult_keys])
        adult_keys[fresh] = m.persons.new(adult_birth[fresh], adult_sex[fresh])
        child_sex = np.where(rng.random(n_children) < 0.5, "F", "M")
        child_keys = m.persons.new(year - rng.integers(0, 18, n_children), child_sex)

        hh_index = np.concatenate([hh_of_adult, hh_of_child])
        frame = pd.DataFrame(
            {
                "person_key": np.concatenate([adult_keys, child_keys]),
                "survey_year": year,
                "municipality_code": m.code,
                "area_code": hh_area[hh_index],
                "household_key": hh_keys[hh_index],
                "situation": situation[hh_index],
                "household_with_children": has_children[hh_index],
                "is_child": np.concatenate([np.zeros(n_adults, bool), np.ones(n_children, bool)]),
                "sex": np.concatenate([adult_sex, child_sex]),
                "age_band": np.concatenate([band, np.full(n_children, "0-17", dtype=object)]),
                "duration": duration[hh_index],
            }
        )
        frames.append(frame)
        previous_adults = frame[~frame["is_child"]][["person_key", "sex", "age_band"]]
    return pd.concat(frames, ignore_index=True)
