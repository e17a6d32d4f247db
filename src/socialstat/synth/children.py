"""Synthetic aktualiseringar (referrals) of children and young people, their investigations and interventions.

Per year: the number of children with at least one referral follows the published share of 0–20-year-olds;
a third of them were referred before (mostly the year before), the rest are new; referrals per child are
heavy-tailed; dates follow the school terms; the initial assessment opens an investigation, adds the referral
to an ongoing one, or closes it; investigations run a log-normal time; some lead to interventions.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

import numpy as np
import pandas as pd

from socialstat.reference.population import build_population
from socialstat.reference.units import GOTEBORG
from socialstat.synth.common import (
    DAY,
    by_year,
    choice,
    counts_from_bands,
    lognormal_days,
    open_after,
    parameters,
    random_dates_in_year,
)
from socialstat.synth.context import Municipality

VIOLENCE_REASONS = ("domestic_violence_abuse", "honour_violence")
PLACEMENTS = ("foster_care", "residential_care_hvb", "supported_housing", "secure_unit_sis")


def _band(ages: np.ndarray, bands: list[str]) -> np.ndarray:
    """The label of the age band ("lo-hi") each age falls in."""
    out = np.empty(len(ages), dtype=object)
    for label in bands:
        lo, hi = (int(x) for x in label.split("-"))
        out[(ages >= lo) & (ages <= hi)] = label
    return out


@dataclass
class ChildPool:
    """Children referred in earlier years, to draw re-referred children from."""

    keys: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    birth_year: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))
    sex: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    area: np.ndarray = field(default_factory=lambda: np.array([], dtype=object))
    last_year: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))


@dataclass
class ChildFrames:
    """The generated rows of one municipality (without batch_id)."""

    referrals: list[pd.DataFrame] = field(default_factory=list)
    reasons: list[pd.DataFrame] = field(default_factory=list)
    investigations: list[pd.DataFrame] = field(default_factory=list)
    interventions: list[pd.DataFrame] = field(default_factory=list)


def _children_of_year(
    m: Municipality, year: int, pool: ChildPool
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Keys, birth years, sexes and areas of the children with at least one referral in `year`."""
    p = parameters()["referrals"]
    rng = m.rng
    cells = m.pop_cells(year, 0, 20, "referrals")
    if m.code == GOTEBORG:
        share = by_year(p["share_0_20"], year)
    else:
        between = parameters()["need_index"]["elasticity"]["referrals"][1]
        level = 1.0 if m.in_gr else p["sweden_level"]
        share = p["share_0_20"][2018] * by_year(p["national_trend"], year) * m.index**between * level
    n_children = round(share * float(cells["population"].sum()))

    eligible = np.flatnonzero((pool.birth_year >= year - 20) & (pool.birth_year <= year))
    n_known = min(round(p["known_before"] * n_children), len(eligible)) if len(eligible) else 0
    known = np.array([], dtype=np.int64)
    if n_known:
        w = float(p["known_decay"]) ** (year - 1 - pool.last_year[eligible]).astype(float)
        known = rng.choice(eligible, size=n_known, replace=False, p=w / w.sum())

    age_rate = np.asarray(p["age_rate"], dtype=float)
    weights = (cells["population"] * cells["need"] * age_rate[cells["age"].to_numpy()]).to_numpy(dtype=float)
    weights = weights * np.where(cells["sex"].to_numpy() == "M", p["boys_factor"], 1.0)
    per_cell = rng.multinomial(n_children - n_known, weights / weights.sum())
    new_area = np.repeat(cells["area_code"].to_numpy(dtype=object), per_cell)
    new_sex = np.repeat(cells["sex"].to_numpy(dtype=object), per_cell)
    new_birth = year - np.repeat(cells["age"].to_numpy(dtype=np.int64), per_cell)
    new_keys = m.persons.new(new_birth, new_sex)

    pool.last_year[known] = year
    keys = np.concatenate([pool.keys[known], new_keys])
    birth = np.concatenate([pool.birth_year[known], new_birth])
    sex = np.concatenate([pool.sex[known], new_sex])
    area = np.concatenate([pool.area[known], new_area])
    pool.keys = np.concatenate([pool.keys, new_keys])
    pool.birth_year = np.concatenate([pool.birth_year, new_birth])
    pool.sex = np.concatenate([pool.sex, new_sex])
    pool.area = np.concatenate([pool.area, new_area])
    pool.last_year = np.concatenate([pool.last_year, np.full(len(new_keys), year, dtype=np.int64)])
    return keys, birth, sex, area


