"""The disclosure rules as data (rules.yaml), checked on loading."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from socialstat.errors import SpecificationError


@dataclass(frozen=True)
class DisclosureRules:
    """What may be published: see rules.yaml for the meaning of each field."""

    threshold: int = 5
    rates_follow_counts: bool = True
    rounding: int = 1
    suppressed_symbol: str = ".."
    zero_symbol: str = "-"


def parse_rules(raw: Any, source: str) -> DisclosureRules:
    """Check parsed YAML and return the rules; errors name `source` and the field."""
    if not isinstance(raw, dict):
        raise SpecificationError(f"{source}: the disclosure rules must be a mapping")
    unknown = sorted(map(str, set(raw) - {"threshold", "rates_follow_counts", "rounding", "symbols"}))  # any keys
    if unknown:
        raise SpecificationError(f"{source}: unknown fields {unknown}")
    threshold, rounding = raw.get("threshold", 5), raw.get("rounding", 1)
    if not isinstance(threshold, int) or isinstance(threshold, bool) or threshold < 1:
        raise SpecificationError(f"{source}: threshold must be a whole number of at least 1")
    if not isinstance(rounding, int) or isinstance(rounding, bool) or rounding < 1:
        raise SpecificationError(f"{source}: rounding must be a whole number of at least 1 (1: no rounding)")
    symbols = raw.get("symbols") or {}
    if not isinstance(symbols, dict) or not all(isinstance(v, str) and v for v in symbols.values()):
        raise SpecificationError(f"{source}: symbols must map suppressed and zero to non-empty texts")
    return DisclosureRules(
        threshold=threshold,
        rates_follow_counts=bool(raw.get("rates_follow_counts", True)),
        rounding=rounding,
        suppressed_symbol=symbols.get("suppressed", ".."),
        zero_symbol=symbols.get("zero", "-"),
    )


@cache
def load_rules(path: str | None = None) -> DisclosureRules:
    """The shipped rules, or the rules in a YAML file at `path`."""
    if path is None:
        text = resources.files("socialstat.disclosure").joinpath("rules.yaml").read_text(encoding="utf-8")
        return parse_rules(yaml.safe_load(text), "rules.yaml")
    file = Path(path)
    try:
        raw = yaml.safe_load(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError, RecursionError) as exc:  # RecursionError: nested too deep
        raise SpecificationError(f"{file.name}: cannot read the disclosure rules ({type(exc).__name__})") from None
    return parse_rules(raw, file.name)
