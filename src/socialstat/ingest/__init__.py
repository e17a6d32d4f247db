"""Ingest: case-management extracts in, validated and pseudonymised (source profiles so far)."""

from socialstat.ingest.profile import Profile, list_profiles, load_profile, normalise, parse_profile

__all__ = ["Profile", "list_profiles", "load_profile", "normalise", "parse_profile"]
