"""Swedish number formatting for text output: `1 234,5` and `12 %` (no-break space as thousands separator)."""

from __future__ import annotations

NBSP = "\u00a0"


def format_int(value: int) -> str:
    """An integer with Swedish digit grouping: 1234567 -> '1 234 567' (no-break spaces)."""
    sign = "-" if value < 0 else ""
    digits = str(abs(int(value)))
    groups = []
    while digits:
        groups.append(digits[-3:])
        digits = digits[:-3]
    return sign + NBSP.join(reversed(groups))


def format_number(value: float, decimals: int = 1) -> str:
    """A number with Swedish grouping and decimal comma: 1234.56 -> '1 234,6'."""
    rounded = f"{abs(value):.{decimals}f}"
    whole, _, frac = rounded.partition(".")
    text = format_int(int(whole))
    sign = "-" if value < 0 and float(rounded) != 0 else ""
    return sign + text + ("," + frac if decimals > 0 else "")


def format_percent(share: float, decimals: int = 0) -> str:
    """A share as a Swedish percentage: 0.123 -> '12 %'."""
    return format_number(share * 100, decimals) + NBSP + "%"


_SWEDISH_ORDER = str.maketrans({"å": "{", "ä": "|", "ö": "}", "æ": "|", "ø": "}", "ü": "y", "é": "e", "è": "e"})


def swedish_sort_key(text: str) -> tuple[str, str]:
    """A key that sorts text in Swedish alphabetical order (… x y z å ä ö), case-insensitively first."""
    return (text.casefold().translate(_SWEDISH_ORDER), text)
