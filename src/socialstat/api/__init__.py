"""The statistics API: a release served over HTTP, compatible with PxWeb API 2.0 (docs/how-to/serve-a-release.md).

`create_app(release_folder)` builds the (read-only) application; `socialstat serve` runs it with uvicorn.
"""

from socialstat.api.app import create_app

__all__ = ["create_app"]
