"""Releases: the privacy boundary. Everything published is read from a release, never from the store."""

from socialstat.release.audit import AuditResult, audit_release
from socialstat.release.build import (
    DEFAULT_STRUCTURES,
    Release,
    create_release,
    find_release,
    list_releases,
    previous_release,
    read_release,
)
from socialstat.release.diff import ReleaseDiff, diff_releases

__all__ = [
    "DEFAULT_STRUCTURES",
    "AuditResult",
    "Release",
    "ReleaseDiff",
    "audit_release",
    "create_release",
    "diff_releases",
    "find_release",
    "list_releases",
    "previous_release",
    "read_release",
]
