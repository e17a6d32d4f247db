"""Shared machinery of the synthetic generator: parameters, random draws, keys, dates and the person register."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import numpy as np
import pandas as pd
import yaml

DAY = np.timedelta64(1, "D")


@cache
def parameters() -> dict[str, Any]:
    """The generator's parameters (synth/parameters.yaml)."""
    text = resources.files("socialstat.synth").joinpath("parameters.yaml").read_text(encoding="utf-8")
    data: dict[str, Any] = yaml.safe_load(text)
    return data


def choice(rng: np.random.Generator, weights: Mapping[Any, float], size: int) -> np.ndarray:
    """Draw `size` codes from a mapping of code -> weight (weights need not sum to one)."""
    codes = [str(k) for k in weights]
    p = np.array([float(v) for v in weights.values()], dtype=float)
    return rng.choice(np.array(codes, dtype=object), size=size, p=p / p.sum())


def counts_from_bands(rng: np.random.Generator, bands: Mapping[Any, float], size: int) -> np.ndarray:
    """Draw integer counts from weights over values or inclusive bands ("5-8": uniform within the band)."""
    labels = list(bands)
    p = np.array([float(bands[k]) for k in labels])
    idx = rng.choice(len(labels), size=size, p=p / p.sum())
    lo = np.empty(len(labels), dtype=np.int64)
    hi = np.empty(len(labels), dtype=np.int64)
    for i, label in enumerate(labels):
        a, _, b = str(label).partition("-")
        lo[i], hi[i] = int(a), int(b or a)
    return rng.integers(lo[idx], hi[idx] + 1)


def make_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """`n` pseudonymous keys shaped like the model's keys (128 bits written as a UUID): random bytes, not derived
    from any identity number. Collisions are negligible (128 random bits)."""
    raw = rng.bytes(16 * n).hex()
    return np.array(
        [f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}" for h in (raw[i : i + 32] for i in range(0, 32 * n, 32))],
        dtype=object,
    )


def random_dates_in_year(
    rng: np.random.Generator, year: int, n: int, month_weights: Sequence[float] | None = None
) -> np.ndarray:
    """`n` dates in `year`, by month weights (default: uniform over days)."""
    start = np.datetime64(f"{year}-01-01")
    if month_weights is None:
        days = 366 if year % 4 == 0 and (year % 100 != 0 or year % 400 == 0) else 365
        return start + rng.integers(0, days, size=n) * DAY
    p = np.asarray(month_weights, dtype=float)
    months = rng.choice(12, size=n, p=p / p.sum())
    month_start = np.array([np.datetime64(f"{year}-{m + 1:02d}-01") for m in range(12)])
    month_len = np.array(
        [
            (np.datetime64(f"{year}-{m + 2:02d}-01") if m < 11 else np.datetime64(f"{year + 1}-01-01")) - month_start[m]
            for m in range(12)
        ]
    ).astype(np.int64)
    offsets = np.floor(rng.random(n) * month_len[months]).astype(np.int64)
    return month_start[months] + offsets * DAY


def lognormal_days(rng: np.random.Generator, median: float | np.ndarray, sigma: float, n: int) -> np.ndarray:
    """Durations in whole days (at least 1) from a log-normal with the given median."""
    return np.maximum(1, np.round(np.asarray(median) * np.exp(sigma * rng.standard_normal(n)))).astype(np.int64)


def open_after(dates: np.ndarray, data_end: np.datetime64) -> np.ndarray:
    """Dates as an object array with None where the date falls after the end of the data."""
    out = dates.astype("datetime64[D]").astype(object)
    out[dates > data_end] = None
    return out


@dataclass
class PersonRegister:
    """Every person a municipality's generator creates, to be written to `persons` once."""

    rng: np.random.Generator
    keys: list[np.ndarray] = field(default_factory=list)
    birth_years: list[np.ndarray] = field(default_factory=list)
    sexes: list[np.ndarray] = field(default_factory=list)

    def new(self, birth_years: np.ndarray, sexes: np.ndarray) -> np.ndarray:
        """Register new persons and return their keys."""
        keys = make_keys(self.rng, len(birth_years))
        self.keys.append(keys)
        self.birth_years.append(np.asarray(birth_years, dtype=np.int64))
        self.sexes.append(np.asarray(sexes, dtype=object))
        return keys

    def frame(self) -> pd.DataFrame:
        """The `persons` rows (without batch_id)."""
        if not self.keys:
            return pd.DataFrame({"person_key": [], "birth_year": [], "sex": [], "identity_kind": []})
        n = sum(len(k) for k in self.keys)
        kinds = choice(self.rng, parameters()["identity_kind"], n)
        return pd.DataFrame(
            {
                "person_key": np.concatenate(self.keys),
                "birth_year": np.concatenate(self.birth_years),
                "sex": np.concatenate(self.sexes),
                "identity_kind": kinds,
            }
        )


def by_year(values: Mapping[int, float], year: int) -> float:
    """A yearly parameter: its value for `year`, linear between given years, the nearest given value outside."""
    points = sorted((int(y), float(v)) for y, v in values.items())
    if year <= points[0][0]:
        return points[0][1]
    if year >= points[-1][0]:
        return points[-1][1]
    for (y0, v0), (y1, v1) in itertools.pairwise(points):
        if y0 <= year <= y1:
            return v0 + (v1 - v0) * (year - y0) / (y1 - y0)
    raise AssertionError("unreachable")  # pragma: no cover
