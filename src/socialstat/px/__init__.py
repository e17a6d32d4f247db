"""A reader for PC-Axis (PX) files, the format of Statistics Sweden's and other agencies' statistical databases.

`read_px(path)` returns a `PxTable`: `.metadata` (the keywords per language, `PxMetadata`) and `.to_frame(lang)`
(one row per cell). See docs/reference/px.md for what is supported.
"""

from __future__ import annotations

from socialstat.px.metadata import MetaKey, PxMetadata
from socialstat.px.parse import PxValue, TimeList
from socialstat.px.reader import read_px
from socialstat.px.table import PxTable

__all__ = ["MetaKey", "PxMetadata", "PxTable", "PxValue", "TimeList", "read_px"]
