"""Running the API with uvicorn, with bounds on what a client may cost the server (docs/how-to/serve-a-release.md).

uvicorn waits for a request's head and body as long as a client takes to send them, so one connection sending a
byte now and then (a "slowloris") is held open for ever. `GuardedH11Protocol` closes a connection whose request
has not arrived whole (request line, headers and body) REQUEST_TIMEOUT seconds after the connection opened or
the previous answer was sent. A request head arriving in pieces is bounded by MAX_HEAD_BYTES (else 400; the app
bounds it in any case), an idle keep-alive connection closes after KEEP_ALIVE seconds. The app's own bounds (URL,
headers, body, selection) are in `limits`.
"""

from __future__ import annotations

import asyncio
import copy
import logging
import os
import traceback
from pathlib import Path
from typing import Any

import h11
import uvicorn
from fastapi import FastAPI
from uvicorn.config import LOGGING_CONFIG
from uvicorn.protocols.http.h11_impl import H11Protocol

from socialstat.api.app import RELEASE_ENV, create_app
from socialstat.privacy.detect import redacted

REQUEST_TIMEOUT = 10.0  # seconds for a whole request: a 1 MB body at 100 kB/s, a selection at any rate
MAX_HEAD_BYTES = 16 * 1024  # request line and headers (the URL itself is bounded at 8 kB by the app)
KEEP_ALIVE = 5  # seconds an idle connection stays open


class GuardedH11Protocol(H11Protocol):
    """uvicorn's HTTP/1.1 protocol, closing a connection whose request takes longer than `request_timeout`."""

    request_timeout = REQUEST_TIMEOUT
    _deadline: asyncio.TimerHandle | None = None

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm()

    def data_received(self, data: bytes) -> None:
        super().data_received(data)
        if self.conn.their_state is h11.DONE:  # the request has arrived whole
            self._disarm()

    def on_response_complete(self) -> None:
        super().on_response_complete()
        if self.conn.their_state is not h11.DONE:  # the next request (or the rest of an unread body) is awaited
            self._arm()

    def connection_lost(self, exc: Exception | None) -> None:
        self._disarm()
        super().connection_lost(exc)

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self.loop.call_later(self.request_timeout, self._too_slow)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _too_slow(self) -> None:
        self._deadline = None
        if not self.transport.is_closing() and self.conn.their_state is not h11.DONE:
            self.transport.close()


def serve(
    folder: str | Path, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1, app: FastAPI | None = None
) -> None:
    """Serve the release in `folder` with uvicorn, in `workers` processes, with the bounds above.

    `app`: the app over `folder` if already made (e.g. to check the folder before saying where it is served).
    """
    target: str | FastAPI = app or create_app(folder)  # also checks the folder before any worker starts
    if workers > 1:  # each worker process builds the app from the environment
        os.environ[RELEASE_ENV] = str(Path(folder).resolve())
        target = "socialstat.api.app:app_from_env"
    uvicorn.run(
        target, factory=workers > 1, host=host, port=port, workers=workers, log_level="warning",
        http=GuardedH11Protocol, h11_max_incomplete_event_size=MAX_HEAD_BYTES, timeout_keep_alive=KEEP_ALIVE,
        log_config=log_config(),
    )  # fmt: skip


class Redacting(logging.Filter):
    """Masks identity numbers, person keys and the secret in a log record's message and traceback: a request's
    URL, or an error quoting it, may hold what a client sent (an identity number typed into a search)."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redacted(str(record.msg))
        if isinstance(record.args, tuple):  # kept a tuple: uvicorn's access formatter reads its items
            record.args = tuple(redacted(a) if isinstance(a, str) else a for a in record.args)
        if record.exc_info and not record.exc_text:
            record.exc_text = redacted("".join(traceback.format_exception(*record.exc_info)).rstrip("\n"))
        return True


def log_config() -> dict[str, Any]:
    """uvicorn's logging configuration with `Redacting` on every handler (also in worker processes)."""
    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redacting"] = {"()": f"{__name__}.Redacting"}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redacting")
    return config
