"""`PxTable`: a read PX file — its metadata and cells — and its long (tidy) DataFrame."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from socialstat.errors import PxError
from socialstat.px.metadata import PxMetadata


@dataclass(frozen=True, eq=False)
class PxTable:
    """One PX file. `values` (float64) and `symbols` (object: the special-cell string or None) hold the cells in
    file order: stub variables slowest, the last heading variable fastest. Build it with `read_px`."""

    source: str
    metadata: PxMetadata
    values: np.ndarray
    symbols: np.ndarray

    def __repr__(self) -> str:
        return f"PxTable({self.source!r}, variables={self.metadata.variables()}, cells={len(self.values)})"

    def to_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The table in long form, one row per cell, labels in `lang` (the default language when None).

        Columns: each variable (stub then heading) with its value labels, followed by ``<variable>_code`` where
        the file gives CODES; then ``value`` (float64: NaN for the dot symbols, 0.0 for ``"-"``, the nil
        symbol of a true zero) and ``symbol`` (object dtype: the special cell exactly as written in the file,
        e.g. ``".."`` or ``"-"``, else None). Label and code columns are pandas string columns.
        """
        metadata = self.metadata
        names = metadata.variables(lang)
        labels = [metadata.values(name, lang) for name in names]
        sizes = [len(values) for values in labels]
        total = len(self.values)
        columns: dict[str, pd.Series] = {}
        outer, inner = 1, total
        for name, values in zip(names, labels, strict=True):
            inner //= len(values)
            positions = np.tile(np.repeat(np.arange(len(values)), inner), outer)
            outer *= len(values)
            self._add(columns, name, values, positions)
            codes = metadata.codes(name, lang)
            if codes is not None:
                self._add(columns, f"{name}_code", codes, positions)
        if int(np.prod(sizes, dtype=np.int64)) != total:  # a PxTable is only built from a checked file
            raise PxError(f"{self.source}: {total} cells do not match the dimensions {sizes}")
        self._add(columns, "value", None, self.values.copy())
        self._add(columns, "symbol", None, self.symbols.copy())
        return pd.DataFrame(columns)

    def _add(self, columns: dict[str, pd.Series], name: str, labels: list[str] | None, data: np.ndarray) -> None:
        if name in columns:
            raise PxError(f"{self.source}: two columns would be named {name!r} (a variable is called so)")
        if labels is None:
            columns[name] = pd.Series(data, dtype=data.dtype)
        else:
            columns[name] = pd.Series(pd.Series(labels).array.take(data))  # pandas' default string dtype
