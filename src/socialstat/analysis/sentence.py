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
    if found.verdict in ("increasing", "decreasing"):
        return found.verdict
    if found.verdict == "not tested":
        return "not_tested" if found.kind == "year" else "not_significant"
    if found.verdict == "not comparable":
        return "not_comparable"
    small = found.relative is not None and abs(found.relative) < SMALL
    return "unchanged" if small and found.kind == "year" else "not_significant"


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
    for name, value in shown.items():
        fields[name] = _value(value, indicator, lang) if value is not None else ""
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
        return _value(abs(found.change or 0.0), indicator, lang)
    return words.relative(found.relative, lang)


def _is_share(indicator: dict[str, Any]) -> bool:
    """A share is compared in percentage points (a proportion, or any percentage of a population)."""
    return indicator.get("statistic") == "proportion"


def _value(value: float, indicator: dict[str, Any], lang: str) -> str:
    """A value with what follows it: the subject's own unit, ' procent' for a percentage, nothing for a count,
    else the unit of measure."""
    unit = indicator["subject"].get("unit")
    statistic = indicator.get("statistic")
    number = words.count(value, lang) if statistic == "count" else words.amount(value, lang)
    if unit is not None:
        return number + unit[lang]
    if float(indicator.get("multiplier") or 1) == 100:
        return f"{words.amount(value, lang)} {words.PERCENT[lang]}"
    if statistic == "count":
        return number
    return f"{number} {indicator['unit_of_measure'][lang]}"


def _breakdown(found: Finding, labels: Labels, lang: str) -> str:
    """' (kön: kvinnor)' for a breakdown value; nothing for the total."""
    if found.breakdown == "total":
        return ""
    name = BREAKDOWNS.get(found.breakdown, (found.breakdown, found.breakdown))[0 if lang == "sv" else 1]
    label = labels.get(found.breakdown, {}).get(found.breakdown_value, {}).get(lang, found.breakdown_value)
    if len(label) > 1 and label[1].islower():
        label = label[0].lower() + label[1:]
    return f" ({name}: {label})"


def _name(code: str, units: dict[str, dict[str, Any]], lang: str) -> str:
    unit = units.get(code, {})
    return str(unit.get(f"name_{lang}") or unit.get("name_sv") or code)


def _revision(found: Finding, indicator: dict[str, Any]) -> int | str:
    years = [int(r["year"]) for r in indicator.get("revisions", []) if found.first < int(r["year"]) <= found.last]
    return max(years) if years else ""
