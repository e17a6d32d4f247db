"""The read-only statistics API over one release, compatible with PxWeb API 2.0 (docs/how-to/serve-a-release.md).

Under `/api/v2`: `/config`, `/navigation` and `/navigation/{id}` (a folder per area), `/tables` (search and
paging), `/tables/{id}`, `/tables/{id}/metadata`, `/tables/{id}/data` (GET with `valueCodes[VAR]=a,b`, POST
with `{"selection": [{"variableCode", "valueCodes"}]}`; `outputFormat` json-stat2, csv, px, xlsx or parquet) and
`/codelists/{id}` (the release has no code lists: 404). Languages sv (default) and en. Every error is a 4xx in
the problem format (RFC 7807: type, title, status, detail, instance); a data request is bounded by
`maxDataCells`. Nothing writes, and only the release's files are read, once, at start.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match

from socialstat import __version__
from socialstat.api.formats import MEDIA, render
from socialstat.api.tables import LANGUAGE_LABELS, LANGUAGES, ReleaseTables, SelectionError

BASE = "/api/v2"
API_VERSION = "2.0.0"
MAX_DATA_CELLS = 150_000
MAX_PAGE_SIZE = 10_000
FORMATS = ("json-stat2", "csv", "px", "xlsx", "parquet")
FOLDER_TABLE_FIELDS = ("id", "label", "description", "updated", "firstPeriod", "lastPeriod", "sortCode", "category",
                       "variableNames", "links")  # fmt: skip
TITLES = {400: "Bad request", 403: "Forbidden", 404: "Not found", 405: "Method not allowed", 415: "Unsupported"}


class Problem(BaseModel):
    """An error (RFC 7807)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str


