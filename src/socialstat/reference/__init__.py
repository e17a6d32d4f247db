"""Reference data shipped with the package: units, areas, mappings per period and a calibrated population."""

from socialstat.reference.population import build_population, municipality_totals
from socialstat.reference.units import GOTEBORG, build_units, goteborg_areas, gr_codes, municipalities

__all__ = [
    "GOTEBORG",
    "build_population",
    "build_units",
    "goteborg_areas",
    "gr_codes",
    "municipalities",
    "municipality_totals",
]
