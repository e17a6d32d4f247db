"""What the generator knows about one municipality: its areas, population and need index per area."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialstat.reference.population import AGES
from socialstat.reference.units import GOTEBORG, goteborg_areas, municipalities
from socialstat.synth.common import PersonRegister, parameters


@dataclass
class Municipality:
    """One municipality being generated: population by area, year, sex and age; need index by area."""

    code: str
    years: list[int]
    areas: np.ndarray  # area codes
    district_need: np.ndarray  # need index per area within the municipality (population-weighted mean 1)
    index: float  # the municipality's need index relative to Göteborg
    population: pd.DataFrame  # area_code, year, sex, age, population
    rng: np.random.Generator
    persons: PersonRegister

    @property
    def data_end(self) -> np.datetime64:
        """Last day of the generated period: later events are not known to the extract."""
        return np.datetime64(f"{max(self.years)}-12-31")

    def need(self, domain: str) -> np.ndarray:
        """Need index per area for one domain, with the domain's elasticities applied."""
        within, between = parameters()["need_index"]["elasticity"][domain]
        return np.power(self.district_need, within) * self.index**between

    def pop_cells(self, year: int, age_lo: int, age_hi: int, domain: str) -> pd.DataFrame:
        """Population rows of one year within an age range, with the area's need index for `domain`."""
        p = self.population
        cells = p[(p["year"] == year) & (p["age"] >= age_lo) & (p["age"] <= age_hi)].copy()
        need = dict(zip(self.areas, self.need(domain), strict=True))
        cells["need"] = cells["area_code"].map(need)
        return cells

    def total(self, year: int, age_lo: int = 0, age_hi: int = int(AGES[-1])) -> int:
        """Inhabitants of one year within an age range."""
        p = self.population
        return int(p.loc[(p["year"] == year) & (p["age"] >= age_lo) & (p["age"] <= age_hi), "population"].sum())

    def area_weights(
        self, year: int, domain: str, age_lo: int = 18, age_hi: int = 100
    ) -> tuple[np.ndarray, np.ndarray]:
        """Area codes and weights (population x need) for placing events of `domain`."""
        cells = self.pop_cells(year, age_lo, age_hi, domain)
        w = cells.groupby("area_code", sort=False).apply(
            lambda g: float((g["population"] * g["need"]).sum()), include_groups=False
        )
        return np.array(w.index, dtype=object), w.to_numpy(dtype=float) / float(w.sum())


def municipal_index(code: str, seed: int) -> float:
    """Need index of a municipality relative to Göteborg (synthetic; Göteborg = 1)."""
    params = parameters()["need_index"]
    if code == GOTEBORG:
        return 1.0
    frame = municipalities().set_index("municipality_code")
    # Deterministic per municipality and seed, so any subset of municipalities gets the same values.
    rng = np.random.default_rng([seed, int(code), 7])
    noise = float(np.exp(params["sweden_sigma"] * rng.standard_normal()))
    return noise * (params["gr_other"] if bool(frame.loc[code, "in_gr"]) else params["sweden_other"])


def area_need(code: str) -> tuple[np.ndarray, np.ndarray]:
    """Area codes of a municipality and each area's need index within it (population-weighted mean 1)."""
    if code != GOTEBORG:
        return np.array([code], dtype=object), np.array([1.0])
    table = parameters()["need_index"]["goteborg_districts"]
    areas = goteborg_areas()
    raw = np.array([table[a.district.rsplit("-", 1)[1]] for a in areas], dtype=float)
    shares = np.array([a.share for a in areas])
    return np.array([a.code for a in areas], dtype=object), raw / float((raw * shares).sum())
