"""A release's indicator tables as PX files, in Swedish (the default language) and English.

One file per indicator table (as for JSON-stat): stub `unit` (codes the unit codes, labels their names) and,
when the table has one, the breakdown (with `Total` first); heading `period` (a time variable). Suppressed
cells are `".."`, zeros `"-"`, and a combination the release has no cell for `"."`. Values are written with up to
15 decimals (`socialstat.px.write_px`), so they read back to the release's.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pandas as pd

from socialstat.export.long import BREAKDOWNS, TOTAL, TOTAL_LABEL, indicator_tables, unit_label, unit_order
from socialstat.folders import LANGUAGES
from socialstat.px import PxSpec, PxVariable

UNIT = {"sv": "enhet", "en": "unit"}
PERIOD = {"sv": "år", "en": "year"}
SYMBOL_TEXTS = {
    "..": {"sv": "Uppgift visas inte (röjandekontroll)", "en": "Not shown (disclosure control)"},
    "-": {"sv": "Inget finns att redovisa", "en": "Nothing to report"},
    ".": {"sv": "Uppgift kan inte förekomma", "en": "Cannot occur"},
}


def px_tables(long: pd.DataFrame, meta: dict[str, Any], manifest: dict[str, Any]) -> Iterator[tuple[str, PxSpec]]:
    """(name, spec) for every indicator table of the long table of a release."""
    for indicator, structure, breakdown, cells in indicator_tables(long):
        name = f"{indicator}-{structure}-{breakdown}"
        yield name, _spec(name, indicator, breakdown, cells, meta, manifest)


def _spec(
    name: str, indicator: str, breakdown: str, cells: pd.DataFrame, meta: dict[str, Any], manifest: dict[str, Any]
) -> PxSpec:
    info = meta["indicators"][indicator]
    units = unit_order(cells)
    names = {
        "sv": dict(zip(cells["unit_code"], cells["unit_name"], strict=True)),
        "en": dict(zip(cells["unit_code"], cells["unit_name_en"], strict=True)),
    }
    labels = {lang: [unit_label(names[lang].get(u), u) for u in units] for lang in LANGUAGES}
    stub = [PxVariable(dict(UNIT), labels, units)]
    keys = ["unit_code"]
    if breakdown != "total":
        values = [TOTAL, *sorted(set(cells["breakdown_value"]) - {TOTAL})]
        labels = meta.get("breakdowns", {}).get(breakdown, {})
        sv, en = BREAKDOWNS.get(breakdown, (breakdown, breakdown))
        stub.append(
            PxVariable(
                {"sv": sv, "en": en},
                {lang: [TOTAL_LABEL[lang] if v == TOTAL else labels.get(v, {}).get(lang, v) for v in values]
                 for lang in LANGUAGES},
                values,
            )
        )  # fmt: skip
        keys.append("breakdown_value")
    periods = [str(p) for p in sorted(cells["period"].unique())]
    heading = [PxVariable(dict(PERIOD), dict.fromkeys(LANGUAGES, periods), periods, time=True)]
    keys.append("period")
    by_key = {tuple(str(v) for v in k): row for k, row in zip(
        cells[keys].itertuples(index=False, name=None), cells.itertuples(index=False), strict=True
    )}  # fmt: skip
    grid = [[*k] for k in _product([units, *([stub[1].codes or []] if len(stub) > 1 else []), periods])]
    found = [by_key.get(tuple(k)) for k in grid]
    area = meta.get("areas", {}).get(info["area"], {"sv": info["area"], "en": info["area"]})
    return PxSpec(
        matrix=name,
        languages=LANGUAGES,
        title={lang: f"{info['title'][lang]} ({cells['structure'].iloc[0]})" for lang in LANGUAGES},
        contents={lang: info["title"][lang] for lang in LANGUAGES},
        units={lang: info["unit_of_measure"][lang] for lang in LANGUAGES},
        subject_code=indicator[:2],
        subject_area={lang: area[lang] for lang in LANGUAGES},
        stub=stub,
        heading=heading,
        values=[None if row is None or pd.isna(row.value) else float(row.value) for row in found],
        symbols=[("." if row is None else (row.status or None)) for row in found],
        showdecimals=0 if info["statistic"] == "count" else 1,
        source={
            lang: f"socialstat, {'utgåva' if lang == 'sv' else 'release'} {manifest['name']}" for lang in LANGUAGES
        },
        notes={lang: info["definition"][lang] for lang in LANGUAGES},
        last_updated=_px_date(manifest["created_at"]),
        symbol_texts=SYMBOL_TEXTS,
    )


def _product(lists: list[list[str]]) -> Iterator[tuple[str, ...]]:
    if not lists:
        yield ()
        return
    for head in lists[0]:
        for rest in _product(lists[1:]):
            yield (head, *rest)


def _px_date(iso: str) -> str:
    """`2026-11-26T01:46:09Z` → `20261126 01:46` (PX dates: CCYYMMDD hh:mm)."""
    return f"{iso[0:4]}{iso[5:7]}{iso[8:10]} {iso[11:16]}"
