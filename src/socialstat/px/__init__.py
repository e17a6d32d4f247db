"""PC-Axis (PX) files, the format of Statistics Sweden's and other agencies' statistical databases: read and write.

`read_px(path)` returns a `PxTable`: `.metadata` (the keywords per language, `PxMetadata`) and `.to_frame(lang)`
(one row per cell). `write_px(path, PxSpec)` writes one that reads back to the same frame. See
docs/reference/px.md for what is supported.
"""

from __future__ import annotations

from socialstat.px.metadata import MetaKey, PxMetadata
from socialstat.px.parse import PxValue, TimeList
from socialstat.px.reader import read_px
from socialstat.px.table import PxTable
from socialstat.px.write import PxSpec, PxVariable, write_px

__all__ = ["MetaKey", "PxMetadata", "PxSpec", "PxTable", "PxValue", "PxVariable", "TimeList", "read_px", "write_px"]
