"""Analysis of a release: trends and comparisons, and the findings they support (docs/analysis.md).

Everything here reads a release's published cells; no finding can rest on a suppressed cell.
"""

from socialstat.analysis.compare import comparisons
from socialstat.analysis.trends import Change, changes

__all__ = ["Change", "changes", "comparisons"]
