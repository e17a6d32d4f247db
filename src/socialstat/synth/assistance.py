"""Synthetic ekonomiskt bistånd: one row per household and month with a payment.

Households per year follow Göteborg's published counts (2016–2019) and otherwise the national series; the
share of long-term households (10–12 months of the year) rises; long-term households often go on into the
next year under the same key. Göteborg's yearly paid amounts are met exactly where published.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import numpy as np
import pandas as pd

from socialstat.reference.population import municipality_totals
from socialstat.reference.units import GOTEBORG, municipalities
from socialstat.synth.common import choice, counts_from_bands, make_keys, parameters
from socialstat.synth.context import Municipality

WITH_CHILDREN = ("single_woman_with_children", "single_man_with_children", "couple_with_children")
COUPLES = ("couple_no_children", "couple_with_children")


@cache
def national_households() -> dict[int, int]:
    """Households with assistance in Sweden per year (published, Socialstyrelsen via regionfakta)."""
    from socialstat.reference.units import _data_path

    with _data_path("national_assistance_households.csv").open("rb") as fh:
        frame = pd.read_csv(fh)
    return {int(r.ar): int(r.bistandshushall_riket) for r in frame.itertuples()}


@cache
def national_population(year: int) -> int:
    """Sweden's population in `year`: the sum of the municipalities' totals."""
    return sum(municipality_totals(str(c), [year])[year] for c in municipalities()["municipality_code"])


def target_households(m: Municipality, year: int) -> int:
    """Households with at least one payment in `year`."""
    p = parameters()["assistance"]
    nat = national_households()
    nat_year = nat.get(year, nat[max(nat)] if year > max(nat) else nat[min(nat)])
    if m.code == GOTEBORG:
        if year in p["goteborg_households"]:
            return int(p["goteborg_households"][year])
        return round(p["goteborg_households"][2019] * nat_year / nat[2019])
    rate = nat_year / national_population(year) / parameters()["need_index"]["sweden_other"]
    between = parameters()["need_index"]["elasticity"]["assistance"][1]
    return round(rate * m.total(year) * m.index**between)


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
                "household_key": make_keys(rng, n_new),
                "area_code": rng.choice(areas, size=n_new, p=weights),
                "household_type": choice(rng, p["household_type"], n_new),
            }
        )
        new["children"] = np.where(
            new["household_type"].isin(WITH_CHILDREN),
            counts_from_bands(rng, p["children_per_household"], n_new),
            0,
        )
        new["adults"] = np.where(new["household_type"].isin(COUPLES), 2, 1)
        new["level"] = np.exp(p["amount"]["sigma"] * rng.standard_normal(n_new))
        households = pd.concat([cont, new], ignore_index=True)
        households["obstacle"] = choice(rng, p["obstacle"], len(households))
        n_long = round(p["long_term_share"][year] * total)
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
        price = (1 + p["amount"]["growth"]) ** max(0, year - p["amount"]["growth_from"])
        amount = (
            p["amount"]["base"]
            + p["amount"]["per_adult"] * (hh["adults"] - 1)
            + p["amount"]["per_child"] * hh["children"]
        ).to_numpy()
        amount = amount * hh["level"].to_numpy() * price * np.exp(0.08 * rng.standard_normal(len(hh)))
        paid = p["goteborg_paid_mnkr"].get(year) if m.code == GOTEBORG else None
        if paid:
            amount = amount * (paid * 1e6 / amount.sum())
        amount = np.round(amount)
        if paid:
            amount[0] += paid * 1e6 - amount.sum()  # the published total to the krona
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
