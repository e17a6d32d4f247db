"""Analysis of a release: trends and comparisons, and the findings they support (docs/analysis.md).

Everything here reads a release's published cells; no finding can rest on a suppressed cell.
"""

from socialstat.analysis.compare import comparisons
from socialstat.analysis.findings import Finding, findings, release_findings, top
from socialstat.analysis.trends import Change, changes

__all__ = ["Change", "Finding", "changes", "comparisons", "findings", "release_findings", "top"]
