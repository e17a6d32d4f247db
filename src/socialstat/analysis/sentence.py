"""A finding's sentence in Swedish and English, from the templates of sentences.yaml.

The template is chosen by the finding's kind and verdict; the placeholders are filled with the unit's name, the
indicator's `subject` (with the breakdown value it is about) and the values formatted for the language
(analysis/words.py). A change that is not significant is "largely unchanged" when it is small (under 5 %) and
otherwise "not statistically significant" — never an increase or a decrease. A finding on estimated figures
(units mapped approximately from case-system areas) says so in a second sentence.
"""

from __future__ import annotations

import math
from functools import cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import yaml

from socialstat.analysis import words
from socialstat.export.long import BREAKDOWNS

if TYPE_CHECKING:
    from socialstat.analysis.findings import Finding

LANGUAGES = ("sv", "en")
SMALL = 0.05  # a change that is not significant and under 5 % is "largely unchanged"
SMALL_POINTS = 1.0  # ... or, for a share, under 1 percentage point
AGE_BANDS = ("age_children", "age_adults")


@cache
def templates() -> dict[str, Any]:
    """The sentence templates (sentences.yaml), by language, kind and verdict."""
    text = resources.files("socialstat.analysis").joinpath("sentences.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


Labels = dict[str, dict[str, dict[str, str]]]  # breakdown -> value -> language -> label (the metadata's)


def sentences(
    found: Finding, indicator: dict[str, Any], units: dict[str, dict[str, Any]], labels: Labels
) -> dict[str, str]:
    """The finding's sentence in each language (`indicator`: its metadata entry; `units`: by code; `labels`: the
    metadata's breakdown labels)."""
    return {lang: sentence(found, indicator, units, labels, lang) for lang in LANGUAGES}


def sentence(
    found: Finding, indicator: dict[str, Any], units: dict[str, dict[str, Any]], labels: Labels, lang: str
) -> str:
    """The finding's sentence in `lang`."""
    chosen = templates()[lang]
    template = chosen["level"] if found.kind == "level" else chosen[found.kind][_verdict(found)]
    text = template.format(**_fields(found, indicator, units, labels, lang))
    if found.approximate:
        text += " " + chosen["approximate"].format(unit=_name(found.unit_code, units, lang))
    return str(text)


def _verdict(found: Finding) -> str:
    """The template's key: the verdict, with a non-significant change told apart by its size."""
    if found.kind == "comparison":
        value, parent = found.value_last, found.value_first or 0.0
        return "similar" if found.verdict == "similar" else ("higher" if value > parent else "lower")
    if found.verdict in ("increasing", "decreasing", "mixed"):
        return found.verdict
    if found.verdict == "not comparable":
        return "not_comparable"
    if found.kind == "trend":
        return "not_significant"
    if found.verdict == "not tested" and found.value_first != found.value_last:
        return "not_tested"
    return "unchanged" if _small(found) else "not_significant"


def _small(found: Finding) -> bool:
    """A change small enough to call largely unchanged when it is not significant: under 1 percentage point for a
    share, under 5 % for anything else (or no change at all)."""
    if found.value_first == found.value_last:
        return True
    if found.statistic == "difference":  # a share's change, in percentage points
        return found.change is not None and abs(found.change) < SMALL_POINTS
    return found.relative is not None and abs(found.relative) < SMALL


def _fields(
    found: Finding, indicator: dict[str, Any], units: dict[str, dict[str, Any]], labels: Labels, lang: str
) -> dict[str, str]:
    subject = indicator["subject"]
    share = _is_share(indicator)
    fields = {
        "unit": _name(found.unit_code, units, lang),
        "parent": _name(found.parent_code or "", units, lang),
        "subject": subject[lang] + _breakdown(found, labels, lang),
        "first": str(found.first),
        "last": str(found.last),
        "unchanged": words.unchanged(str(subject.get("gender", "neuter")), lang),
        "years": words.in_words(found.last - found.first + 1, lang),
        "revision": str(_revision(found, indicator)),
    }
    shown = {"before": found.value_first, "after": found.value_last}
    if found.kind == "comparison":
        shown = {"value": found.value_last, "parent_value": found.value_first}
    elif found.kind == "level":
        shown = {"value": found.value_last}
    decimals = _decimals(indicator, [v for v in shown.values() if v is not None])
    for name, value in shown.items():
        fields[name] = _value(value, indicator, found.breakdown, decimals, lang) if value is not None else ""
    if found.kind == "year" and found.change is not None:
        fields["change"] = _change(found, indicator, share, lang)
    if found.kind == "trend" and found.estimate is not None and not math.isnan(found.estimate):
        per_year = found.estimate if share else found.estimate - 1
        fields["per_year"] = words.points(per_year, lang) if share else words.relative(per_year, lang)
    return fields


def _change(found: Finding, indicator: dict[str, Any], share: bool, lang: str) -> str:
    """A change from the previous year: in percentage points for a share, else relative ('8 procent'), or as
    the difference itself where the first value is zero."""
    if share:
        return words.points(found.change or 0.0, lang)
    if found.relative is None or math.isnan(found.relative):
        change = abs(found.change or 0.0)
        return _value(change, indicator, found.breakdown, _decimals(indicator, [change]), lang)
    return words.relative(found.relative, lang)


def _is_share(indicator: dict[str, Any]) -> bool:
    """A share is compared in percentage points (a proportion, or any percentage of a population)."""
    return indicator.get("statistic") == "proportion"


def _decimals(indicator: dict[str, Any], values: list[float]) -> int:
    return words.decimals(indicator.get("statistic"), values)


def _value(value: float, indicator: dict[str, Any], breakdown: str, decimals: int, lang: str) -> str:
    """A value with what follows it: the subject's own unit, ' procent' for a percentage, nothing for a count,
    else the unit of measure (for a rate of an age band, per inhabitants of that age)."""
    unit = indicator["subject"].get("unit")
    number = words.number(value, decimals, lang)
    if unit is not None:
        return number + unit[lang]
    multiplier = float(indicator.get("multiplier") or 1)
    if multiplier == 100:
        return f"{number} {words.PERCENT[lang]}"
    if indicator.get("statistic") == "count":
        return number
    if indicator.get("statistic") == "rate" and breakdown in AGE_BANDS:
        return f"{number} {words.per_age_band(multiplier, lang)}"
    return f"{number} {indicator['unit_of_measure'][lang]}"


def _breakdown(found: Finding, labels: Labels, lang: str) -> str:
    """' (kön: kvinnor)' for a breakdown value; nothing for the total."""
    if found.breakdown == "total":
        return ""
    name = BREAKDOWNS.get(found.breakdown, (found.breakdown, found.breakdown))[0 if lang == "sv" else 1]
    label = labels.get(found.breakdown, {}).get(found.breakdown_value, {}).get(lang, found.breakdown_value)
    if label[:1].isupper() and not any(c.isupper() for c in label[1:]):
        label = label[0].lower() + label[1:]  # Kvinnor -> kvinnor; SoL, LVU, Housing First stay as they are
    return f" ({name}: {label})"


def _name(code: str, units: dict[str, dict[str, Any]], lang: str) -> str:
    unit = units.get(code, {})
    return str(unit.get(f"name_{lang}") or unit.get("name_sv") or code)


def _revision(found: Finding, indicator: dict[str, Any]) -> int | str:
    years = [int(r["year"]) for r in indicator.get("revisions", []) if found.first < int(r["year"]) <= found.last]
    return max(years) if years else ""
