"""Run an iterator one step ahead in a thread of its own, so that consecutive stages of ingest overlap.

Reading a block of CSV (Arrow), transforming a chunk (Arrow and Python) and appending it to the store (DuckDB)
each let go of Python's lock for much of their work, so on a machine with more than one core the stages of a
file's ingest can run at the same time: `ahead(chunks)` reads the next block while the current one is being
transformed. At most `depth` items wait between two stages, so memory stays bounded. An exception in the thread
is raised where the item would have been taken, and a consumer that stops early (an error, Ctrl-C) stops the
thread at its next step.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator
from typing import TypeVar

T = TypeVar("T")
_DONE = object()


class _Failed:
    def __init__(self, error: BaseException) -> None:
        self.error = error


def ahead(items: Iterable[T], depth: int = 1) -> Iterator[T]:
    """The items of `items`, produced in a background thread up to `depth` items before they are taken."""
    waiting: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                waiting.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        try:
            for item in items:
                if not put(item):
                    return
        except BaseException as error:  # handed to the consumer, raised there
            put(_Failed(error))
            return
        finally:  # a generator left halfway (the consumer stopped) runs its own clean-up now
            close = getattr(items, "close", None)
            if close is not None:
                close()
        put(_DONE)

    thread = threading.Thread(target=produce, name="socialstat-ahead", daemon=True)
    thread.start()
    try:
        while True:
            try:
                item = waiting.get(timeout=1)
            except queue.Empty:
                if thread.is_alive() or not waiting.empty():
                    continue
                raise RuntimeError("the thread reading ahead ended without a result or an error") from None
            if item is _DONE:
                return
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]
    finally:
        stop.set()
        thread.join()