def _decisions(rng: np.random.Generator, child: np.ndarray, received: np.ndarray, kinds: np.ndarray) -> np.ndarray:
    """Initial-assessment decisions, sequential per child: referrals during an ongoing investigation are
    mostly added to it; fresh ones open an investigation with a probability that depends on the kind (an
    application is nearly always investigated)."""
    p = parameters()["referrals"]
    n = len(child)
    open_p = pd.Series(kinds).map(p["open_probability"]).to_numpy(dtype=float)
    u_open, u_join = rng.random(n), rng.random(n)
    out = np.empty(n, dtype=object)
    days = received.astype("datetime64[D]").astype(np.int64)
    ongoing_until = -(10**9)
    for i in range(n):
        if i == 0 or child[i] != child[i - 1]:
            ongoing_until = -(10**9)
        if days[i] <= ongoing_until:
            out[i] = "joined_ongoing" if u_join[i] < p["join_probability"] else "no_investigation"
        elif u_open[i] < open_p[i]:
            out[i] = "investigation_opened"
            ongoing_until = days[i] + p["ongoing_days"]
        else:
            out[i] = "no_investigation"
    return out


def _reasons(rng: np.random.Generator, referral_ids: np.ndarray, ages: np.ndarray) -> pd.DataFrame:
    p = parameters()["referrals"]
    n = len(referral_ids)
    wanted = counts_from_bands(rng, p["reasons_per_referral"], n)
    bands = _band(ages, list(p["reasons"]))
    draws = np.empty((n, 3), dtype=object)
    for label, weights in p["reasons"].items():
        idx = np.flatnonzero(bands == label)
        draws[idx] = choice(rng, weights, 3 * len(idx)).reshape(-1, 3)
    frame = pd.DataFrame(
        {"referral_id": np.repeat(referral_ids, 3), "slot": np.tile(np.arange(3), n), "reason": draws.ravel()}
    )
    frame = frame[frame["slot"] < np.repeat(wanted, 3)]
    return frame.drop_duplicates(["referral_id", "reason"])[["referral_id", "reason"]].reset_index(drop=True)


def _reporters(rng: np.random.Generator, kinds: np.ndarray, ages: np.ndarray) -> np.ndarray:
    p = parameters()["referrals"]
    out = np.empty(len(kinds), dtype=object)
    bands = _band(ages, list(p["reporter_report"]))
    for label, weights in p["reporter_report"].items():
        idx = np.flatnonzero((kinds == "report") & (bands == label))
        out[idx] = choice(rng, {k: v for k, v in weights.items() if v > 0}, len(idx))
    for kind in ("application", "other_information"):
        idx = np.flatnonzero(kinds == kind)
        out[idx] = choice(rng, p[f"reporter_{kind}"], len(idx))
    return out


