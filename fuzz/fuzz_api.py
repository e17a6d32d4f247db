"""Fuzz the statistics API's parameters and bodies: requests built from the fuzzed bytes (method, path with table,
folder and code-list ids, query parameters, headers, a body in pieces) go to the app itself, as uvicorn would
pass them (the request target printable ASCII, the path percent-decoded). A bug is a 5xx, an exception escaping
the app, no answer, or a 4xx that is not in the problem format.

The app is built once, on the first input, over a small release (Öckerö, 2023-2024, two indicators) made in the
temporary folder the first time (a few seconds) and kept there.

Run: `.venv/bin/python fuzz/fuzz_api.py -max_total_time=600 -artifact_prefix=/tmp/apifuzz/` (or fuzz/run.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import atheris

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.api import create_app
    from socialstat.api.tables import ReleaseTables

METHODS = ["GET", "GET", "GET", "POST", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]
PATHS = [
    "/api/v2/config", "/api/v2/navigation", "/api/v2/navigation/{folder}", "/api/v2/tables", "/api/v2/tables/{table}",
    "/api/v2/tables/{table}/metadata", "/api/v2/tables/{table}/data", "/api/v2/tables/{table}/data",
    "/api/v2/tables/{table}/data", "/api/v2/codelists/{codelist}", "/api/v2/{text}", "/{text}",
]  # fmt: skip
PARAMETERS = ["lang", "outputFormat", "valueCodes[{variable}]", "valueCodes[{variable}]", "codelist[{variable}]",
              "query", "pageNumber", "pageSize", "outputFormatParams", "{text}"]  # fmt: skip
VALUES = ["sv", "en", "json-stat2", "csv", "px", "xlsx", "parquet", "*", "1", "0", "-1", "10000", ""]
CONTENT_TYPES = ["application/json", "application/json", "application/json; charset=utf-8", "APPLICATION/JSON",
                 "text/plain", "text/xml", "multipart/form-data; boundary=x", None, "{text}"]  # fmt: skip

_app: Any = None
_names: dict[str, dict[str, list[str]]] = {}  # table id -> variable -> value codes


# In a process of its own: DuckDB's threads, left in this one, crash libFuzzer's exit at random.
MAKE_RELEASE = """
import sys
from pathlib import Path
from socialstat.release import create_release
from socialstat.store import init_store, load_canonical
from socialstat.synth import generate, parse_years

folder = Path(sys.argv[1])
generate("1407", parse_years("2023-2024"), 3, folder / "canonical")
with init_store(f"duckdb:///{folder / 'store.duckdb'}") as store:
    load_canonical(store, folder / "canonical")
    release = create_release(store, year=2024, name="2024-fuzz", out=folder / "releases",
                             structures=("municipalities",), first_year=2023, ids=["BU01", "EB01"])
