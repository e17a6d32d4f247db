"""Write canonical tables to Parquet, streaming: one file per table, appended to per municipality."""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from socialstat.model.spec import Table, load_model

_ARROW = {
    "string": pa.string(),
    "key": pa.string(),  # a UUID as text: canonical Parquet stays readable by any tool
    "int64": pa.int64(),
    "float64": pa.float64(),
    "boolean": pa.bool_(),
    "date": pa.date32(),
    "timestamp": pa.timestamp("us"),
}


def arrow_schema(table: Table, *, with_batch: bool = False) -> pa.Schema:
    """The Arrow schema of a canonical table as written to canonical Parquet (batch_id is the loader's)."""
    cols = [c for c in table.columns if with_batch or c.name != "batch_id"]
    return pa.schema([pa.field(c.name, _ARROW[c.type], nullable=c.nullable) for c in cols])


class CanonicalWriter:
    """Appends DataFrames to `<out>/<table>.parquet`, one Parquet file per canonical table."""

    def __init__(self, out: str | Path) -> None:
        self.out = Path(out)
        self.out.mkdir(parents=True, exist_ok=True)
        self.model = load_model()
        self._writers: dict[str, pq.ParquetWriter] = {}
        self.rows: dict[str, int] = {}

    def write(self, name: str, frame: pd.DataFrame) -> None:
        """Append `frame` (extra columns ignored) to table `name`."""
        schema = arrow_schema(self.model.table(name))
        if name not in self._writers:
            self._writers[name] = pq.ParquetWriter(self.out / f"{name}.parquet", schema, compression="zstd")
            self.rows[name] = 0
        if frame.empty:
            return
        arrays = [
            pa.array(
                frame[f.name].tolist() if frame[f.name].dtype == object else frame[f.name],
                type=f.type,
                from_pandas=True,
            )
            for f in schema
        ]
        self._writers[name].write_table(pa.Table.from_arrays(arrays, schema=schema))
        self.rows[name] += len(frame)

    def close(self) -> None:
        """Finish every file."""
        for writer in self._writers.values():
            writer.close()
        self._writers.clear()

    def __enter__(self) -> CanonicalWriter:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
