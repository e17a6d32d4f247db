"""Exports of a release for open data: CSV, Excel, Parquet and JSON-stat (docs/how-to/export-a-release.md).

`export_release(release, out, formats=...)` reads only the release folder (never the store) and writes:

- csv: `cells.csv` (long, UTF-8, one row per cell) and `cells-excel-sv.csv` (semicolons, decimal comma,
  UTF-8 with BOM, for Swedish Excel);
- parquet: `cells.parquet`;
- xlsx: `<release>.xlsx`, one sheet per area, a sheet of definitions and one about the release;
- jsonstat: `jsonstat/<indicator>-<structure>-<breakdown>.json`, one JSON-stat 2.0 dataset per indicator
  table, and `jsonstat/collection.json` listing them;
- px: `px/<indicator>-<structure>-<breakdown>.px`, one PX file per indicator table, Swedish and English;

and with every export `metadata.json` and `manifest.json` (the release's) and `export.json` (the release's
name and content hash, the licence, and every file with its SHA-256). The folder is written under a hidden
name and renamed when complete; an earlier export in it is replaced, anything else there is refused.
"""

from socialstat.export.run import FORMATS, ExportResult, export_release

__all__ = ["FORMATS", "ExportResult", "export_release"]
