"""Swedish number formatting."""

from __future__ import annotations

import pytest

from socialstat.text import format_int, format_number, format_percent, swedish_sort_key

NB = "\u00a0"


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "0"), (999, "999"), (1000, f"1{NB}000"), (1234567, f"1{NB}234{NB}567"), (-15000, f"-15{NB}000")],
)
def test_format_int(value: int, text: str) -> None:
    assert format_int(value) == text


@pytest.mark.parametrize(
    ("value", "decimals", "text"),
    [(1234.5, 1, f"1{NB}234,5"), (0.04, 1, "0,0"), (-0.04, 1, "0,0"), (-2.25, 2, "-2,25")],
)
def test_format_number(value: float, decimals: int, text: str) -> None:
    assert format_number(value, decimals) == text


def test_format_percent() -> None:
    assert format_percent(0.123) == f"12{NB}%"
    assert format_percent(0.0845, 1) == f"8,5{NB}%"


def test_swedish_sort_order() -> None:
    names = ["Östra Göteborg", "Ale", "Älvsbyn", "Åre", "Öckerö", "Zinkgruvan", "ale"]
    assert sorted(names, key=swedish_sort_key) == [
        "Ale",
        "ale",
        "Zinkgruvan",
        "Åre",
        "Älvsbyn",
        "Öckerö",
        "Östra Göteborg",
    ]
