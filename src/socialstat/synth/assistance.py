"""Synthetic ekonomiskt bistånd: one row per household and month with a payment.

Households per year follow Göteborg's published counts (2016–2019) and otherwise the national series; the
share of long-term households (10–12 months of the year) rises; long-term households often go on into the
next year under the same key. Göteborg's yearly paid amounts are met exactly where published. The household
key is the applicant's person key: applicants are persons (birth year, sex) like everyone else.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd

from socialstat.reference.units import GOTEBORG
from socialstat.synth.common import by_year, choice, counts_from_bands, parameters
from socialstat.synth.context import Municipality
from socialstat.synth.national import national_amount_per_household, national_households, share_of_rest

WITH_CHILDREN = ("single_woman_with_children", "single_man_with_children", "couple_with_children")
COUPLES = ("couple_no_children", "couple_with_children")


def target_households(m: Municipality, year: int) -> int:
    """Households with at least one payment in `year`: Göteborg's published counts (else Göteborg's 2019
    figure moved with the national series); elsewhere a share of the national count less Göteborg's."""
    if m.code == GOTEBORG:
        return round(_goteborg_households(year))
    rest = national_households(year) - _goteborg_households(year)
    return round(rest * share_of_rest(m.code, year, m.seed, "assistance"))


def _goteborg_households(year: int) -> float:
    """Göteborg's published count, else its 2019 count moved with the national series."""
    p = parameters()["assistance"]
    if year in p["goteborg_households"]:
        return float(p["goteborg_households"][year])
    return p["goteborg_households"][2019] * national_households(year) / national_households(2019)


def target_paid(m: Municipality, year: int, households: int) -> float:
    """Kronor paid in `year`: Göteborg's published totals; elsewhere households times the national amount
    per household (Göteborg's unpublished years keep the ratio to the national amount of its nearest
    published year)."""
    p = parameters()["assistance"]
    if m.code != GOTEBORG:
        return households * national_amount_per_household(year)
    published = p["goteborg_paid_mnkr"]
    if year in published:
        return float(published[year]) * 1e6
    nearest = min(published, key=lambda y: abs(int(y) - year))
    ratio = published[nearest] * 1e6 / p["goteborg_households"][nearest] / national_amount_per_household(nearest)
    return households * national_amount_per_household(year) * ratio


def _months(rng: np.random.Generator, long_term: np.ndarray, from_january: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First month (1–12) and number of months paid for each household."""
    p = parameters()["assistance"]
    n = len(long_term)
    k_long = counts_from_bands(rng, p["long_term_months"], n)
    short = np.arange(1, 10)
    k_short = rng.choice(short, size=n, p=(1 - 0.04 * short) / (1 - 0.04 * short).sum())
    k = np.where(long_term, k_long, k_short)
    first = np.where(from_january, 1, 1 + np.floor(rng.random(n) * (13 - k)).astype(np.int64))
    return first, k


def _applicants(m: Municipality, year: int, household_type: np.ndarray) -> np.ndarray:
    """Register each new household's applicant as a person (age and sex follow the household type)."""
    p = parameters()["assistance"]
    n = len(household_type)
    with_children = np.isin(household_type, WITH_CHILDREN)
    ages = np.where(
        with_children,
        counts_from_bands(m.rng, p["applicant_age_with_children"], n),
        counts_from_bands(m.rng, p["applicant_age"], n),
    )
    couple_sex = np.where(m.rng.random(n) < p["couple_applicant_female"], "F", "M")
    sex = np.where(
        np.char.startswith(household_type.astype(str), "single_woman"),
        "F",
        np.where(np.char.startswith(household_type.astype(str), "single_man"), "M", couple_sex),
    )
    return m.persons.new(year - ages, sex.astype(object))


def generate_assistance(m: Municipality) -> pd.DataFrame:
    """Household-month payments for all years."""
    p = parameters()["assistance"]
    rng = m.rng
    frames = []
    carry: pd.DataFrame | None = None
    for year in m.years:
        total = target_households(m, year)
        areas, weights = m.area_weights(year, "assistance")
        cont = pd.DataFrame()
        if carry is not None and len(carry):
            cont = carry[rng.random(len(carry)) < p["continue_probability"]].head(total)
        n_new = total - len(cont)
        new = pd.DataFrame(
            {
                "area_code": rng.choice(areas, size=n_new, p=weights),
                "household_type": choice(rng, p["household_type"], n_new),
            }
        )
        new["household_key"] = _applicants(m, year, new["household_type"].to_numpy(dtype=object))
        new["children"] = np.where(
            new["household_type"].isin(WITH_CHILDREN),
            counts_from_bands(rng, p["children_per_household"], n_new),
            0,
        )
        new["adults"] = np.where(new["household_type"].isin(COUPLES), 2, 1)
        new["level"] = np.exp(p["amount"]["sigma"] * rng.standard_normal(n_new))
        households = pd.concat([cont, new], ignore_index=True)
        households["obstacle"] = choice(rng, p["obstacle"], len(households))
        n_long = round(by_year(p["long_term_share"], year) * total)
        is_cont = np.arange(len(households)) < len(cont)
        long_term = np.zeros(len(households), dtype=bool)
        long_term[is_cont] = rng.random(len(cont)) < 0.8
        need = max(0, n_long - int(long_term.sum()))
        long_term[rng.choice(np.flatnonzero(~is_cont), size=min(need, n_new), replace=False)] = True
        first, k = _months(rng, long_term, is_cont)
        carry = households[(first + k - 1) == 12].reset_index(drop=True)

        idx = np.repeat(np.arange(len(households)), k)
        month_no = first[idx] + (np.arange(len(idx)) - np.repeat(np.cumsum(k) - k, k))
        hh = households.iloc[idx].reset_index(drop=True)
        amount = (
            p["amount"]["base"]
            + p["amount"]["per_adult"] * (hh["adults"] - 1)
            + p["amount"]["per_child"] * hh["children"]
        ).to_numpy()
        amount = amount * hh["level"].to_numpy() * np.exp(0.08 * rng.standard_normal(len(hh)))
        if len(amount):
            paid = target_paid(m, year, total)
            amount = np.round(amount * (paid / amount.sum()))
            amount[np.argmax(amount)] += round(paid) - amount.sum()  # the target total to the krona
        frames.append(
            pd.DataFrame(
                {
                    "household_key": hh["household_key"].to_numpy(),
                    "municipality_code": m.code,
                    "area_code": hh["area_code"].to_numpy(),
                    "month": np.array([dt.date(year, mo, 1) for mo in range(1, 13)], dtype=object)[month_no - 1],
                    "amount_sek": amount.astype(float),
                    "household_type": hh["household_type"].to_numpy(),
                    "obstacle": hh["obstacle"].to_numpy(),
                    "adults": hh["adults"].to_numpy(dtype=np.int64),
                    "children": hh["children"].to_numpy(dtype=np.int64),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)
