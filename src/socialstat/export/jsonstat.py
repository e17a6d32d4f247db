"""JSON-stat 2.0: a release's tables as datasets, and a checker of the format's rules.

`datasets(long, meta, ...)` makes one dataset per indicator table: an indicator, a unit structure and a
breakdown (with its `Total`), or the indicator's totals alone. Dimensions `unit` (role geo), `period` (role
time) and the breakdown, if any; `value` dense, row-major with the last dimension varying fastest, `null` where a
cell is suppressed or absent; `status` an object by flat index holding `..` (suppressed) or `-` (zero);
`extension` the intervals, indicator, structure and release (https://json-stat.org/full/).

`check_jsonstat(doc)` returns the problems of a document as (code, message) pairs, with the codes of the
JSON-stat organisation's validator (tests/data/jsonstat/validator_cases.json): the writer's output is checked
with it, and it is tested against the official cases. `METRIC_UNIT_MISSING` is a warning, not an error.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from typing import Any

import pandas as pd

from socialstat.export.long import BREAKDOWNS, TOTAL, TOTAL_LABEL, indicator_tables, unit_label, unit_order

WARNINGS = frozenset({"METRIC_UNIT_MISSING"})
DIMENSION_LABELS = {
    "unit": {"sv": "Enhet", "en": "Unit"},
    "period": {"sv": "År", "en": "Year"},
}


def table_name(indicator: str, structure: str, breakdown: str) -> str:
    """The file name (without .json) of one indicator table."""
    return f"{indicator}-{structure}-{breakdown}"


def datasets(long: pd.DataFrame, meta: dict[str, Any], manifest: dict[str, Any], lang: str = "sv") -> Iterator[
    tuple[str, dict[str, Any]]
]:  # fmt: skip
    """(name, dataset) for every indicator table of the long table of a release."""
    for indicator, structure, breakdown, cells in indicator_tables(long):
        chosen = None if breakdown == "total" else breakdown
        yield table_name(indicator, structure, breakdown), table_dataset(cells, chosen, meta, manifest, lang)


def table_dataset(
    cells: pd.DataFrame, breakdown: str | None, meta: dict[str, Any], manifest: dict[str, Any], lang: str
) -> dict[str, Any]:
    first = cells.iloc[0]
    info = meta["indicators"][first["indicator"]]
    units = unit_order(cells)
    periods = [str(p) for p in sorted(cells["period"].unique())]
    names = dict(zip(cells["unit_code"], cells["unit_name" if lang == "sv" else "unit_name_en"], strict=True))
    dimension: dict[str, Any] = {
        "unit": {
            "label": DIMENSION_LABELS["unit"][lang],
            "category": {"index": units, "label": {u: unit_label(names.get(u), u) for u in units}},
        },
        "period": {"label": DIMENSION_LABELS["period"][lang], "category": {"index": periods}},
    }
    ids = ["unit", "period"]
    key = ["unit_code", "period"]
    if breakdown is not None:
        values = [TOTAL, *sorted(set(cells["breakdown_value"]) - {TOTAL})]
        labels = meta.get("breakdowns", {}).get(breakdown, {})
        variable = BREAKDOWNS.get(breakdown, (breakdown, breakdown))
        dimension[breakdown] = {
            "label": variable[0] if lang == "sv" else variable[1],
            "category": {
                "index": values,
                "label": {v: labels.get(v, {}).get(lang, v) if v != TOTAL else TOTAL_LABEL[lang] for v in values},
            },
        }
        ids.append(breakdown)
        key.append("breakdown_value")
    sizes = [len(dimension[d]["category"]["index"]) for d in ids]
    n = math.prod(sizes)
    value: list[float | None] = [None] * n
    lower: list[float | None] = [None] * n
    upper: list[float | None] = [None] * n
    status: dict[str, str] = {}
    positions = [{c: k for k, c in enumerate(dimension[d]["category"]["index"])} for d in ids]
    for row in cells.itertuples(index=False):
        at = [getattr(row, c) for c in key]
        at[1] = str(at[1])
        flat = 0
        for j, coordinate in enumerate(at):
            flat = flat * sizes[j] + positions[j][coordinate]
        value[flat], lower[flat], upper[flat] = (_number(row.value), _number(row.lower), _number(row.upper))
        if isinstance(row.status, str) and row.status:  # not None, nor NaN (pandas' missing text)
            status[str(flat)] = row.status
    document: dict[str, Any] = {
        "version": "2.0",
        "class": "dataset",
        "label": f"{info['title'][lang]} ({first['structure']})",
        "source": f"socialstat release {manifest['name']}",
        "updated": manifest["created_at"],
        "id": ids,
        "size": sizes,
        "role": {"geo": ["unit"], "time": ["period"]},
        "dimension": dimension,
        "value": value,
        "note": [info["definition"][lang]],
        "extension": {
            "indicator": first["indicator"],
            "structure": first["structure"],
            "unit_of_measure": info.get("unit_of_measure", {}).get(lang, ""),
            "release": manifest["name"],
            "release_sha256": manifest["content_sha256"],
            "lower": lower,
            "upper": upper,
        },
    }
    if status:
        document["status"] = status
    return document


def _number(value: float) -> float | None:
    """A JSON number, or None (null) for a missing or infinite value: JSON has no NaN or Infinity."""
    return None if pd.isna(value) or math.isinf(value) else float(value)


def check_jsonstat(doc: Any) -> list[tuple[str, str]]:
    """The problems of a JSON-stat 2.0 document: [(code, message)], empty when it is valid (warnings included:
    see WARNINGS)."""
    if not isinstance(doc, dict):
        return [("NOT_AN_OBJECT", "a JSON-stat document is an object")]
    if "class" not in doc and any(isinstance(v, dict) and "dimension" in v for v in doc.values()):
        return [("BUNDLE_DEPRECATED", "a bundle of datasets without `class` is JSON-stat 1.x: use a collection")]
    if doc.get("class") == "collection":
        link = doc.get("link", {})
        items = link.get("item", []) if isinstance(link, dict) else None
        if not isinstance(items, list):
            return [("STRUCTURAL_VIOLATION", "/link/item: a collection's link.item is an array")]
        found = []
        for k, item in enumerate(items):
            if isinstance(item, dict) and item.get("class") == "dataset" and "id" in item:
                found += [(code, f"item {k}: {message}") for code, message in _check_dataset(item)]
        return found
    if doc.get("class") != "dataset":
        return [("CLASS_UNKNOWN", f"class {doc.get('class')!r}: expected dataset or collection")]
    return _check_dataset(doc)


def _structure(doc: dict[str, Any]) -> list[tuple[str, str]]:
    """Members that are not of the JSON type the schema gives them (the validator's structural pass, whose code
    is STRUCTURAL_VIOLATION); the other checks rely on these types."""
    dims, role, sizes = doc.get("dimension", {}), doc.get("role") or {}, doc.get("size", [])
    wanted = [
        ("/id", _texts(doc.get("id", [])), "an array of strings"),
        ("/size", isinstance(sizes, list) and all(type(n) is int and n >= 0 for n in sizes), "an array of counts"),
        ("/dimension", isinstance(dims, dict) and all(isinstance(d, dict | None) for d in dims.values()), "an object"),
        ("/role", isinstance(role, dict) and all(map(_texts, role.values())), "an object of arrays of ids"),
        ("/value", isinstance(doc.get("value", []), list | dict), "an array or an object"),
        ("/status", isinstance(doc.get("status", []), list | dict | str), "an array, an object or a string"),
    ]
    for name, dim in dims.items() if isinstance(dims, dict) else ():
        category, where = dim.get("category", {}) if isinstance(dim, dict) else {}, f"/dimension/{name}/category"
        if not isinstance(category, dict):
            wanted.append((where, False, "an object"))
            continue
        index, child = category.get("index"), category.get("child") or {}
        positions = isinstance(index, dict) and all(type(p) is int for p in index.values())
        wanted.append((f"{where}/index", index is None or _texts(index) or positions, "an array or an object"))
        wanted.append((f"{where}/child", isinstance(child, dict) and all(map(_texts, child.values())), "an object"))
        for part in ("label", "unit", "coordinates", "note"):
            wanted.append((f"{where}/{part}", isinstance(category.get(part) or {}, dict), "an object"))
    return [("STRUCTURAL_VIOLATION", f"{where}: must be {what}") for where, ok, what in wanted if not ok]


def _texts(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(x, str) for x in value)


def _check_dataset(doc: dict[str, Any]) -> list[tuple[str, str]]:
    wrong = _structure(doc)
    if wrong:
        return wrong
    ids, sizes, dims = doc.get("id", []), doc.get("size", []), doc.get("dimension", {})
    if len(ids) != len(sizes):
        return [("ID_SIZE_LEN_MISMATCH", f"id has {len(ids)} dimensions, size {len(sizes)}")]
    if set(ids) != set(dims):
        return [("DIM_KEY_ID_MISMATCH", f"dimension keys {sorted(dims)} are not the ids {ids}")]
    problems: list[tuple[str, str]] = []
    n = math.prod(sizes)
    value = doc.get("value")
    if isinstance(value, list) and len(value) != n:
        problems.append(("VALUE_LEN_MISMATCH", f"value has {len(value)} entries, the sizes give {n}"))
    if isinstance(value, dict) and any(not _flat(k) or int(k) >= n for k in value):
        problems.append(("SPARSE_KEY_OUT_OF_RANGE", f"a sparse value key is not a flat index below {n}"))
    status = doc.get("status")
    if isinstance(status, list) and len(status) not in (1, n):
        problems.append(("STATUS_LEN_MISMATCH", f"status has {len(status)} entries: 1 or {n} expected"))
    if isinstance(status, dict) and any(not _flat(k) or int(k) >= n for k in status):
        problems.append(("STATUS_KEY_OUT_OF_RANGE", f"a status key is not a flat index below {n}"))
    for role, members in (doc.get("role") or {}).items():
        unknown = [m for m in members if m not in ids]
        if unknown:
            problems.append(("ROLE_ID_UNKNOWN", f"role {role} names dimensions that do not exist: {unknown}"))
    metric = set((doc.get("role") or {}).get("metric", []))
    for d, size in zip(ids, sizes, strict=True):
        problems += _check_category(d, (dims[d] or {}).get("category", {}), size, d in metric)
    return problems


def _flat(key: str) -> bool:
    """A flat index as an object key: ASCII digits (int() refuses some that str.isdigit() accepts, e.g. '²')."""
    return key.isascii() and key.isdigit()


def _check_category(name: str, category: dict[str, Any], size: int, metric: bool) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    index = category.get("index")
    if isinstance(index, list):
        ids = list(index)
    elif isinstance(index, dict):
        ids = list(index)
        if sorted(index.values()) != list(range(len(index))):
            problems.append(("INDEX_POSITIONS_INVALID", f"{name}: index positions are not 0..{len(index) - 1}"))
    else:
        ids = list(category.get("label", {}))
    if len(ids) != size:
        problems.append(("INDEX_COUNT_MISMATCH", f"{name}: {len(ids)} categories, size {size}"))
    known = set(ids)
    for part, code in (("label", "LABEL"), ("unit", "UNIT"), ("coordinates", "COORD"), ("note", "NOTE")):
        if index is None and part == "label":
            continue
        unknown = sorted(set(category.get(part) or {}) - known)
        if unknown:
            problems.append((f"{code}_KEY_UNKNOWN", f"{name}: {part} of unknown categories {unknown}"))
    child = category.get("child") or {}
    unknown = sorted({p for p in child if p not in known} | {c for cs in child.values() for c in cs if c not in known})
    if unknown:
        problems.append(("CHILD_ID_UNKNOWN", f"{name}: child names unknown categories {unknown}"))
    elif _cycle(child):
        problems.append(("CHILD_CYCLE", f"{name}: the child hierarchy has a cycle"))
    if metric and not category.get("unit"):
        problems.append(("METRIC_UNIT_MISSING", f"{name}: a metric dimension without units"))
    return problems


def _cycle(child: dict[str, list[str]]) -> bool:
    state: dict[str, int] = {}  # 1 visiting, 2 done

    def visit(node: str) -> bool:
        if state.get(node) == 1:
            return True
        if state.get(node) == 2:
            return False
        state[node] = 1
        if any(visit(c) for c in child.get(node, [])):
            return True
        state[node] = 2
        return False

    return any(visit(node) for node in child)