def _problems(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error responses of a route, documented in the problem format."""
    schema = Problem.model_json_schema()
    return {
        status: {"description": TITLES[status], "content": {"application/problem+json": {"schema": schema}}}
        for status in statuses
    }


Lang = Literal["sv", "en"]
DataFormat = Literal["json-stat2", "csv", "px", "xlsx", "parquet"]
SELECTION = {
    "type": "object",
    "properties": {
        "selection": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["variableCode", "valueCodes"],
                "properties": {
                    "variableCode": {"type": "string"},
                    "valueCodes": {"type": "array", "items": {"type": "string"}},
                    "codelist": {"type": "string"},
                },
            },
        }
    },
}


METADATA_OK = {"description": "The table as JSON-stat 2.0 without values", "content": {"application/json": {}}}
DATA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The selection's cells", "content": {m.split(";")[0]: {} for m in MEDIA.values()}},
    **_problems(400, 403, 404),
}


class ApiError(Exception):
    """An error answered in the problem format."""

    def __init__(self, status: int, detail: str) -> None:
        super().__init__(detail)
        self.status, self.detail = status, detail


RELEASE_ENV = "SOCIALSTAT_SERVE_RELEASE"  # the release folder, for worker processes (`app_from_env`)


def app_from_env() -> FastAPI:
    """The app over the release named in the environment (uvicorn's factory for several worker processes)."""
    folder = os.environ.get(RELEASE_ENV)
    if not folder:
        raise RuntimeError(f"{RELEASE_ENV} is not set")
    return create_app(folder)


def create_app(folder: str | Path) -> FastAPI:
    """The API over the release in `folder`."""
    tables = ReleaseTables(folder)
    app = FastAPI(
        title="socialstat statistics API (PxWeb API 2.0)",
        version=__version__,
        openapi_url=f"{BASE}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return _problem(request, exc.status, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return _problem(request, 400, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's (GET and POST .../data)
            methods = {
                m for route in app.routes for m in getattr(route, "methods", None) or () if _matches(route, request)
            }
            headers["Allow"] = ", ".join(sorted(methods))
        return _problem(request, exc.status_code, str(exc.detail), headers=headers)

    @app.get(f"{BASE}/config", responses=_problems(400))
    async def config() -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "appVersion": __version__,
            "languages": [{"id": lang, "label": LANGUAGE_LABELS[lang]} for lang in LANGUAGES],
            "defaultLanguage": LANGUAGES[0],
            "maxDataCells": MAX_DATA_CELLS,
            "maxCallsPerTimeWindow": 0,
            "timeWindow": 10,
            "license": "https://creativecommons.org/licenses/by/4.0/",
            "sourceReferences": [
                {"language": "sv", "text": f"Källa: socialstat, utgåva {tables.release.name}"},
                {"language": "en", "text": f"Source: socialstat, release {tables.release.name}"},
            ],
            "defaultDataFormat": FORMATS[0],
            "dataFormats": list(FORMATS),
            "features": [],
        }

    @app.get(f"{BASE}/navigation", responses=_problems(400))
    async def navigation(request: Request, lang: Lang | None = None) -> dict[str, Any]:
        chosen = _lang(lang)
        areas = sorted({tables.meta["indicators"][t.indicator]["area"] for t in tables.tables.values()})
        names = tables.meta.get("areas", {})
        return {
            "language": chosen,
            "id": "",
            "label": "socialstat",
            "folderContents": [
                {
                    "type": "FolderInformation",
                    "id": a,
                    "label": names.get(a, {}).get(chosen, a),
                    "description": "",
                    "sortCode": a,
                    "links": [
                        {"rel": "self", "hreflang": chosen, "href": f"{_base(request)}/navigation/{a}?lang={chosen}"}
                    ],
                }
                for a in areas
            ],
            "links": [],
        }

    @app.get(f"{BASE}/navigation/{{folder_id}}", responses=_problems(400, 404))
    async def navigation_folder(request: Request, folder_id: str, lang: Lang | None = None) -> dict[str, Any]:
        chosen = _lang(lang)
        inside = [t for t in tables.tables.values() if tables.meta["indicators"][t.indicator]["area"] == folder_id]
        if not inside:
            raise ApiError(404, f"no folder {folder_id!r}")
        contents = []
        for table in inside:
            info = tables.info(table, chosen, _base(request))
            contents.append({"type": "Table", **{k: info[k] for k in FOLDER_TABLE_FIELDS}})
        return {"language": chosen, "id": folder_id, "label": folder_id, "folderContents": contents, "links": []}

    @app.get(f"{BASE}/tables", responses=_problems(400))
    async def list_tables(
        request: Request,
        lang: Lang | None = None,
        query: str | None = None,
        page_number: Annotated[int, Query(alias="pageNumber", ge=1)] = 1,
        page_size: Annotated[int, Query(alias="pageSize", ge=1, le=MAX_PAGE_SIZE)] = 20,
    ) -> dict[str, Any]:
        chosen = _lang(lang)
        found = [tables.info(t, chosen, _base(request)) for t in tables.tables.values()]
        if query:
            words = query.lower().split()
            found = [t for t in found if all(w in f"{t['id']} {t['label']}".lower() for w in words)]
        total = len(found)
        pages = max(1, -(-total // page_size))
        page = found[(page_number - 1) * page_size : page_number * page_size]
        return {
            "language": chosen,
            "tables": page,
            "page": {
                "pageNumber": page_number,
                "pageSize": page_size,
                "totalElements": total,
                "totalPages": pages,
                "links": [],
            },
            "links": [],
        }

    @app.get(f"{BASE}/tables/{{table_id}}", responses=_problems(400, 404))
    async def one_table(request: Request, table_id: str, lang: Lang | None = None) -> dict[str, Any]:
        return {"language": _lang(lang), **tables.info(_table(table_id), _lang(lang), _base(request))}

    @app.get(f"{BASE}/tables/{{table_id}}/metadata", responses={200: METADATA_OK, **_problems(400, 404)})
    async def metadata(
        table_id: str,
        lang: Lang | None = None,
        output_format: Annotated[Literal["json-stat2"] | None, Query(alias="outputFormat")] = None,
    ) -> Response:
        return Response(tables.metadata_json(_table(table_id), _lang(lang)), media_type="application/json")

    @app.get(f"{BASE}/tables/{{table_id}}/data", responses=DATA_RESPONSES)
    async def data_get(
        request: Request,
        table_id: str,
        lang: Lang | None = None,
        output_format: Annotated[DataFormat | None, Query(alias="outputFormat")] = None,
    ) -> Response:
        selection: dict[str, list[str]] = {}
        for key, value in request.query_params.multi_items():
            if key.startswith("valueCodes[") and key.endswith("]"):
                selection.setdefault(key[len("valueCodes[") : -1], []).extend(v for v in value.split(",") if v)
            elif key not in ("lang", "outputFormat", "outputFormatParams") and not key.startswith("codelist["):
                raise ApiError(400, f"unknown parameter {key!r}")
        return _data(table_id, lang, output_format, selection)

    @app.post(
        f"{BASE}/tables/{{table_id}}/data",
        responses={**DATA_RESPONSES, **_problems(415)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": SELECTION}}}},
    )
    async def data_post(
        request: Request,
        table_id: str,
        lang: Lang | None = None,
        output_format: Annotated[DataFormat | None, Query(alias="outputFormat")] = None,
    ) -> Response:
        if not request.headers.get("content-type", "").startswith("application/json"):
            raise ApiError(415, "send the selection as application/json")
        try:
            body = await request.json()
        except ValueError:
            raise ApiError(400, "the body is not JSON") from None
        return _data(table_id, lang, output_format, _selection(body))

    @app.get(f"{BASE}/codelists/{{codelist_id}}", responses=_problems(400, 404))
    async def codelist(codelist_id: str, lang: Lang | None = None) -> dict[str, Any]:
        _lang(lang)
        raise ApiError(404, f"no code list {codelist_id!r}: this release has none")

    def _table(table_id: str) -> Any:
        try:
            return tables.table(table_id)
        except KeyError:
            raise ApiError(404, f"no table {table_id!r}") from None

    def _data(table_id: str, lang: str | None, output: str | None, selection: dict[str, list[str]]) -> Response:
        chosen, table = _lang(lang), _table(table_id)
        output = output or FORMATS[0]
        if output not in FORMATS:
            raise ApiError(400, f"outputFormat {output!r}: choose from {', '.join(FORMATS)}")
        if not selection and output == "json-stat2" and tables.size(table) <= MAX_DATA_CELLS:
            return Response(tables.data_json(table, chosen), media_type="application/json")  # the whole table
        try:
            doc = tables.select(table, chosen, selection, MAX_DATA_CELLS)
        except SelectionError as exc:
            raise ApiError(403 if "cells, more than" in str(exc) else 400, str(exc)) from None
        if output == "json-stat2":
            return Response(json.dumps(doc, ensure_ascii=False).encode("utf-8"), media_type="application/json")
        return Response(render(doc, output, chosen), media_type=MEDIA[output])

    return app


def _matches(route: Any, request: Request) -> bool:
    """Whether `route` serves the request's path (whatever the method)."""
    match, _ = route.matches({**request.scope, "method": "GET"})
    return bool(match != Match.NONE)


def _lang(lang: str | None) -> str:
    if lang is None:
        return LANGUAGES[0]
    if lang not in LANGUAGES:
        raise ApiError(400, f"language {lang!r}: choose from {', '.join(LANGUAGES)}")
    return lang


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/") + BASE


def _selection(body: Any) -> dict[str, list[str]]:
    """The selection of a POST body: {"selection": [{"variableCode": ..., "valueCodes": [...]}]}."""
    if not isinstance(body, dict) or not isinstance(body.get("selection", []), list):
        raise ApiError(400, 'the body must be {"selection": [{"variableCode": ..., "valueCodes": [...]}]}')
    chosen: dict[str, list[str]] = {}
    for item in body.get("selection", []):
        if not isinstance(item, dict) or not isinstance(item.get("variableCode"), str):
            raise ApiError(400, "each selection needs a variableCode (text)")
        codes = item.get("valueCodes", [])
        if not isinstance(codes, list) or not all(isinstance(c, str) for c in codes):
            raise ApiError(400, f"{item['variableCode']}: valueCodes must be a list of texts")
        chosen.setdefault(item["variableCode"], []).extend(codes)
    return chosen


def _problem(request: Request, status: int, detail: str, headers: Mapping[str, str] | None = None) -> Response:
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
