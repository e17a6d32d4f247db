"""Privacy scan: find identity numbers, person keys, the secret and free-text fields in files (docs/security.md)."""

from socialstat.privacy.scan import Finding, ScanReport, scan_paths

__all__ = ["Finding", "ScanReport", "scan_paths"]
