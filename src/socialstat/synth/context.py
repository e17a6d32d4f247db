"""What the generator knows about one municipality: its areas, population and need index per area."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

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
    seed: int
    in_gr: bool

    def __post_init__(self) -> None:
        # A dense cube population[year, area, sex, age] (sex 0 = F, 1 = M) for fast sums.
        self._cube = np.zeros((len(self.years), len(self.areas), 2, len(AGES)), dtype=np.int64)
        year_idx = {y: i for i, y in enumerate(self.years)}
        area_idx = {a: i for i, a in enumerate(self.areas)}
        p = self.population
        self._cube[
            p["year"].map(year_idx).to_numpy(),
            p["area_code"].map(area_idx).to_numpy(),
            (p["sex"] == "M").to_numpy().astype(np.int64),
            p["age"].to_numpy(),
        ] = p["population"].to_numpy()

    @property
    def data_end(self) -> np.datetime64:
        """Last day of the generated period: later events are not known to the extract."""
        return np.datetime64(f"{max(self.years)}-12-31")

    def need(self, domain: str) -> np.ndarray:
        """Need index per area for one domain, with the domain's elasticities applied."""
        within, between = parameters()["need_index"]["elasticity"][domain]
        return np.power(self.district_need, within) * self.index**between

    def _slice(self, year: int, age_lo: int, age_hi: int) -> np.ndarray:
        return self._cube[self.years.index(year), :, :, age_lo : age_hi + 1]

    def pop_cells(self, year: int, age_lo: int, age_hi: int, domain: str) -> pd.DataFrame:
        """Population cells (area, sex, age) of one year within an age range, with the area's need index."""
        cube = self._slice(year, age_lo, age_hi)
        n_area, _, n_age = cube.shape
        need = self.need(domain)
        return pd.DataFrame(
            {
                "area_code": np.repeat(self.areas, 2 * n_age),
                "sex": np.tile(np.repeat(np.array(["F", "M"], dtype=object), n_age), n_area),
                "age": np.tile(np.arange(age_lo, age_hi + 1), 2 * n_area),
                "population": cube.reshape(-1),
                "need": np.repeat(need, 2 * n_age),
            }
        )

    def total(self, year: int, age_lo: int = 0, age_hi: int = int(AGES[-1])) -> int:
        """Inhabitants of one year within an age range."""
        return int(self._slice(year, age_lo, age_hi).sum())

    def area_weights(
        self, year: int, domain: str, age_lo: int = 18, age_hi: int = 100
    ) -> tuple[np.ndarray, np.ndarray]:
        """Area codes and weights (population x need) for placing events of `domain`."""
        w = self._slice(year, age_lo, age_hi).sum(axis=(1, 2)) * self.need(domain)
        return self.areas, w / float(w.sum())


@cache
def _in_gr() -> frozenset[str]:
    frame = municipalities()
    return frozenset(frame.loc[frame["in_gr"], "municipality_code"])


@cache
def municipal_index(code: str, seed: int) -> float:
    """Need index of a municipality relative to Göteborg (synthetic; Göteborg = 1)."""
    params = parameters()["need_index"]
    if code == GOTEBORG:
        return 1.0
    # Deterministic per municipality and seed, so any subset of municipalities gets the same values.
    rng = np.random.default_rng([seed, int(code), 7])
    noise = float(np.exp(params["sweden_sigma"] * rng.standard_normal()))
    return noise * (params["gr_other"] if code in _in_gr() else params["sweden_other"])


def area_need(code: str) -> tuple[np.ndarray, np.ndarray]:
    """Area codes of a municipality and each area's need index within it (population-weighted mean 1)."""
    if code != GOTEBORG:
        return np.array([code], dtype=object), np.array([1.0])
    table = parameters()["need_index"]["goteborg_districts"]
    areas = goteborg_areas()
    raw = np.array([table[a.district.rsplit("-", 1)[1]] for a in areas], dtype=float)
    shares = np.array([a.share for a in areas])
    return np.array([a.code for a in areas], dtype=object), raw / float((raw * shares).sum())