def generate_children(m: Municipality) -> ChildFrames:
    """Referrals, reasons, investigations and interventions of children and young people for all years."""
    p = parameters()
    rng = m.rng
    pool = ChildPool()
    frames = ChildFrames()
    for year in m.years:
        keys, birth, _sex, area = _children_of_year(m, year, pool)
        per_child = counts_from_bands(rng, p["referrals"]["per_child"], len(keys))
        child = np.repeat(np.arange(len(keys)), per_child)
        received = random_dates_in_year(rng, year, len(child), p["referrals"]["month_weights"])
        order = np.lexsort((received, child))
        child, received = child[order], received[order]
        ages = np.clip(year - birth[child], 0, 20)
        ids = np.array([f"{m.code}-R{year}-{i:06d}" for i in range(len(child))], dtype=object)
        kinds = choice(rng, p["referrals"]["kind"], len(child))
        decision = _decisions(rng, child, received, kinds)
        late = rng.random(len(child)) < p["referrals"]["late_assessment_share"]
        delay = np.where(late, rng.integers(15, 61, len(child)), rng.integers(0, 15, len(child)))
        decided = received + delay * DAY
        pending = decided > m.data_end
        decision[pending] = None
        frames.referrals.append(
            pd.DataFrame(
                {
                    "referral_id": ids,
                    "person_key": keys[child],
                    "municipality_code": m.code,
                    "area_code": area[child],
                    "received_date": received.astype("datetime64[D]").astype(object),
                    "kind": kinds,
                    "reporter": _reporters(rng, kinds, ages),
                    "decision": decision,
                    "decision_date": open_after(decided, m.data_end),
                }
            )
        )
        reasons = _reasons(rng, ids, ages)
        frames.reasons.append(reasons)
        violent = set(reasons.loc[reasons["reason"].isin(VIOLENCE_REASONS), "referral_id"])
        opened = np.flatnonzero(decision == "investigation_opened")
        inv = _investigations(m, year, ids[opened], keys[child[opened]], area[child[opened]], decided[opened])
        frames.investigations.append(inv)
        frames.interventions.append(
            _child_interventions(m, inv, ages[opened], pd.Series(ids[opened]).isin(violent).to_numpy())
        )
    frames.interventions.append(_violence_top_up(m, frames, pool))
    return frames


def _investigations(
    m: Municipality,
    year: int,
    referral_ids: np.ndarray,
    keys: np.ndarray,
    areas: np.ndarray,
    start: np.ndarray,
) -> pd.DataFrame:
    p = parameters()["investigations"]
    rng = m.rng
    n = len(referral_ids)
    days = lognormal_days(rng, p["median_days"], p["sigma"], n)
    end = start + days * DAY
    ongoing = end > m.data_end
    outcome = choice(rng, p["outcome"], n)
    outcome[ongoing] = None
    return pd.DataFrame(
        {
            "investigation_id": [f"{m.code}-U{year}-{i:06d}" for i in range(n)],
            "person_key": keys,
            "referral_id": referral_ids,
            "municipality_code": m.code,
            "area_code": areas,
            "start_date": start.astype("datetime64[D]").astype(object),
            "end_date": open_after(end, m.data_end),
            "extended": (days > p["extended_if_over_days"]) & (rng.random(n) < 0.9),
            "outcome": outcome,
            "target_group": "children_youth",
            "legal_basis": np.where(rng.random(n) < p["lvu_share"], "lvu", "sol"),
            "_end": end,
        }
    )


def _child_interventions(m: Municipality, inv: pd.DataFrame, ages: np.ndarray, violent: np.ndarray) -> pd.DataFrame:
    p = parameters()["child_interventions"]
    rng = m.rng
    granted = np.flatnonzero((inv["outcome"] == "intervention_granted").to_numpy())
    n = len(granted)
    category = choice(rng, p["category"], n)
    age = ages[granted]
    category[(category == "supported_housing") & (age < 16)] = "residential_care_hvb"
    category[(category == "secure_unit_sis") & (age < 12)] = "residential_care_hvb"
    start = inv["_end"].to_numpy()[granted] + rng.integers(0, 15, n) * DAY
    median = np.array([p["median_days"][c] for c in category], dtype=float)
    end = start + lognormal_days(rng, median, 0.6, n) * DAY
    placement = np.isin(category, PLACEMENTS)
    lvu = (placement & (rng.random(n) < p["placement_lvu_share"])) | (category == "secure_unit_sis")
    frame = pd.DataFrame(
        {
            "intervention_id": inv["investigation_id"].to_numpy()[granted],
            "person_key": inv["person_key"].to_numpy()[granted],
            "investigation_id": inv["investigation_id"].to_numpy()[granted],
            "municipality_code": m.code,
            "area_code": inv["area_code"].to_numpy()[granted],
            "start_date": start.astype("datetime64[D]").astype(object),
            "end_date": open_after(end, m.data_end),
            "category": category,
            "legal_basis": np.where(lvu, "lvu", "sol"),
            "service_area": "children_youth",
            "reason_violence": violent[granted] & (rng.random(n) < p["violence_flag_share"]),
        }
    )
    frame["intervention_id"] = frame["intervention_id"].str.replace("-U", "-I", regex=False)
    return frame[start <= m.data_end]


