"""Errors as the API answers them: the problem format (RFC 7807: type, title, status, detail, instance)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

TITLES = {
    400: "Bad request",
    403: "Forbidden",
    404: "Not found",
    405: "Method not allowed",
    413: "Content too large",
    414: "URI too long",
    415: "Unsupported",
    431: "Headers too large",
}
MAX_DETAIL = 500  # characters: a detail may repeat what the client sent, which is bounded only by the limits


class Problem(BaseModel):
    """An error (RFC 7807)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


class ApiError(Exception):
    """An error answered in the problem format."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


def problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses of a route, documented in the problem format (for the OpenAPI document)."""
    schema = Problem.model_json_schema()
    return {
        status: {"description": TITLES[status], "content": {"application/problem+json": {"schema": schema}}}
        for status in statuses
    }


def problem(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
    """The answer to an error: `application/problem+json`, its detail cut to MAX_DETAIL characters."""
    if len(detail) > MAX_DETAIL:
        detail = detail[: MAX_DETAIL - 1] + "…"
    return JSONResponse(
        {
            "type": f"https://httpstatuses.io/{status}",
            "title": TITLES.get(status, "Error"),
            "status": status,
            "detail": detail,
            "instance": request.url.path,
        },
        status_code=status,
        media_type="application/problem+json",
        headers=dict(headers or {}),
    )
