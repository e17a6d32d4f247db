"""Bounds on what a client may send the API, so that no request costs unbounded memory or time.

`RequestLimits` (ASGI middleware) refuses a URL longer than MAX_URL_BYTES (414), headers of more than
MAX_HEADER_BYTES together (431) and a body larger than MAX_BODY_BYTES (413): at once when the declared
Content-Length says so, before a byte of the body is read, else (a chunked body) as soon as the bytes received
pass the limit. The route reading a body then holds at most MAX_BODY_BYTES. A selection is bounded by
MAX_VALUE_CODES value codes (the route checks it) and by `maxDataCells` cells. The server's own bounds (slow
clients, idle connections) are in `socialstat.api.server`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from socialstat.api.problems import ApiError, problem

MAX_URL_BYTES = 8 * 1024  # path and query; a longer selection goes in a POST body
MAX_HEADER_BYTES = 16 * 1024  # uvicorn refuses as much only when the head comes in pieces
MAX_BODY_BYTES = 1024 * 1024  # a selection of every code of a large table is a few kB
MAX_VALUE_CODES = 10_000  # per request: each code is matched against a variable's values


class RequestLimits:
    """ASGI middleware refusing too long URLs (414) or headers (431) and too large bodies (413), as problems."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        url = len(scope.get("raw_path") or scope["path"].encode("utf-8", "replace")) + len(scope["query_string"])
        headers = sum(len(name) + len(value) for name, value in scope["headers"])
        declared = _content_length(scope)
        refusal = None
        if url > MAX_URL_BYTES:
            refusal = problem(Request(scope), 414, f"the URL has {url} bytes, more than {MAX_URL_BYTES}")
        elif headers > MAX_HEADER_BYTES:
            refusal = problem(Request(scope), 431, f"the headers have {headers} bytes, more than {MAX_HEADER_BYTES}")
        elif declared is not None and declared > MAX_BODY_BYTES:
            refusal = problem(Request(scope), 413, f"the body has {declared} bytes, more than {MAX_BODY_BYTES}")
        if refusal is not None:  # answered before the body is read: uvicorn discards it as it arrives
            await refusal(scope, receive, send)
            return
        received = 0

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > MAX_BODY_BYTES:
                    raise ApiError(413, f"the body has more than {MAX_BODY_BYTES} bytes")
            return message

        await self.app(scope, counted, send)


def _content_length(scope: Scope) -> int | None:
    """The declared body size (the server has already refused a malformed one)."""
    for name, value in scope["headers"]:
        if name == b"content-length":
            digits = bytes(value).strip()
            if not digits.isdigit():
                return None
            return int(digits) if len(digits) <= 18 else 10**18  # int() refuses more than 4300 digits
    return None
