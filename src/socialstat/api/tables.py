"""A release's indicator tables as the PxWeb API 2.0 serves them: table objects, metadata and data selections.

Everything comes from the release folder (cells, metadata, manifest), read once when the server starts; the
store is never opened. A table is an indicator table as in the exports (`IND-STRUCTURE-BREAKDOWN`), its data a
JSON-stat 2.0 dataset (`socialstat.export.jsonstat`) in PxWeb's form: every category labelled, `index` an
object. A selection keeps, per variable, the chosen value codes (`*`, `prefix*`, `*suffix`, `*part*`
wildcards), in the table's order.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from socialstat.errors import SocialstatError
from socialstat.export.jsonstat import table_dataset
from socialstat.export.long import indicator_tables, long_cells
from socialstat.release import read_release

LANGUAGES = ("sv", "en")
LANGUAGE_LABELS = {"sv": "Svenska", "en": "English"}


class SelectionError(SocialstatError):
    """A data selection names an unknown variable or value, or asks for too many cells."""


@dataclass(frozen=True)
class ApiTable:
    """One indicator table."""

    id: str
    indicator: str
    structure: str
    breakdown: str
    cells: pd.DataFrame


class ReleaseTables:
    """The tables of one release folder."""

    def __init__(self, folder: str | Path) -> None:
        self.release = read_release(folder)
        self.meta = self.release.metadata()
        long = long_cells(self.release)
        self.tables = {
            f"{i}-{s}-{b}": ApiTable(f"{i}-{s}-{b}", i, s, b, cells) for i, s, b, cells in indicator_tables(long)
        }
        self._datasets: dict[tuple[str, str], dict[str, Any]] = {}
        self._infos: dict[tuple[str, str], dict[str, Any]] = {}
        self._json: dict[tuple[str, str, str], bytes] = {}  # serialised once: the answers asked most

    @cached_property
    def updated(self) -> str:
        """When the release was created (ISO 8601)."""
        return str(self.release.manifest["created_at"])

    def table(self, table_id: str) -> ApiTable:
        """The table, or KeyError."""
        return self.tables[table_id]

    def info(self, table: ApiTable, lang: str, base: str) -> dict[str, Any]:
        """The table as `/tables` lists it (worked out once per language; only the links follow the request)."""
        key = (table.id, lang)
        if key not in self._infos:
            self._infos[key] = self._info(table, lang)
        return {**self._infos[key], "links": _links(f"{base}/tables/{table.id}", lang)}

    def _info(self, table: ApiTable, lang: str) -> dict[str, Any]:
        indicator = self.meta["indicators"][table.indicator]
        area = self.meta.get("areas", {}).get(indicator["area"], {}).get(lang, indicator["area"])
        periods = sorted(table.cells["period"].unique())
        variables = ["unit", *([table.breakdown] if table.breakdown != "total" else []), "period"]
        return {
            "id": table.id,
            "label": f"{indicator['title'][lang]} ({table.structure})",
            "description": indicator["definition"][lang],
            "sortCode": table.id,
            "updated": self.updated,
            "firstPeriod": str(periods[0]),
            "lastPeriod": str(periods[-1]),
            "category": "public",
            "variableNames": variables,
            "source": f"socialstat {self.release.name}",
            "subjectCode": indicator["area"],
            "timeUnit": "Annual",
            "discontinued": False,
            "paths": [[{"id": indicator["area"], "label": area, "sortCode": indicator["area"]}]],
        }

    def dataset(self, table: ApiTable, lang: str) -> dict[str, Any]:
        """The whole table as a JSON-stat 2.0 dataset in PxWeb's form."""
        key = (table.id, lang)
        if key not in self._datasets:
            breakdown = None if table.breakdown == "total" else table.breakdown
            doc = table_dataset(table.cells, breakdown, self.meta, self.release.manifest, lang)
            for dimension in doc["dimension"].values():
                category = dimension["category"]
                codes = category["index"]
                labels = category.get("label", {})
                category["index"] = {code: k for k, code in enumerate(codes)}
                category["label"] = {code: labels.get(code, code) for code in codes}
            self._datasets[key] = doc
        return self._datasets[key]

    def size(self, table: ApiTable) -> int:
        """The number of cells of the whole table."""
        return math.prod(self.dataset(table, LANGUAGES[0])["size"])

    def metadata_json(self, table: ApiTable, lang: str) -> bytes:
        """The table's metadata (its dataset without values) as JSON."""
        return self._serialised("metadata", table, lang)

    def data_json(self, table: ApiTable, lang: str) -> bytes:
        """The whole table's dataset as JSON."""
        return self._serialised("data", table, lang)

    def _serialised(self, kind: str, table: ApiTable, lang: str) -> bytes:
        key = (kind, table.id, lang)
        if key not in self._json:
            doc = self.dataset(table, lang)
            if kind == "metadata":  # no values, and no intervals (they are values too)
                doc = {k: v for k, v in doc.items() if k not in ("value", "status")}
                doc["extension"] = {k: v for k, v in doc["extension"].items() if k not in ("lower", "upper")}
            self._json[key] = json.dumps(doc, ensure_ascii=False).encode("utf-8")
        return self._json[key]

    def select(self, table: ApiTable, lang: str, selection: dict[str, list[str]], max_cells: int) -> dict[str, Any]:
        """The dataset restricted to `selection` (variable → value codes; a variable left out keeps all)."""
        doc = self.dataset(table, lang)
        ids, sizes = doc["id"], doc["size"]
        unknown = sorted(set(selection) - set(ids))
        if unknown:
            raise SelectionError(f"table {table.id} has no variables {unknown}; it has {ids}")
        keep = []
        for d in ids:
            codes = list(doc["dimension"][d]["category"]["index"])
            keep.append(_chosen(d, codes, selection.get(d, ["*"])))
        cells = math.prod(len(k) for k in keep)
        if cells > max_cells:
            raise SelectionError(f"the selection has {cells} cells, more than the {max_cells} a request may ask for")
        status = np.full(math.prod(sizes), "", dtype=object)
        for flat, symbol in doc.get("status", {}).items():
            status[int(flat)] = symbol
        grid = np.ix_(*keep)

        def pick(values: Any) -> list[Any]:
            return list(np.asarray(values, dtype=object).reshape(sizes)[grid].ravel().tolist())

        out = {k: v for k, v in doc.items() if k not in ("value", "status", "extension", "dimension", "size")}
        out["dimension"] = {}
        for d, positions in zip(ids, keep, strict=True):
            category = doc["dimension"][d]["category"]
            codes = [list(category["index"])[p] for p in positions]
            out["dimension"][d] = {
                "label": doc["dimension"][d]["label"],
                "category": {
                    "index": {c: k for k, c in enumerate(codes)},
                    "label": {c: category["label"][c] for c in codes},
                },
            }
        out["size"] = [len(k) for k in keep]
        out["value"] = pick(doc["value"])
        symbols = pick(status)
        if any(symbols):
            out["status"] = {str(k): s for k, s in enumerate(symbols) if s}
        extension = dict(doc["extension"])
        extension["lower"], extension["upper"] = pick(extension["lower"]), pick(extension["upper"])
        out["extension"] = extension
        return out


