"""Releases: the privacy boundary. Everything published is read from a release, never from the store."""

from socialstat.release.build import (
    DEFAULT_STRUCTURES,
    Release,
    create_release,
    list_releases,
    read_release,
)

__all__ = ["DEFAULT_STRUCTURES", "Release", "create_release", "list_releases", "read_release"]
