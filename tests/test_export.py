"""Exports of a release: every format read back by an outside reader gives exactly the release's cells."""

from __future__ import annotations

import contextlib
import io
import json
import re
import warnings
from pathlib import Path

import jsonstat_validator
import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner
from pyaxis import pyaxis
from pyjstat import pyjstat

from conftest import small_release
from socialstat.cli import cli
from socialstat.errors import ExportError
from socialstat.export import export_release
from socialstat.export.jsonstat import check_jsonstat
from socialstat.export.long import BREAKDOWNS, COLUMNS, NUMBERS, long_cells
from socialstat.px import read_px
from socialstat.release import Release

IDS = ["BU01", "BU02", "EB01", "EB02", "VI01"]  # counts, shares, ratios; breakdowns by kind, sex and age
DATA = Path(__file__).parent / "data" / "jsonstat"
BREAKDOWN_SV = {b: names[0] for b, names in BREAKDOWNS.items()}
KEY = ["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"]


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return small_release(tmp_path_factory.mktemp("export"), "2024-x", IDS, seed=7)


@pytest.fixture(scope="module")
def exported(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("open") / "2024-x"
    export_release(release, out, licence="CC0 1.0")
    return out


def _expected(release: Release) -> pd.DataFrame:
    cells = release.cells()
    cells.loc[cells["breakdown"] == "total", "breakdown_value"] = "Total"
    return cells.rename(columns={"symbol": "status_symbol"}).set_index(KEY).sort_index()


def _same_cells(read: pd.DataFrame, release: Release) -> None:
    """`read` (any export read back) holds exactly the release's cells: numbers and symbols."""
    expected = _expected(release)
    got = read.assign(period=read["period"].astype(int)).set_index(KEY).sort_index()
    assert list(got.index) == list(expected.index)
    for column in NUMBERS:
        assert np.allclose(got[column].astype(float), expected[column], equal_nan=True, rtol=1e-12), column
    assert list(got["status"].fillna("")) == list(expected["status_symbol"])


def test_the_long_table_has_every_cell_with_names_and_totals(release: Release) -> None:
    long = long_cells(release)
    assert list(long.columns) == COLUMNS
    assert len(long) == len(release.cells())
    assert set(long.loc[long["breakdown"] == "total", "breakdown_value"]) == {"Total"}
    assert set(long["unit_name"]) == {"Öckerö"}
    assert set(long["parent_unit_code"]) == {"GR"}
    kinds = long[long["breakdown"] == "kind"]
    assert "Ansökan" in set(kinds["breakdown_label"])
    hidden = long[long["status"] == ".."]
    assert len(hidden) > 0
    assert hidden[NUMBERS].isna().all().all()


def test_csv_and_parquet_read_back_to_the_release(release: Release, exported: Path) -> None:
    strings = {"status": str, "note": str, "breakdown_value": str, "unit_code": str}
    _same_cells(pd.read_csv(exported / "cells.csv", dtype=strings, keep_default_na=False, na_values={
        c: [""] for c in NUMBERS
    }), release)  # fmt: skip
    swedish = exported / "cells-excel-sv.csv"
    assert swedish.read_bytes().startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads Å, Ä, Ö right
    read = pd.read_csv(
        swedish, sep=";", decimal=",", encoding="utf-8-sig", dtype=strings, keep_default_na=False,
        na_values={c: [""] for c in NUMBERS},
    )  # fmt: skip
    _same_cells(read, release)
    assert re.search(r";\d+,\d+;", swedish.read_text(encoding="utf-8-sig"))  # a decimal comma
    parquet = pd.read_parquet(exported / "cells.parquet")
    _same_cells(parquet, release)
    assert parquet.equals(long_cells(release))


def test_excel_has_a_sheet_per_area_definitions_and_the_release(release: Release, exported: Path) -> None:
    sheets = pd.read_excel(exported / "2024-x.xlsx", sheet_name=None, engine="calamine")
    assert {"Barn och unga", "Ekonomiskt bistånd", "Våld i nära relationer", "Definitioner", "Om utgåvan"} == set(
        sheets
    )
    areas = pd.concat([sheets[s] for s in sheets if s not in ("Definitioner", "Om utgåvan")], ignore_index=True)
    areas["status"] = areas["status"].fillna("")
    for column in ("unit_code", "breakdown_value"):
        areas[column] = areas[column].astype(str)
    _same_cells(areas, release)
    assert sorted(sheets["Definitioner"]["indicator"]) == sorted(IDS)
    about = dict(
        pd.read_excel(exported / "2024-x.xlsx", sheet_name="Om utgåvan", header=None, engine="calamine").values
    )
    assert about["licence"] == "CC0 1.0"
    assert about["content_sha256"] == release.manifest["content_sha256"]


def test_every_json_stat_dataset_is_valid_and_reads_back_in_pyjstat(release: Release, exported: Path) -> None:
    folder = exported / "jsonstat"
    collection = json.loads((folder / "collection.json").read_text(encoding="utf-8"))
    assert check_jsonstat(collection) == []
    names = [item["href"] for item in collection["link"]["item"]]
    assert sorted(names) == sorted(p.name for p in folder.glob("*.json") if p.name != "collection.json")
    expected = _expected(release)
    seen: set[tuple[object, ...]] = set()
    for name in names:
        text = (folder / name).read_text(encoding="utf-8")
        doc = json.loads(text)
        assert check_jsonstat(doc) == [], name
        assert jsonstat_validator.validate_jsonstat(doc)
        with warnings.catch_warnings():  # pyjstat 2.4's Dataset.write calls its own deprecated from_json_stat
            warnings.filterwarnings("ignore", "Shouldn't use this function anymore", DeprecationWarning)
            frame = pyjstat.Dataset.read(text).write("dataframe", naming="id")
        ids = doc["id"]
        breakdown = ids[2] if len(ids) == 3 else "total"
        ext = doc["extension"]
        for flat, row in enumerate(frame.itertuples(index=False)):
            cell = dict(zip(frame.columns, row, strict=True))
            value = breakdown if breakdown == "total" or cell[breakdown] != "Total" else "total"
            key = (ext["indicator"], ext["structure"], cell["unit"], int(cell["period"]), value,
                   "Total" if breakdown == "total" else cell[breakdown])  # fmt: skip
            if key not in expected.index:
                assert pd.isna(cell["value"])  # a combination the release has no cell for
                continue
            want = expected.loc[key]
            assert (pd.isna(cell["value"]) and pd.isna(want["value"])) or cell["value"] == pytest.approx(want["value"])
            assert doc.get("status", {}).get(str(flat), "") == want["status_symbol"]
            seen.add(key)
    assert seen == set(expected.index)  # every cell is in a dataset (totals in each breakdown's table)


def test_the_checker_gives_the_official_validator_codes() -> None:
    for case in json.loads((DATA / "validator_cases.json").read_text(encoding="utf-8")):
        codes = sorted({code for code, _ in check_jsonstat(case["input"])})
        assert codes == sorted(case["expected"].get("codes", [])), case["id"]
    for sample in ("oecd.json", "canada.json"):
        assert check_jsonstat(json.loads((DATA / sample).read_text(encoding="utf-8"))) == []


def test_an_export_holds_the_metadata_and_nothing_personal(release: Release, exported: Path) -> None:
    about = json.loads((exported / "export.json").read_text(encoding="utf-8"))
    assert (about["release"], about["release_sha256"]) == ("2024-x", release.manifest["content_sha256"])
    assert about["licence"] == "CC0 1.0"
    assert set(about["files"]) >= {"cells.csv", "cells-excel-sv.csv", "cells.parquet", "2024-x.xlsx",
                                   "metadata.json", "manifest.json", "jsonstat/collection.json"}  # fmt: skip
    uuid = re.compile(rb"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
    for file in exported.rglob("*"):
        if file.is_file() and file.suffix in (".csv", ".json"):
            data = file.read_bytes()
            assert not uuid.search(data), file.name
            assert not re.search(rb"\b\d{6}[-+]?\d{4}\b|\b\d{12}\b", data), file.name


def test_the_cli_exports_chosen_formats_and_refuses_what_it_cannot(release: Release, tmp_path: Path) -> None:
    runner = CliRunner()
    releases = str(release.path.parent)
    out = tmp_path / "csv-only"
    done = runner.invoke(cli, ["export", "2024-x", "--releases", releases, "--out", str(out), "--format", "csv"])
    assert done.exit_code == 0, done.output
    assert sorted(p.name for p in out.iterdir()) == [
        "cells-excel-sv.csv", "cells.csv", "export.json", "manifest.json", "metadata.json"
    ]  # fmt: skip
    again = runner.invoke(cli, ["export", "2024-x", "--releases", releases, "--out", str(out), "--format", "parquet"])
    assert again.exit_code == 0, again.output  # an earlier export is replaced
    assert not (out / "cells.csv").exists()
    assert (out / "cells.parquet").exists()
    bad = runner.invoke(cli, ["export", "2024-x", "--releases", releases, "--out", str(out), "--format", "pdf"])
    assert bad.exit_code == 1
    assert "unknown export formats ['pdf']" in bad.output
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("my own file", encoding="utf-8")
    with pytest.raises(ExportError, match="not an export of socialstat"):
        export_release(release, foreign)
    assert (foreign / "notes.txt").exists()
    assert not list(tmp_path.glob(".*partial*"))


def test_px_files_read_back_in_both_languages_and_in_pyaxis(release: Release, exported: Path) -> None:
    files = sorted((exported / "px").glob("*.px"))
    expected = _expected(release)
    seen: set[tuple[object, ...]] = set()
    for path in files:
        table = read_px(path)
        assert table.metadata.languages == ("sv", "en")
        indicator, structure, breakdown = path.stem.split("-", 2)
        sv, en = table.to_frame("sv"), table.to_frame("en")
        assert sv["value"].equals(en["value"])
        for row in sv.itertuples(index=False):
            cell = row._asdict()
            value = "Total" if breakdown == "total" else cell[f"{BREAKDOWN_SV.get(breakdown, breakdown)}_code"]
            key = (indicator, structure, cell["enhet_code"], int(cell["år"]),
                   "total" if value == "Total" else breakdown, value)  # fmt: skip
            if key not in expected.index:
                assert cell["symbol"] == "."  # no such cell in the release: cannot occur
                continue
            want = expected.loc[key]
            assert (cell["symbol"] or "") == want["status_symbol"] or (cell["symbol"] == "." and pd.isna(want["value"]))
            if want["status_symbol"] != "..":
                assert cell["value"] == pytest.approx(want["value"] if want["status_symbol"] != "-" else 0.0, rel=1e-14)
            seen.add(key)
        with contextlib.redirect_stdout(io.StringIO()):  # pyaxis prints a line for a multilingual file
            parsed = pyaxis.parse(uri=str(path), encoding="utf-8")
        assert len(parsed["DATA"]) == len(sv)
    assert seen == set(expected.index)
