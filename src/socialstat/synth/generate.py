"""Generate a preset's synthetic data: reference tables, then each municipality in turn (streamed to Parquet).

Each municipality has its own random stream derived from (seed, municipality code), so a municipality's data
do not depend on which others are generated, the output is the same for the same seed, and memory is bounded
by the largest municipality rather than by the country.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from socialstat import __version__
from socialstat.errors import ConfigurationError
from socialstat.reference.population import build_population
from socialstat.reference.units import GOTEBORG, build_units, gr_codes, municipalities
from socialstat.synth.adults import generate_adults
from socialstat.synth.assistance import generate_assistance
from socialstat.synth.children import generate_children
from socialstat.synth.common import PersonRegister
from socialstat.synth.context import Municipality, area_need, municipal_index
from socialstat.synth.costs import generate_costs
from socialstat.synth.homelessness import generate_homelessness
from socialstat.synth.writer import CanonicalWriter

PRESETS: dict[str, Callable[[], list[str]]] = {
    "goteborg": lambda: [GOTEBORG],
    "gr": gr_codes,
    "sweden": lambda: sorted(municipalities()["municipality_code"]),
}
MIN_YEAR, MAX_YEAR = 2011, 2030
# Years generated before the first requested year and not written: they give the first years realistic
# case histories (children known before) and stocks (placements, long-term assistance, ongoing cases).
BURN_IN_YEARS = 3


def preset_codes(preset: str) -> list[str]:
    """The municipalities of a preset: a named one, or one municipality by its code (e.g. 1407)."""
    if preset in PRESETS:
        return PRESETS[preset]()
    if preset in set(municipalities()["municipality_code"]):
        return [preset]
    raise ConfigurationError(f"unknown preset {preset!r}; choose one of {sorted(PRESETS)} or a municipality code")


def parse_years(text: str) -> list[int]:
    """'2015-2024' or '2019' -> a list of years."""
    try:
        lo, _, hi = text.partition("-")
        years = list(range(int(lo), int(hi or lo) + 1))
    except ValueError:
        raise ConfigurationError(f"years must look like 2015-2024, not {text!r}") from None
    if not years or years[0] < MIN_YEAR or years[-1] > MAX_YEAR:
        raise ConfigurationError(
            f"years must lie within {MIN_YEAR}-{MAX_YEAR} (Göteborg's districts begin in 2011), got {text!r}"
        )
    return years


@dataclass(frozen=True)
class SynthReport:
    """What a generation wrote."""

    preset: str
    years: list[int]
    seed: int
    out: Path
    rows: dict[str, int]
    seconds: float


def generate(
    preset: str,
    years: list[int],
    seed: int,
    out: str | Path,
    *,
    progress: Callable[[str], None] | None = None,
) -> SynthReport:
    """Write canonical Parquet for every canonical table of `preset` to `out`; return the row counts."""
    started = time.perf_counter()
    codes = preset_codes(preset)
    out = Path(out)
    with CanonicalWriter(out) as writer:
        for name, frame in build_units(codes).items():
            writer.write(name, frame)
        history = list(range(years[0] - BURN_IN_YEARS, years[0]))
        for code in codes:
            population = build_population([code], history + years)
            writer.write("population", population[population["year"] >= years[0]])
            _generate_municipality(code, history + years, years[0], seed, population, writer)
            if progress:
                progress(code)
        rows = dict(writer.rows)
    manifest = {
        "generator": "socialstat.synth",
        "version": __version__,
        "preset": preset,
        "years": [years[0], years[-1]],
        "seed": seed,
        "rows": rows,
        "synthetic": True,
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return SynthReport(preset, years, seed, out, rows, time.perf_counter() - started)


def _generate_municipality(
    code: str, years: list[int], first_year: int, seed: int, population: pd.DataFrame, writer: CanonicalWriter
) -> None:
    """Generate one municipality from `years[0]` (the history years before `first_year` build up the stocks
    and case histories) and write what an extract covering `first_year` onwards would hold."""
    rng = np.random.default_rng([seed, int(code)])
    areas, district_need = area_need(code)
    in_gr = code in set(gr_codes())
    index = municipal_index(code, seed)
    m = Municipality(code, years, areas, district_need, index, population, rng, PersonRegister(rng), seed, in_gr)
    children = generate_children(m)
    adult_inv, adult_int = generate_adults(m)
    payments = generate_assistance(m)
    survey = generate_homelessness(m)
    costs = generate_costs(m, payments)
    tables = {
        "referrals": pd.concat(children.referrals, ignore_index=True),
        "referral_reasons": pd.concat(children.reasons, ignore_index=True),
        "investigations": pd.concat([*children.investigations, adult_inv], ignore_index=True),
        "interventions": pd.concat([*children.interventions, adult_int], ignore_index=True),
        "assistance_payments": payments,
        "homelessness_survey": survey,
        "costs": costs,
        "persons": m.persons.frame(),
    }
    for name, frame in _from_first_year(tables, first_year).items():
        writer.write(name, frame)


def _isin(values: pd.Series, allowed: object) -> np.ndarray:
    """Whether each value is among `allowed` (a hash lookup on object arrays; fast for millions of keys)."""
    index = pd.Index(np.asarray(list(allowed) if isinstance(allowed, set) else allowed, dtype=object))
    return index.get_indexer(values.to_numpy(dtype=object)) >= 0


def _from_first_year(tables: dict[str, pd.DataFrame], first_year: int) -> dict[str, pd.DataFrame]:
    """What an extract from `first_year` holds: events of that year onwards, plus investigations and
    interventions still open then (their earlier referral or investigation is not in it), and their persons."""
    start = dt.date(first_year, 1, 1)
    out = dict(tables)
    ref = tables["referrals"]
    out["referrals"] = ref[ref["received_date"] >= start]
    kept_referrals = out["referrals"]["referral_id"].unique()
    reasons = tables["referral_reasons"]
    out["referral_reasons"] = reasons[_isin(reasons["referral_id"], kept_referrals)]
    for name, parent, parents in (
        ("investigations", "referral_id", kept_referrals),
        ("interventions", "investigation_id", None),
    ):
        frame = tables[name]
        frame = frame[frame["end_date"].isna() | (frame["end_date"] >= start)].copy()
        if parents is None:
            parents = out["investigations"]["investigation_id"].unique()
        frame.loc[~_isin(frame[parent], parents), parent] = None
        out[name] = frame
    out["assistance_payments"] = tables["assistance_payments"][tables["assistance_payments"]["month"] >= start]
    out["homelessness_survey"] = tables["homelessness_survey"][
        tables["homelessness_survey"]["survey_year"] >= first_year
    ]
    out["costs"] = tables["costs"][tables["costs"]["year"] >= first_year]
    used = pd.unique(
        np.concatenate(
            [
                out[name]["person_key"].to_numpy(dtype=object)
                for name in ("referrals", "investigations", "interventions", "homelessness_survey")
            ]
            + [out["assistance_payments"]["household_key"].to_numpy(dtype=object)]
        )
    )
    out["persons"] = tables["persons"][_isin(tables["persons"]["person_key"], used)]
    return out
