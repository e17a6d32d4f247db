"""Reference units, areas and their mappings per period, built from the shipped organisation data.

Hierarchy: Sweden → Göteborgsregionen (GR) → its 13 municipalities; other municipalities → their county →
Sweden. Göteborg: ten districts (2011–2020) and four social administrations (2021–), both below the
municipality. Areas (neighbourhoods in Göteborg, whole municipalities elsewhere) map to units per period.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd
import yaml

from socialstat.errors import ConfigurationError, SpecificationError

GOTEBORG = "1480"
# The current set of 290 municipalities and their counties dates from 1 January 2007 (Heby moved to
# Uppsala county); the units are declared valid from then.
STRUCTURE_FROM = dt.date(2007, 1, 1)


def data_path(name: str) -> Any:
    """A file shipped in socialstat/reference/data/."""
    return resources.files("socialstat.reference").joinpath("data", name)


@cache
def organisation() -> dict[str, Any]:
    """The organisation file (region, Göteborg's districts, administrations and areas) as a mapping."""
    data: dict[str, Any] = yaml.safe_load(data_path("organisation.yaml").read_text(encoding="utf-8"))
    gbg = data["goteborg"]
    codes = [*gbg["districts"], *gbg["administrations"], *gbg["areas"]]
    codes += [d["administration"] for d in gbg["districts"].values()]
    codes += [a["moved_2021_to"] for a in gbg["areas"].values() if "moved_2021_to" in a]
    bad = [c for c in codes if not isinstance(c, str)]
    if bad:  # e.g. a bare NO, which YAML reads as false
        raise SpecificationError(f"organisation.yaml: unit and area codes must be quoted strings, got {bad}")
    return data


@cache
def municipalities() -> pd.DataFrame:
    """All Swedish municipalities: code, name, county, a population figure where known, and GR membership."""
    with data_path("municipalities.csv").open("rb") as fh:
        frame = pd.read_csv(fh, dtype={"municipality_code": str, "county_code": str})
    with data_path("gr_municipalities.csv").open("rb") as fh:
        gr = pd.read_csv(fh, dtype={"kommun_kod": str})
    frame["in_gr"] = frame["municipality_code"].isin(gr["kommun_kod"])
    return frame


def gr_codes() -> list[str]:
    """SCB codes of the 13 GR municipalities, sorted."""
    frame = municipalities()
    return sorted(frame.loc[frame["in_gr"], "municipality_code"])


@dataclass(frozen=True)
class GoteborgArea:
    """One neighbourhood area of Göteborg and where it belongs."""

    code: str
    name: str
    district: str
    administration: str
    share: float
    profile: str
    moved: bool


def goteborg_areas() -> list[GoteborgArea]:
    """Göteborg's areas with their district (2011–2020) and administration (2021–); shares sum to one."""
    org = organisation()["goteborg"]
    raw = org["areas"]
    total = sum(a["share"] for a in raw.values())
    out = []
    for code, a in raw.items():
        district = a["district"]
        admin = a.get("moved_2021_to") or org["districts"][district]["administration"]
        out.append(
            GoteborgArea(
                code=f"{GOTEBORG}-{code}",
                name=a["name"],
                district=f"{GOTEBORG}-D-{district}",
                administration=f"{GOTEBORG}-A-{admin}",
                share=a["share"] / total,
                profile=a["profile"],
                moved="moved_2021_to" in a,
            )
        )
    return out


def area_codes_of(municipality: str) -> list[str]:
    """The area codes of one municipality (Göteborg's neighbourhoods, else the municipality itself)."""
    if municipality == GOTEBORG:
        return [a.code for a in goteborg_areas()]
    return [municipality]


def _unit(
    code: str,
    level: str,
    sv: str,
    en: str,
    parent: str | None,
    county: str | None,
    start: dt.date,
    end: dt.date | None,
) -> dict[str, Any]:
    return {
        "unit_code": code,
        "level": level,
        "name_sv": sv,
        "name_en": en,
        "parent_code": parent,
        "county_code": county,
        "valid_from": start,
        "valid_to": end,
    }


def build_units(municipality_codes: Iterable[str]) -> dict[str, pd.DataFrame]:
    """The reference tables `units`, `unit_crosswalk`, `areas` and `area_units` for the given municipalities.

    Always includes Sweden; includes GR when a GR municipality is present, and the counties of the others.
    """
    org = organisation()
    codes = sorted(set(municipality_codes))
    all_mun = municipalities().set_index("municipality_code")
    unknown = [c for c in codes if c not in all_mun.index]
    if unknown:
        raise ConfigurationError(f"unknown municipality codes {unknown}")
    country = org["country"]
    units = [_unit(country["code"], "country", country["sv"], country["en"], None, None, STRUCTURE_FROM, None)]
    gr = org["region"]
    if any(all_mun.loc[c, "in_gr"] for c in codes):
        units.append(_unit(gr["code"], "region", gr["sv"], gr["en"], country["code"], None, gr["valid_from"], None))
    counties = sorted({str(all_mun.loc[c, "county_code"]) for c in codes if not all_mun.loc[c, "in_gr"]})
    for county in counties:
        name = str(all_mun.loc[all_mun["county_code"] == county, "county_name"].iloc[0])
        units.append(_unit(county, "county", name, name, country["code"], None, STRUCTURE_FROM, None))
    areas: list[dict[str, Any]] = []
    area_units: list[dict[str, Any]] = []
    for code in codes:
        row = all_mun.loc[code]
        parent = gr["code"] if row["in_gr"] else str(row["county_code"])
        units.append(
            _unit(
                code,
                "municipality",
                row["name"],
                row["name"],
                parent,
                str(row["county_code"]),
                STRUCTURE_FROM,
                None,
            )
        )
        if code != GOTEBORG:
            areas.append({"area_code": code, "name": row["name"], "municipality_code": code})
            area_units.append(
                {
                    "area_code": code,
                    "unit_code": code,
                    "valid_from": STRUCTURE_FROM,
                    "valid_to": None,
                    "approximate": False,
                }
            )
    crosswalk: list[dict[str, Any]] = []
    if GOTEBORG in codes:
        _add_goteborg(org["goteborg"], units, areas, area_units, crosswalk)
    frames = {
        "units": pd.DataFrame(units),
        "unit_crosswalk": pd.DataFrame(
            crosswalk, columns=["from_unit", "to_unit", "population_share", "approximate", "note"]
        ),
        "areas": pd.DataFrame(areas),
        "area_units": pd.DataFrame(area_units),
    }
    return frames


def _add_goteborg(
    org: dict[str, Any],
    units: list[dict[str, Any]],
    areas: list[dict[str, Any]],
    area_units: list[dict[str, Any]],
    crosswalk: list[dict[str, Any]],
) -> None:
    d_from, d_to = org["districts_valid"]
    a_from = org["administrations_valid_from"]
    county = "14"
    for code, d in org["districts"].items():
        units.append(_unit(f"{GOTEBORG}-D-{code}", "district", d["sv"], d["sv"], GOTEBORG, county, d_from, d_to))
    for code, a in org["administrations"].items():
        units.append(_unit(f"{GOTEBORG}-A-{code}", "administration", a["sv"], a["en"], GOTEBORG, county, a_from, None))
    shares: dict[tuple[str, str], float] = {}
    district_share: dict[str, float] = {}
    for area in goteborg_areas():
        areas.append({"area_code": area.code, "name": area.name, "municipality_code": GOTEBORG})
        area_units.append(
            {
                "area_code": area.code,
                "unit_code": area.district,
                "valid_from": d_from,
                "valid_to": d_to,
                "approximate": False,
            }
        )
        area_units.append(
            {
                "area_code": area.code,
                "unit_code": area.administration,
                "valid_from": a_from,
                "valid_to": None,
                "approximate": False,
            }
        )
        shares[(area.district, area.administration)] = (
            shares.get((area.district, area.administration), 0.0) + area.share
        )
        district_share[area.district] = district_share.get(area.district, 0.0) + area.share
    split = {d for (d, _a) in shares if sum(1 for (d2, _b) in shares if d2 == d) > 1}
    for (district, admin), share in sorted(shares.items()):
        approximate = district in split
        crosswalk.append(
            {
                "from_unit": district,
                "to_unit": admin,
                "population_share": round(share / district_share[district], 4),
                "approximate": approximate,
                "note": "an industrial area of the district moved to Nordost in 2021" if approximate else None,
            }
        )
