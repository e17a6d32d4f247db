"""The Socialtjänstrapport: a release's annual report in HTML and PDF (docs/how-to/render-the-report.md)."""

from socialstat.report.config import ReportConfig, example_config, load_config
from socialstat.report.render import RenderedReport, render_report

__all__ = ["RenderedReport", "ReportConfig", "example_config", "load_config", "render_report"]
