"""The read-only statistics API over one release, compatible with PxWeb API 2.0 (docs/how-to/serve-a-release.md).

Under `/api/v2`: `/config`, `/navigation` and `/navigation/{id}` (a folder per area), `/tables` (search and
paging), `/tables/{id}`, `/tables/{id}/metadata`, `/tables/{id}/data` (GET with `valueCodes[VAR]=a,b`, POST
with `{"selection": [{"variableCode", "valueCodes"}]}`; `outputFormat` json-stat2, csv, px, xlsx or parquet) and
`/codelists/{id}` (the release has no code lists: 404). Languages sv (default) and en. Every error is a 4xx in
the problem format (RFC 7807: type, title, status, detail, instance); a data request is bounded by
`maxDataCells`, and every request by the limits of `socialstat.api.limits` (URL length, body size, value codes).
Nothing writes, and only the release's files are read, once, at start.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Annotated, Any, Literal

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect
from starlette.routing import Match

from socialstat import __version__
from socialstat.api.formats import MEDIA, render
from socialstat.api.limits import MAX_VALUE_CODES, RequestLimits
from socialstat.api.problems import ApiError, problem, problems
from socialstat.api.tables import LANGUAGE_LABELS, LANGUAGES, ReleaseTables, SelectionError

BASE = "/api/v2"
API_VERSION = "2.0.0"
MAX_DATA_CELLS = 150_000
MAX_PAGE_SIZE = 10_000
FORMATS = ("json-stat2", "csv", "px", "xlsx", "parquet")
FOLDER_TABLE_FIELDS = ("id", "label", "description", "updated", "firstPeriod", "lastPeriod", "sortCode", "category",
                       "variableNames", "links")  # fmt: skip

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
    **problems(400, 403, 404),
}


RELEASE_ENV = "SOCIALSTAT_SERVE_RELEASE"  # the release folder, for worker processes (`app_from_env`)


def app_from_env() -> FastAPI:
    """The app over the release named in the environment (uvicorn's factory for several worker processes)."""
    folder = os.environ.get(RELEASE_ENV)
    if not folder:
        raise RuntimeError(f"{RELEASE_ENV} is not set")
    return create_app(folder)


def create_app(folder: str | Path, *, max_data_cells: int = MAX_DATA_CELLS) -> FastAPI:
    """The API over the release in `folder`; a data request may ask for at most `max_data_cells` cells."""
    tables = ReleaseTables(folder)
    app = FastAPI(
        title="socialstat statistics API (PxWeb API 2.0)",
        version=__version__,
        openapi_url=f"{BASE}/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(RequestLimits)

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError) -> Response:
        return problem(request, exc.status, exc.detail)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()))
        return problem(request, 400, f"{where}: {first.get('msg', 'invalid request')}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        headers = dict(exc.headers or {})
        if exc.status_code == 405:  # every method of the path, not only the first route's (GET and POST .../data)
            methods = {
                m for route in app.routes for m in getattr(route, "methods", None) or () if _matches(route, request)
            }
            headers["Allow"] = ", ".join(sorted(methods))
        return problem(request, exc.status_code, str(exc.detail), headers=headers)

    @app.get(f"{BASE}/config", responses=problems(400))
    async def config() -> dict[str, Any]:
        return {
            "apiVersion": API_VERSION,
            "appVersion": __version__,
            "languages": [{"id": lang, "label": LANGUAGE_LABELS[lang]} for lang in LANGUAGES],
            "defaultLanguage": LANGUAGES[0],
            "maxDataCells": max_data_cells,
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

    @app.get(f"{BASE}/navigation", responses=problems(400))
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

    @app.get(f"{BASE}/navigation/{{folder_id}}", responses=problems(400, 404))
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

    @app.get(f"{BASE}/tables", responses=problems(400))
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

    @app.get(f"{BASE}/tables/{{table_id}}", responses=problems(400, 404))
    async def one_table(request: Request, table_id: str, lang: Lang | None = None) -> dict[str, Any]:
        return {"language": _lang(lang), **tables.info(_table(table_id), _lang(lang), _base(request))}

    @app.get(f"{BASE}/tables/{{table_id}}/metadata", responses={200: METADATA_OK, **problems(400, 404)})
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
        responses={**DATA_RESPONSES, **problems(413, 415)},
        openapi_extra={"requestBody": {"required": True, "content": {"application/json": {"schema": SELECTION}}}},
    )
    async def data_post(
        request: Request,
        table_id: str,
        lang: Lang | None = None,
        output_format: Annotated[DataFormat | None, Query(alias="outputFormat")] = None,
    ) -> Response:
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
            raise ApiError(415, "send the selection as application/json")
        try:
            body = json.loads(await request.body())  # the body is bounded by RequestLimits
        except ClientDisconnect:
            raise ApiError(400, "the client went away before the body was sent") from None
        except (ValueError, RecursionError):  # a nesting deeper than Python's recursion limit is no selection
            raise ApiError(400, "the body is not JSON (UTF-8)") from None
        return _data(table_id, lang, output_format, _selection(body))

    @app.get(f"{BASE}/codelists/{{codelist_id}}", responses=problems(400, 404))
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
        codes = sum(len(v) for v in selection.values())
        if codes > MAX_VALUE_CODES:
            raise ApiError(400, f"the selection lists {codes} value codes, more than the {MAX_VALUE_CODES} allowed")
        if not selection and output == "json-stat2" and tables.size(table) <= max_data_cells:
            return Response(tables.data_json(table, chosen), media_type="application/json")  # the whole table
        try:
            doc = tables.select(table, chosen, selection, max_data_cells)
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
