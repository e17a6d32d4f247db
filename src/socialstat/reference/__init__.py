"""Reference data shipped with the package: units, areas, mappings per period and a calibrated population."""

# After the lines above: the imports use socialstat.ingest, whose check and run modules use this package.
from socialstat.reference.imports_costs import import_costs
from socialstat.reference.imports_population import import_population
from socialstat.reference.population import build_population, municipality_totals
from socialstat.reference.units import GOTEBORG, build_units, goteborg_areas, gr_codes, municipalities

__all__ = [
    "GOTEBORG",
    "build_population",
    "build_units",
    "goteborg_areas",
    "gr_codes",
    "import_costs",
    "import_population",
    "municipalities",
    "municipality_totals",
]
