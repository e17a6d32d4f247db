"""socialstat: statistics from Swedish municipal social services case records, privacy-safe by design."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("socialstat")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0"

__all__ = ["__version__"]
