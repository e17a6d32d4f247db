"""The dashboard: a static website of a release (docs/how-to/build-the-site.md)."""

from socialstat.site.build import BuiltSite, build_site

__all__ = ["BuiltSite", "build_site"]
