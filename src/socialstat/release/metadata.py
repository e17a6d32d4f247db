"""A release's metadata: what its cells mean, written beside them as `metadata.json`.

Everything an output needs to label and explain a cell without the store: for each indicator in the release
its catalogue entry (titles, definition, unit of measure, statistic, polarity, breakdowns, source, law) in
Swedish and English, with the phrase sentences name it by, whether it is a key figure and its definition
changes; the units (code, name, level, parent); the structures and periods; the symbols; and the
footnotes that cells refer to in their `note` column.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pandas as pd

from socialstat.disclosure.rules import DisclosureRules
from socialstat.indicators.spec import Text, indicator_areas, load_catalogue
from socialstat.model import load_model

FOOTNOTES = {
    "approximate_units": Text(
        "Uppgiften för enheten är skattad: verksamhetssystemets områden motsvarar inte enheten exakt, och en "
        "del av dem har fördelats efter befolkning.",
        "The figure for this unit is estimated: the case system's areas do not match the unit exactly, and some "
        "were apportioned by population.",
    ),
    "incomplete_year": Text(
        "Underlaget täcker inte hela året, eller inte den tid före året som uppgiften ser tillbaka på.",
        "The data do not cover the whole year, or not the time before the year that the figure looks back on.",
    ),
}
YES_NO = {"true": Text("Ja", "Yes"), "false": Text("Nej", "No")}
UNIT_COLUMNS = ["unit_code", "name_sv", "name_en", "level", "parent_code", "valid_from", "valid_to"]


def metadata(
    cells: pd.DataFrame, units: pd.DataFrame, structures: tuple[str, ...], rules: DisclosureRules
) -> dict[str, Any]:
    """The metadata of a release whose published cells are `cells`."""
    catalogue = load_catalogue()
    used = sorted(cells["indicator"].unique())
    present = units[units["unit_code"].isin(set(cells["unit_code"]))]
    present = present[[c for c in UNIT_COLUMNS if c in present.columns]].drop_duplicates()
    notes = sorted(n for n in cells["note"].unique() if n)
    return {
        "indicators": {i: _indicator(catalogue[i]) for i in used},
        "units": [
            {k: _plain(v) for k, v in row.items()}
            for row in present.sort_values(["unit_code", *present.columns[1:2]]).to_dict("records")
        ],
        "structures": list(structures),
        "periods": sorted(int(p) for p in cells["period"].unique()),
        "symbols": {
            rules.suppressed_symbol: _text(
                Text(
                    f"Uppgift visas inte: den bygger på färre än {rules.threshold} personer, eller skulle låta "
                    "någon räkna ut en sådan uppgift.",
                    f"Not shown: it rests on fewer than {rules.threshold} persons, or would let a reader work "
                    "out such a figure.",
                )
            ),
            rules.zero_symbol: _text(Text("Inget finns att redovisa (noll).", "Nothing to report (zero).")),
        },
        "footnotes": {n: _text(FOOTNOTES[n]) for n in notes},
        "areas": {a: _text(t) for a, t in indicator_areas().items()},
        "breakdowns": breakdown_labels(cells),
    }


def breakdown_labels(cells: pd.DataFrame) -> dict[str, dict[str, dict[str, str]]]:
    """For each breakdown in `cells`, each value's Swedish and English label: from the model's code list of the
    column the breakdown is named after, `Ja`/`Nej` for yes/no columns, else the value itself (age bands)."""
    model = load_model()
    lists: dict[str, str] = {}
    booleans: set[str] = set()
    for table in model.tables.values():
        for column in table.columns:
            if column.codes:
                lists.setdefault(column.name, column.codes)
            elif column.type == "boolean":
                booleans.add(column.name)
    found: dict[str, dict[str, dict[str, str]]] = {}
    for breakdown, values in cells.groupby("breakdown")["breakdown_value"]:
        labels = {}
        for value in sorted(set(values)):
            if breakdown in lists and value in model.codes(lists[str(breakdown)]).values():
                code_list = model.codes(lists[str(breakdown)])
                labels[value] = {"sv": code_list.label(value, "sv"), "en": code_list.label(value, "en")}
            elif breakdown in booleans and value in YES_NO:
                labels[value] = _text(YES_NO[value])
            else:
                labels[value] = {"sv": value, "en": value}
        found[str(breakdown)] = labels
    return found


def _plain(value: Any) -> str | None:
    """A unit's field as JSON text: dates as YYYY-MM-DD, missing as null."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, dt.date):  # a pandas Timestamp is a datetime is a date
        return value.strftime("%Y-%m-%d")
    return str(value)


def _text(text: Text) -> dict[str, str]:
    return {"sv": text.sv, "en": text.en}


def indicator_metadata(indicator: str) -> dict[str, Any]:
    """One indicator's entry as the current catalogue has it (for a release made before a field existed)."""
    return _indicator(load_catalogue()[indicator])


def _indicator(ind: Any) -> dict[str, Any]:
    return {
        "area": ind.area,
        "title": _text(ind.title),
        "definition": _text(ind.definition),
        "unit_of_measure": _text(ind.unit_of_measure),
        "statistic": ind.statistic,
        "measure": ind.numerator.measure,
        "multiplier": ind.multiplier,
        "polarity": ind.polarity,
        "breakdowns": list(ind.breakdowns),
        "source": _text(ind.source),
        "legal": ind.legal,
        "subject": {
            "sv": ind.subject.sv,
            "en": ind.subject.en,
            "gender": ind.subject.gender,
            **({"unit": _text(ind.subject.unit)} if ind.subject.unit else {}),
        },
        "key_figure": ind.key_figure,
        "revisions": [{"year": r.year, **_text(r.text)} for r in ind.revisions],
    }
