"""ahead(): an iterator run one step ahead in a thread: same items, same errors, bounded, stoppable."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest

from socialstat.errors import LoadError
from socialstat.ingest.ahead import ahead


def test_items_come_in_order_and_all_of_them() -> None:
    assert list(ahead(iter(range(1000)))) == list(range(1000))
    assert list(ahead(iter([]))) == []


def test_an_error_in_the_thread_is_raised_to_the_consumer_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise LoadError("line 3: broken")

    consumer = ahead(items())
    assert [next(consumer), next(consumer)] == [1, 2]
    with pytest.raises(LoadError, match="line 3: broken"):
        next(consumer)


def test_the_producer_runs_at_most_depth_items_ahead() -> None:
    made: list[int] = []

    def items() -> Iterator[int]:
        for i in range(100):
            made.append(i)
            yield i

    consumer = ahead(items(), depth=2)
    assert next(consumer) == 0
    time.sleep(0.3)  # give the thread every chance to run ahead
    assert len(made) <= 1 + 2 + 1  # the one taken, two waiting, one in hand waiting for room
    consumer.close()


def test_a_consumer_that_stops_stops_the_thread_and_closes_the_generator() -> None:
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            yield from range(1_000_000)
        finally:
            closed.set()

    def consume() -> None:
        for item in ahead(items()):
            if item == 5:
                raise KeyboardInterrupt

    before = threading.active_count()
    with pytest.raises(KeyboardInterrupt):
        consume()
    assert closed.wait(5)
    assert threading.active_count() == before
