"""Numbers and words in the sentences of findings, in Swedish or English.

Values are shown as in the tables: counts exactly, percentages and rates with one decimal, other amounts of 100 or
more as whole numbers (`decimals`: one precision for the values shown together). Relative changes as whole per
cents (one decimal below 1 %), changes of a share in percentage points with one decimal unless whole ("1
procentenhet", "2,5 procentenheter"). Swedish uses a decimal comma and a no-break space between thousands
(socialstat.text), English a point and a comma. Numbers of years up to twelve are written in words, as both
languages' style guides ask.
"""

from __future__ import annotations

from collections.abc import Iterable

from socialstat.text import NBSP, format_number

WORDS = {
    "sv": ["noll", "ett", "två", "tre", "fyra", "fem", "sex", "sju", "åtta", "nio", "tio", "elva", "tolv"],
    "en": ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve"],
}
PERCENT = {"sv": "procent", "en": "per cent"}
POINTS = {"sv": ("procentenhet", "procentenheter"), "en": ("percentage point", "percentage points")}
UNCHANGED = {
    "sv": {"neuter": "oförändrat", "common": "oförändrad"},
    "en": {"neuter": "unchanged", "common": "unchanged"},
}


def number(value: float, decimals: int, lang: str) -> str:
    """`value` with `decimals` decimals, grouped: '1 234,5' in Swedish, '1,234.5' in English."""
    text = format_number(value, decimals)
    if lang == "sv":
        return text
    return text.replace(",", ".").replace(NBSP, ",")


def decimals(statistic: str | None, values: Iterable[float]) -> int:
    """One precision for values shown together (a sentence, a table cell): counts whole, shares and rates to one
    decimal, other amounts (kronor, days, averages) whole when the largest is 100 or more, else one decimal."""
    if statistic == "count":
        return 0
    if statistic in ("proportion", "rate"):
        return 1
    return 0 if max((abs(v) for v in values), default=0.0) >= 100 else 1


def relative(share: float, lang: str) -> str:
    """A relative change (0.08) as '8 procent' / '8 per cent'; one decimal below 1 %."""
    percent = abs(share) * 100
    return f"{number(percent, 0 if percent >= 0.95 else 1, lang)} {PERCENT[lang]}"  # 0.95 and up reads "1"


def points(change: float, lang: str) -> str:
    """A change in percentage points: '2,1 procentenheter', '1 procentenhet', '0,5 procentenheter', and two
    decimals below 0.1 ('0,04 procentenheter', never '0')."""
    text = number(abs(change), 1 if abs(change) >= 0.095 else 2, lang)
    text = text.removesuffix(",0" if lang == "sv" else ".0")
    singular, plural = POINTS[lang]
    return f"{text} {singular if text == '1' else plural}"


def per_age_band(multiplier: float, lang: str) -> str:
    """The unit of a rate within an age band: 'per 1 000 invånare i åldersgruppen'."""
    per = number(multiplier, 0, lang)
    return f"per {per} invånare i åldersgruppen" if lang == "sv" else f"per {per} inhabitants of that age"


def in_words(n: int, lang: str) -> str:
    """A small number (of years, of units) in words up to twelve, else in digits."""
    return WORDS[lang][n] if 0 <= n < len(WORDS[lang]) else str(n)


def unchanged(gender: str, lang: str) -> str:
    """'unchanged' agreeing with a Swedish subject's gender (oförändrat after an ett-word)."""
    return UNCHANGED[lang][gender]