def _chosen(variable: str, codes: list[str], wanted: list[str]) -> list[int]:
    """Positions of the chosen codes, in the table's order; wildcards expanded."""
    chosen: set[int] = set()
    for pattern in dict.fromkeys(wanted):  # each pattern once, however often it is asked for
        if "*" in pattern.strip("*"):
            raise SelectionError(f"{variable}: {pattern!r}: a wildcard may only start or end a value code")
        if pattern.startswith("*") and pattern.endswith("*"):
            hits = [k for k, c in enumerate(codes) if pattern.strip("*") in c]
        elif pattern.endswith("*"):
            hits = [k for k, c in enumerate(codes) if c.startswith(pattern[:-1])]
        elif pattern.startswith("*"):
            hits = [k for k, c in enumerate(codes) if c.endswith(pattern[1:])]
        else:
            hits = [codes.index(pattern)] if pattern in codes else []
        if not hits and "*" not in pattern:
            raise SelectionError(f"{variable} has no value {pattern!r}")
        chosen.update(hits)
    if not chosen:
        raise SelectionError(f"the selection of {variable} matches no value")
    return sorted(chosen)


def _links(href: str, lang: str) -> list[dict[str, str]]:
    other = "en" if lang == "sv" else "sv"
    return [
        {"rel": "self", "hreflang": lang, "href": f"{href}?lang={lang}"},
        {"rel": "alternate", "hreflang": other, "href": f"{href}?lang={other}"},
        {"rel": "metadata", "hreflang": lang, "href": f"{href}/metadata?lang={lang}"},
        {"rel": "data", "hreflang": lang, "href": f"{href}/data?lang={lang}&outputFormat=json-stat2"},
    ]