"""


def app() -> Any:
    """The app over a small release, made on the first call (once: kept in the temporary folder for later runs)."""
    global _app
    if _app is None:
        release = Path(tempfile.gettempdir()) / "socialstat-fuzz-api" / "releases" / "2024-fuzz"
        if not release.is_dir():
            with tempfile.TemporaryDirectory(prefix="socialstat-fuzz-api-") as folder:
                made = subprocess.run([sys.executable, "-c", MAKE_RELEASE, folder], capture_output=True, text=True)
                if made.returncode:
                    raise RuntimeError(f"could not make the release: {made.stderr[-2000:]}")
                with contextlib.suppress(OSError):  # another fuzzing process made it first
                    release.parent.parent.mkdir(parents=True, exist_ok=True)
                    Path(folder, "releases").rename(release.parent)
        tables = ReleaseTables(release)
        for table_id, table in tables.tables.items():
            doc = tables.dataset(table, "sv")
            _names[table_id] = {d: list(doc["dimension"][d]["category"]["index"]) for d in doc["id"]}
        _app = create_app(release)
    return _app


def _text(fdp: atheris.FuzzedDataProvider, most: int = 12) -> str:
    return str(fdp.ConsumeUnicodeNoSurrogates(fdp.ConsumeIntInRange(0, most)))


def _in_url(fdp: atheris.FuzzedDataProvider, text: str) -> str:
    """`text` as it may stand in a request target: percent-encoded (some characters left as they are)."""
    return quote(text, safe=fdp.PickValueInList(["", "/", "/.\\%", "[]*,", "?&=#"]))


def _code(fdp: atheris.FuzzedDataProvider, codes: list[str]) -> str:
    """A value code: one of `codes` or any text, perhaps with wildcards."""
    code = str(fdp.PickValueInList(codes)) if codes and fdp.ConsumeBool() else _text(fdp, 6)
    return [code, code, code, f"{code}*", f"*{code}", f"*{code}*", f"{code}*{code}", "*"][fdp.ConsumeIntInRange(0, 7)]


def _selection(fdp: atheris.FuzzedDataProvider, table: str) -> Any:
    """A body: mostly a selection (of the table's variables and codes, or others), else any JSON value."""
    variables = _names.get(table, {})
    if fdp.ConsumeProbability() < 0.1:
        return fdp.PickValueInList([None, 1, 1.5, "x", [], {}, {"selection": None}, {"selection": {}}, [{}]])
    items: list[Any] = []
    for _ in range(fdp.ConsumeIntInRange(0, 4)):
        variable = fdp.PickValueInList(sorted(variables)) if variables and fdp.ConsumeBool() else _text(fdp, 6)
        codes: Any = [_code(fdp, variables.get(variable, [])) for _ in range(fdp.ConsumeIntInRange(0, 5))]
        if fdp.ConsumeProbability() < 0.1:
            codes = fdp.PickValueInList([None, "x", 1, [1], [None], {"a": 1}, [["x"]]])
        item: Any = {"variableCode": variable, "valueCodes": codes}
        if fdp.ConsumeProbability() < 0.1:
            item["codelist"] = _text(fdp, 4)
        if fdp.ConsumeProbability() < 0.1:
            item = fdp.PickValueInList([{"valueCodes": codes}, {"variableCode": 1, "valueCodes": codes}, variable])
        items.append(item)
    return {"selection": items}


def build_request(fdp: atheris.FuzzedDataProvider) -> tuple[dict[str, Any], list[bytes]]:
    """An ASGI scope (as uvicorn makes it) and the body's pieces, from the fuzzed bytes."""
    method = str(fdp.PickValueInList(METHODS))
    table = str(fdp.PickValueInList(sorted(_names))) if fdp.ConsumeProbability() < 0.85 else _text(fdp)
    folder = str(fdp.PickValueInList(["children_youth", "economic_assistance"])) if fdp.ConsumeBool() else _text(fdp)
    path = str(fdp.PickValueInList(PATHS)).format(
        table=_in_url(fdp, table),
        folder=_in_url(fdp, folder),
        codelist=_in_url(fdp, _text(fdp)),
        text=_in_url(fdp, _text(fdp)),
    )
    variables = sorted(_names.get(table, {})) or ["unit"]
    parameters = []
    for _ in range(fdp.ConsumeIntInRange(0, 5)):
        key = str(fdp.PickValueInList(PARAMETERS)).format(
            variable=fdp.PickValueInList(variables) if fdp.ConsumeBool() else _text(fdp, 4), text=_text(fdp, 6)
        )
        if key.startswith("valueCodes[") and fdp.ConsumeBool():
            codes = _names.get(table, {}).get(key[len("valueCodes[") : -1], [])
            value = ",".join(_code(fdp, codes) for _ in range(fdp.ConsumeIntInRange(0, 4)))
        else:
            value = str(fdp.PickValueInList(VALUES)) if fdp.ConsumeBool() else _text(fdp)
        parameters.append(f"{_in_url(fdp, key)}={_in_url(fdp, value)}")
    target = path + ("?" + "&".join(parameters) if parameters or fdp.ConsumeBool() else "")
    raw_path, _, query = target.encode("ascii").partition(b"?")
    kind = fdp.ConsumeIntInRange(0, 3) if method == "POST" else 3
    if kind == 0:  # a selection
        body = json.dumps(_selection(fdp, table), ensure_ascii=fdp.ConsumeBool()).encode("utf-8")
    elif kind == 1:  # a selection, changed a little
        text = json.dumps(_selection(fdp, table))
        at = fdp.ConsumeIntInRange(0, len(text))
        body = (text[:at] + _text(fdp, 3) + text[at + fdp.ConsumeIntInRange(0, 6) :]).encode("utf-8")
    elif kind == 2:  # anything
        body = fdp.ConsumeBytes(fdp.ConsumeIntInRange(0, 4000))  # deep enough to nest past the recursion limit
    else:
        body = b""
    headers = [(b"host", b"127.0.0.1:8000")]
    content_type = fdp.PickValueInList(CONTENT_TYPES)
    if content_type is not None:
        value = _text(fdp, 30) if content_type == "{text}" else content_type
        value = "".join(c for c in value if c not in "\x00\r\n").strip()  # as the HTTP parser passes it
        headers.append((b"content-type", value.encode("latin-1", "replace")))
    if body and fdp.ConsumeProbability() < 0.9:
        headers.append((b"content-length", str(len(body)).encode("ascii")))
    cuts = sorted(fdp.ConsumeIntInRange(0, len(body)) for _ in range(fdp.ConsumeIntInRange(0, 2)))
    pieces = [body[a:b] for a, b in zip([0, *cuts], [*cuts, len(body)], strict=True)]
    scope = {
        "type": "http", "asgi": {"version": "3.0", "spec_version": "2.3"}, "http_version": "1.1",
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "scheme": "http", "method": method,
        "root_path": "", "path": unquote(raw_path.decode("ascii")), "raw_path": raw_path, "query_string": query,
        "headers": headers, "state": {},
    }  # fmt: skip
    return scope, pieces


async def answer(scope: dict[str, Any], pieces: list[bytes]) -> tuple[int, dict[bytes, bytes], bytes]:
    """The app's answer to one request: status, headers, body."""
    messages = [{"type": "http.request", "body": p, "more_body": k < len(pieces) - 1} for k, p in enumerate(pieces)]
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return messages.pop(0) if messages else {"type": "http.disconnect"}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app()(scope, receive, send)
    if not sent or sent[0]["type"] != "http.response.start":
        raise AssertionError(f"no answer to {scope['method']} {scope['raw_path']!r}")
    body = b"".join(m.get("body", b"") for m in sent[1:])
    return sent[0]["status"], dict(sent[0].get("headers", [])), body


def one_input(data: bytes) -> None:
    """Send the app one request built from `data`; raise only on a bug."""
    app()
    fdp = atheris.FuzzedDataProvider(data)
    scope, pieces = build_request(fdp)
    status, headers, body = asyncio.run(answer(scope, pieces))
    where = f"{scope['method']} {scope['raw_path']!r}?{scope['query_string']!r}: {status}"
    if status >= 500:
        raise AssertionError(f"{where} {body[:500]!r}")
    if status >= 400:
        if not headers.get(b"content-type", b"").startswith(b"application/problem+json"):
            raise AssertionError(f"{where} is not a problem: {headers}")
        problem = json.loads(body)
        if problem["status"] != status or not isinstance(problem["detail"], str):
            raise AssertionError(f"{where} {problem}")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
