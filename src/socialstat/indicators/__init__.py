"""The indicator catalogue (YAML, one file per indicator) and the engine that computes it through Ibis."""

from socialstat.indicators.engine import RESULT_COLUMNS, compute, compute_indicator, unit_mapping
from socialstat.indicators.spec import Indicator, Structure, load_catalogue, load_structures, parse_indicator

__all__ = [
    "RESULT_COLUMNS",
    "Indicator",
    "Structure",
    "compute",
    "compute_indicator",
    "load_catalogue",
    "load_structures",
    "parse_indicator",
    "unit_mapping",
]