@dataclass
class _Flagged:
    """Violence-flagged interventions as arrays: person index in the pool, first and last day."""

    person: np.ndarray
    start: np.ndarray
    end: np.ndarray  # NaT while ongoing

    def add(self, person: np.ndarray, start: np.ndarray, end: np.ndarray) -> None:
        self.person = np.concatenate([self.person, person])
        self.start = np.concatenate([self.start, start.astype("datetime64[D]")])
        self.end = np.concatenate([self.end, end.astype("datetime64[D]")])

    def active_persons(self, year: int) -> np.ndarray:
        """Pool indices of persons with a flagged intervention active at some time in `year`."""
        lo, hi = np.datetime64(f"{year}-01-01"), np.datetime64(f"{year}-12-31")
        active = (self.start <= hi) & (np.isnat(self.end) | (self.end >= lo))
        return np.unique(self.person[active])


def _flagged(frames: list[pd.DataFrame], pool: ChildPool) -> _Flagged:
    flagged = pd.concat([f[f["reason_violence"]] for f in frames], ignore_index=True)
    index = pd.Series(np.arange(len(pool.keys)), index=pool.keys)
    return _Flagged(
        index.reindex(flagged["person_key"]).to_numpy(dtype=np.int64),
        flagged["start_date"].to_numpy(dtype="datetime64[D]"),
        pd.to_datetime(flagged["end_date"]).to_numpy(dtype="datetime64[D]"),
    )


@cache
def _goteborg_children_2022() -> int:
    """Göteborg's population aged 0–17 in 2022, the scale of the published number of children."""
    pop = build_population([GOTEBORG], [2022])
    return int(pop.loc[pop["age"] <= 17, "population"].sum())


def _violence_top_up(m: Municipality, frames: ChildFrames, pool: ChildPool) -> pd.DataFrame:
    """Support for children exposed to violence, added until about the published number of children a year
    (about 1 000 in Göteborg in 2022, scaled by the population aged 0–17 elsewhere) is reached."""
    p = parameters()["child_interventions"]
    rng = m.rng
    gbg_2022 = _goteborg_children_2022()
    between = parameters()["need_index"]["elasticity"]["child_interventions"][1]
    added: list[pd.DataFrame] = []
    flagged = _flagged(frames.interventions, pool)
    for year in m.years:
        target = round(p["violence_children_goteborg_2022"] * m.total(year, 0, 17) / gbg_2022 * m.index**between)
        child = year - pool.birth_year < 18
        has = np.zeros(len(pool.keys), dtype=bool)
        has[flagged.active_persons(year)] = True
        missing = target - int((has & child).sum())
        candidates = np.flatnonzero((pool.last_year == year) & child & ~has)
        if missing <= 0 or len(candidates) == 0:
            continue
        chosen = rng.choice(candidates, size=min(missing, len(candidates)), replace=False)
        n = len(chosen)
        start = random_dates_in_year(rng, year, n)
        end = start + lognormal_days(rng, 120, 0.5, n) * DAY
        flagged.add(chosen, start, np.where(end > m.data_end, np.datetime64("NaT"), end))
        added.append(
            pd.DataFrame(
                {
                    "intervention_id": [f"{m.code}-IV{year}-{i:06d}" for i in range(n)],
                    "person_key": pool.keys[chosen],
                    "investigation_id": None,
                    "municipality_code": m.code,
                    "area_code": pool.area[chosen],
                    "start_date": start.astype("datetime64[D]").astype(object),
                    "end_date": open_after(end, m.data_end),
                    "category": "violence_support",
                    "legal_basis": "sol",
                    "service_area": "domestic_violence",
                    "reason_violence": True,
                }
            )
        )
    return pd.concat(added, ignore_index=True) if added else frames.interventions[0].iloc[0:0]
