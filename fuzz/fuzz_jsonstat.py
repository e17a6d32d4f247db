"""Fuzz the JSON-stat writer: cells of a release's long table, built from the fuzzed bytes, give datasets that
`check_jsonstat` finds valid, that are strict JSON (no NaN or Infinity) and that hold every cell where its
dimensions say. The checker itself must return problems, never raise, on the dataset with members replaced by
JSON values of any type.

Run: `.venv/bin/python fuzz/fuzz_jsonstat.py fuzz/seeds/jsonstat` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import json
import math
import sys
from typing import Any

import atheris
import pandas as pd

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.export.jsonstat import WARNINGS, check_jsonstat, datasets
    from socialstat.export.long import COLUMNS, TOTAL

BREAKDOWNS = ("total", "sex", "age_adults", "kind", "new_breakdown")
STATUSES = [None, None, "..", "-"]
META = {
    "indicators": {
        i: {"title": {"sv": f"Titel {i}", "en": f"Title {i}"}, "definition": {"sv": "Def", "en": "Def"},
            "unit_of_measure": {"sv": "antal", "en": "number"}}
        for i in ("A1", "B2")
    },
    "breakdowns": {"sex": {"F": {"sv": "Kvinnor", "en": "Women"}, "M": {"sv": "Män", "en": "Men"}}},
}  # fmt: skip
MANIFEST = {"name": "2026-fuzz", "created_at": "2026-01-01T00:00:00", "content_sha256": "0" * 64}


def _number(fdp: atheris.FuzzedDataProvider) -> float:
    kind = fdp.ConsumeIntInRange(0, 3)
    if kind == 0:
        return math.nan
    if kind == 1:
        return float(fdp.ConsumeIntInRange(0, 10**6))
    return fdp.ConsumeRegularFloat() if kind == 2 else fdp.ConsumeFloat()


def build_cells(fdp: atheris.FuzzedDataProvider) -> pd.DataFrame:
    """A long table of up to 40 distinct cells: indicators, structures, units, periods and breakdowns."""
    units = [fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 6)) for _ in range(fdp.ConsumeIntInRange(1, 4))]
    names = {u: fdp.ConsumeUnicodeNoSurrogates(4) if fdp.ConsumeBool() else None for u in units}
    levels = {u: fdp.ConsumeIntInRange(0, 3) if fdp.ConsumeBool() else None for u in units}
    rows, seen = [], set()
    for _ in range(fdp.ConsumeIntInRange(1, 40)):
        unit = units[fdp.ConsumeIntInRange(0, len(units) - 1)]
        breakdown = BREAKDOWNS[fdp.ConsumeIntInRange(0, len(BREAKDOWNS) - 1)]
        value = TOTAL if breakdown == "total" else fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 3))
        key = (fdp.PickValueInList(["A1", "B2"]), fdp.PickValueInList(["kommun", "sdf"]), unit,
               fdp.ConsumeIntInRange(2015, 2018), breakdown, value)  # fmt: skip
        if key in seen:
            continue
        seen.add(key)
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update(
            zip(("indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"), key, strict=True)
        )
        row.update(unit_name=names[unit], unit_name_en=names[unit], unit_level=levels[unit])
        row.update(value=_number(fdp), lower=_number(fdp), upper=_number(fdp), status=fdp.PickValueInList(STATUSES))
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


def check_dataset(doc: dict[str, Any], cells: pd.DataFrame) -> None:
    """The document is valid, strict JSON and holds each cell at the flat index of its coordinates."""
    errors = [p for p in check_jsonstat(doc) if p[0] not in WARNINGS]
    if errors:
        raise AssertionError(f"the writer's dataset is invalid: {errors}")
    json.dumps(doc, allow_nan=False)
    index = [doc["dimension"][d]["category"]["index"] for d in doc["id"]]
    columns = ["unit_code", "period", *(["breakdown_value"] if len(doc["id"]) == 3 else [])]
    for row in cells.itertuples(index=False):
        flat = 0
        for categories, column in zip(index, columns, strict=True):
            coordinate = getattr(row, column)
            flat = flat * len(categories) + categories.index(str(coordinate) if column == "period" else coordinate)
        value = doc["value"][flat]
        if (value is None) != bool(pd.isna(row.value) or math.isinf(row.value)) or (
            value is not None and value != row.value
        ):
            raise AssertionError(f"cell {flat}: {value!r} for {row.value!r}")


def json_value(fdp: atheris.FuzzedDataProvider) -> Any:
    """A small JSON value of any type."""
    kind = fdp.ConsumeIntInRange(0, 7)
    small = [None, fdp.ConsumeBool(), fdp.ConsumeIntInRange(-2, 5), fdp.ConsumeRegularFloat(),
             fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, 3))]  # fmt: skip
    if kind < len(small):
        return small[kind]
    if kind == 5:
        return [json_value(fdp) for _ in range(fdp.ConsumeIntInRange(0, 2))]
    return {fdp.ConsumeUnicodeNoSurrogates(2): json_value(fdp) for _ in range(fdp.ConsumeIntInRange(0, 2))}


def mutate(node: Any, fdp: atheris.FuzzedDataProvider) -> Any:
    """`node` with one member somewhere below it replaced by a JSON value of any type (or itself replaced)."""
    children = list(node) if isinstance(node, dict) else list(range(len(node))) if isinstance(node, list) else []
    if not children or fdp.ConsumeIntInRange(0, 4) == 0:
        return json_value(fdp)
    key = children[fdp.ConsumeIntInRange(0, len(children) - 1)]
    node[key] = mutate(node[key], fdp)
    return node


def one_input(data: bytes) -> None:
    """Write datasets of fuzzed cells, check them, then check mutated copies; raise only on a bug."""
    fdp = atheris.FuzzedDataProvider(data)
    long = build_cells(fdp)
    lang = fdp.PickValueInList(["sv", "en"])
    for name, doc in datasets(long, META, MANIFEST, lang):
        indicator, structure, breakdown = name.split("-")
        chosen = long[(long["indicator"] == indicator) & (long["structure"] == structure)]
        chosen = chosen[chosen["breakdown"].isin(["total", breakdown])]
        check_dataset(doc, chosen)
        mutated = json.loads(json.dumps(doc))
        for _ in range(fdp.ConsumeIntInRange(0, 3)):
            mutated = mutate(mutated, fdp)
        check_jsonstat(mutated)  # problems or none, never an exception


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
