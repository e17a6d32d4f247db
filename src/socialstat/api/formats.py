"""A data selection (a JSON-stat 2.0 dataset) in the API's other output formats: CSV, Excel, Parquet and PX.

CSV has one row per cell: each variable's label, the value and its status. Excel and Parquet have, per variable,
its code and its label, then the value and the status. PX has the selection in one language: the variables
other than `period` in the stub, `period` in the heading (a time variable), symbols for suppressed cells.
"""

from __future__ import annotations

import io
import itertools
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from socialstat.px import PxSpec, PxVariable, write_px

MEDIA = {
    "json-stat2": "application/json",
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
    "px": "application/octet-stream",
}


def render(doc: dict[str, Any], output: str, lang: str) -> bytes:
    """The selection `doc` as `output` (one of MEDIA's keys but json-stat2)."""
    if output == "csv":
        return _csv(doc).encode("utf-8")
    if output == "parquet":
        buffer = io.BytesIO()
        frame(doc).to_parquet(buffer, index=False)
        return buffer.getvalue()
    if output == "xlsx":
        buffer = io.BytesIO()
        with pd.ExcelWriter(buffer, engine="xlsxwriter") as writer:
            frame(doc).to_excel(writer, sheet_name="data", index=False)
        return buffer.getvalue()
    if output == "px":
        return _px(doc, lang)
    raise ValueError(f"no renderer for {output!r}")


def frame(doc: dict[str, Any]) -> pd.DataFrame:
    """One row per cell: per variable its code and its label, the value and the status."""
    ids = doc["id"]
    categories = [doc["dimension"][d]["category"] for d in ids]
    codes = [list(c["index"]) for c in categories]
    columns: dict[str, list[Any]] = {}
    combinations = list(itertools.product(*codes))
    for j, d in enumerate(ids):
        columns[d] = [c[j] for c in combinations]
        columns[f"{d}_label"] = [categories[j]["label"][c[j]] for c in combinations]
    status = doc.get("status", {})
    columns["value"] = [np.nan if v is None else float(v) for v in doc["value"]]
    columns["status"] = [status.get(str(k), "") for k in range(len(combinations))]
    return pd.DataFrame(columns)


def _csv(doc: dict[str, Any]) -> str:
    ids = doc["id"]
    labels = [list(doc["dimension"][d]["category"]["label"].values()) for d in ids]
    status = doc.get("status", {})
    out = io.StringIO()
    out.write(",".join([*(doc["dimension"][d]["label"] for d in ids), "value", "status"]) + "\n")
    for flat, combination in enumerate(itertools.product(*labels)):
        value = doc["value"][flat]
        row = [*combination, "" if value is None else repr(float(value)), status.get(str(flat), "")]
        out.write(",".join(_csv_field(str(v)) for v in row) + "\n")
    return out.getvalue()


def _csv_field(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def _px(doc: dict[str, Any], lang: str) -> bytes:
    ids = doc["id"]
    stub_ids = [d for d in ids if d != "period"]
    order = [ids.index(d) for d in [*stub_ids, "period"]]  # PX: stub slowest, the heading last

    def variable(d: str) -> PxVariable:
        category = doc["dimension"][d]["category"]
        codes = list(category["index"])
        return PxVariable(
            {lang: doc["dimension"][d]["label"]}, {lang: [category["label"][c] for c in codes]}, codes,
            time=d == "period",
        )  # fmt: skip

    status = np.full(len(doc["value"]), "", dtype=object)
    for flat, symbol in doc.get("status", {}).items():
        status[int(flat)] = symbol
    values = np.asarray(doc["value"], dtype=object).reshape(doc["size"]).transpose(order).ravel().tolist()
    symbols = status.reshape(doc["size"]).transpose(order).ravel().tolist()
    extension = doc.get("extension", {})
    spec = PxSpec(
        matrix=str(extension.get("indicator", "table")),
        languages=(lang,),
        title={lang: doc.get("label", "")},
        contents={lang: doc.get("label", "")},
        units={lang: extension.get("unit_of_measure", "") or "-"},
        subject_code=str(extension.get("indicator", "X"))[:2],
        subject_area={lang: ""},
        stub=[variable(d) for d in stub_ids],
        heading=[variable("period")],
        values=values,
        symbols=[s or None for s in symbols],
        notes={lang: " ".join(doc.get("note", []))},
        source={lang: doc.get("source", "")},
    )
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "selection.px"
        write_px(path, spec)
        return path.read_bytes()
