"""The store: canonical tables behind Ibis (DuckDB file by default)."""

from socialstat.store.backends import BACKENDS
from socialstat.store.connect import Store, connect, default_url
from socialstat.store.load import LoadReport, load_canonical
from socialstat.store.schema import init_store, open_store
from socialstat.store.summary import StoreSummary, format_summary, summarize

__all__ = [
    "BACKENDS",
    "LoadReport",
    "Store",
    "StoreSummary",
    "connect",
    "default_url",
    "format_summary",
    "init_store",
    "load_canonical",
    "open_store",
    "summarize",
]
