"""write_px: a PxSpec written and read back with read_px gives the same cells, labels and symbols."""

from __future__ import annotations

from pathlib import Path

import pytest

from socialstat.errors import PxError
from socialstat.px import PxSpec, PxVariable, read_px, write_px


def _spec(**changes: object) -> PxSpec:
    unit = PxVariable({"sv": "enhet", "en": "unit"}, {"sv": ["Göteborg", "Öckerö"], "en": ["Gothenburg", "Öckerö"]},
                      ["1480", "1407"])  # fmt: skip
    year = PxVariable({"sv": "år", "en": "year"}, {"sv": ["2023", "2024"], "en": ["2023", "2024"]}, ["2023", "2024"],
                      time=True)  # fmt: skip
    base: dict[str, object] = {
        "matrix": "X01", "languages": ("sv", "en"), "title": {"sv": 'Antal "x"', "en": "Number of x"},
        "contents": {"sv": "Antal", "en": "Number"}, "units": {"sv": "antal", "en": "number"},
        "subject_code": "X", "subject_area": {"sv": "Område", "en": "Area"}, "stub": [unit], "heading": [year],
        "values": [1234.5, None, 0.0, 0.1 + 0.2], "symbols": [None, "..", "-", None],
        "notes": {"sv": "En not, med komma", "en": "A note"}, "last_updated": "20261126 01:46",
        "symbol_texts": {"..": {"sv": "Visas inte", "en": "Not shown"}},
    }  # fmt: skip
    return PxSpec(**{**base, **changes})  # type: ignore[arg-type]


def test_a_written_table_reads_back_to_the_same_cells(tmp_path: Path) -> None:
    path = tmp_path / "x.px"
    write_px(path, _spec())
    table = read_px(path)
    assert table.metadata.languages == ("sv", "en")
    assert table.metadata.get("TITLE") == "Antal 'x'"  # the format has no escape for a double quote
    assert table.metadata.get("TITLE", lang="en") == "Number of x"
    assert table.metadata.get("DATASYMBOL2") == "Visas inte"
    sv = table.to_frame("sv")
    assert list(sv["enhet"]) == ["Göteborg", "Göteborg", "Öckerö", "Öckerö"]
    assert list(sv["enhet_code"]) == ["1480", "1480", "1407", "1407"]
    assert list(table.to_frame("en")["unit"]) == ["Gothenburg", "Gothenburg", "Öckerö", "Öckerö"]
    assert list(sv["symbol"]) == [None, "..", "-", None]
    assert sv["value"].iloc[0] == 1234.5
    assert abs(sv["value"].iloc[3] - (0.1 + 0.2)) <= 5e-16  # 15 decimals: 0.30000000000000004 reads as 0.3
    assert path.read_bytes().count(b"\r\n") > 10  # CRLF, as PC-Axis writes


def test_a_table_that_does_not_fit_is_refused(tmp_path: Path) -> None:
    with pytest.raises(PxError, match="3 values for 4 cells"):
        write_px(tmp_path / "x.px", _spec(values=[1.0, 2.0, 3.0], symbols=[None, None, None]))
    with pytest.raises(PxError, match="not PX symbols"):
        write_px(tmp_path / "x.px", _spec(symbols=[None, "x", None, None]))
    assert not (tmp_path / "x.px").exists()
