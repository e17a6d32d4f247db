"""The statistics API under abuse: a real server (`socialstat.api.server.serve`, in a process of its own so that its
memory can be read) on 127.0.0.1, sent huge selections and bodies, deeply nested JSON, very long URLs, slow
clients, path traversal, odd content types, languages, formats, methods and bytes. Every answer is a 4xx (in the
problem format when the app answers, a plain 400 when the HTTP parser refuses the request), in bounded time, and
the server's memory stays bounded. Then a bounded load and soak test, and the fuzzer's saved inputs replayed."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from conftest import script_module, small_release
from socialstat.api import create_app
from socialstat.api.limits import MAX_BODY_BYTES, MAX_URL_BYTES, MAX_VALUE_CODES
from socialstat.api.problems import MAX_DETAIL
from socialstat.api.server import REQUEST_TIMEOUT
from socialstat.release import Release

ROOT = Path(__file__).parents[1]
TABLE = "BU01-municipalities-kind"  # unit (1) x period (2) x kind (4): 8 cells
DATA = f"/api/v2/tables/{TABLE}/data"
QUICK = 5.0  # seconds: every refusal comes at least this fast
RSS_GROWTH_MB = 100  # over the whole abuse of the server


bench = script_module(ROOT / "benchmarks" / "bench_api_soak.py")


@dataclass
class Server:
    port: int
    pid: int
    rss_after_warmup: int  # kB

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/v2"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return small_release(tmp_path_factory.mktemp("abuse"), "2024-abuse", ["BU01", "EB01"], seed=3)


@pytest.fixture(scope="module")
def server(release: Release) -> Iterator[Server]:
    port = bench.free_port()
    process = bench.start_server(release.path, port)
    try:
        base = f"http://127.0.0.1:{port}/api/v2"
        for table in bench.tables_of(base):  # warm up: every answer the server keeps once made
            for lang in ("sv", "en"):
                for output in bench.FORMATS:
                    params = {"lang": lang, "outputFormat": output, "valueCodes[period]": "*"}
                    assert httpx.get(f"{base}/tables/{table}/data", params=params).status_code == 200
        yield Server(port, process.pid, bench.rss_kb(process.pid))
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes
    seconds: float

    def is_problem(self) -> bool:
        return self.headers.get("content-type", "").startswith("application/problem+json")


def raw(port: int, request: bytes, *, timeout: float = 10.0) -> Answer:
    """Send `request` as bytes (nothing normalised) and read the answer until the server closes."""
    began = time.monotonic()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(request)
        received = b""
        while chunk := s.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in lines[1:])}
    return Answer(int(lines[0].split()[1]), headers, body, time.monotonic() - began)


def request(method: str, target: str | bytes, *, headers: str = "", body: bytes = b"") -> bytes:
    """A whole HTTP/1.1 request, the connection closed after the answer."""
    target = target.encode("latin-1") if isinstance(target, str) else target
    length = f"Content-Length: {len(body)}\r\n" if body else ""
    head = f"Host: 127.0.0.1\r\nConnection: close\r\n{length}{headers}\r\n".encode("latin-1")
    return method.encode("ascii") + b" " + target + b" HTTP/1.1\r\n" + head + body


def refused(answer: Answer | httpx.Response, *statuses: int, problem: bool = True) -> None:
    """A 4xx of `statuses`, quickly, in the problem format when the app answered."""
    if isinstance(answer, httpx.Response):
        seconds = answer.elapsed.total_seconds()
        content_type = answer.headers.get("content-type", "")
        answer = Answer(answer.status_code, {"content-type": content_type}, answer.content, seconds)
    assert answer.status in statuses, (answer.status, answer.body[:300])
    assert 400 <= answer.status < 500
    assert answer.seconds < QUICK
    if problem:
        assert answer.is_problem(), answer.headers
        if answer.body:  # HEAD has none
            assert len(httpx.Response(200, content=answer.body).json()["detail"]) <= MAX_DETAIL


def in_process(app: Any, method: str, url: str, **kwargs: Any) -> httpx.Response:
    """A request to the app itself, without a server (and without its HTTP parser's limits)."""

    async def send() -> httpx.Response:
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            return await client.request(method, url, **kwargs)

    return asyncio.run(send())


# Huge selections and bodies


def test_selections_over_the_cell_limit_are_refused_before_they_are_made(release: Release) -> None:
    app = create_app(release.path, max_data_cells=3)
    assert in_process(app, "GET", "/api/v2/config").json()["maxDataCells"] == 3
    for params in ({}, {"valueCodes[unit]": "*", "valueCodes[period]": "*", "valueCodes[kind]": "*"}):
        answer = in_process(app, "GET", DATA, params=params)
        assert answer.status_code == 403
        assert answer.json()["detail"] == "the selection has 8 cells, more than the 3 a request may ask for"
    body = {"selection": [{"variableCode": "kind", "valueCodes": ["*"] * 5000}]}
    assert in_process(app, "POST", DATA, json=body).status_code == 403


def test_thousands_of_value_codes(server: Server) -> None:
    url = f"{server.base}/tables/{TABLE}/data"
    same = {"selection": [{"variableCode": "kind", "valueCodes": ["report"] * MAX_VALUE_CODES}]}
    answer = httpx.post(url, json=same)
    assert answer.status_code == 200
    assert answer.json()["size"] == [1, 2, 1]
    same["selection"][0]["valueCodes"].append("report")
    refused(httpx.post(url, json=same), 400)
    assert "more than the 10000 allowed" in httpx.post(url, json=same).json()["detail"]
    wildcards = {"selection": [{"variableCode": "kind", "valueCodes": [f"*x{k}*" for k in range(MAX_VALUE_CODES)]}]}
    refused(httpx.post(url, json=wildcards), 400)
    unknown = {"selection": [{"variableCode": f"v{k}", "valueCodes": []} for k in range(15_000)]}
    refused(httpx.post(url, json=unknown), 400)
    long_code = {"selection": [{"variableCode": "kind", "valueCodes": ["x" * (MAX_BODY_BYTES - 100)]}]}
    refused(httpx.post(url, json=long_code), 400)
    fits = ",".join(["report"] * 1000)  # 7 kB: a URL may be 8 kB
    assert httpx.get(f"{url}?valueCodes[kind]={fits}").status_code == 200
    refused(httpx.get(f"{url}?valueCodes[kind]={fits},{fits}"), 414)  # 14 kB


def test_huge_bodies_are_refused_before_they_are_read(server: Server) -> None:
    url = f"{server.base}/tables/{TABLE}/data"
    json_type = {"content-type": "application/json"}
    huge = b"[" + b'"report",' * (50 * 1024 * 1024 // 9) + b'"report"]'
    refused(httpx.post(url, content=huge, headers=json_type), 413)  # declared: answered before it is read

    def chunks() -> Iterator[bytes]:  # not declared: refused once 1 MB has come
        for _ in range(50 * 16):
            yield b" " * 65536

    refused(httpx.post(url, content=chunks(), headers=json_type), 413)
    refused(httpx.post(f"{server.base}/config", content=huge, headers=json_type), 413)
    # the head alone, claiming 50 MB: the answer comes without waiting for the body
    announced = raw(server.port, request("POST", DATA, headers="Content-Type: application/json\r\n"
                                         "Content-Length: 52428800\r\n"))  # fmt: skip
    refused(announced, 413)
    refused(raw(server.port, request("POST", DATA, headers=f"Content-Length: {'9' * 20}\r\n")), 413)
    refused(raw(server.port, request("POST", DATA, headers=f"Content-Length: {'9' * 30}\r\n")), 400, problem=False)


def test_deeply_nested_json_is_a_bad_request(server: Server) -> None:
    url = f"{server.base}/tables/{TABLE}/data"
    for body in (b"[" * 100_000, b'{"a":' * 100_000, b"[" * 100_000 + b"]" * 100_000,
                 b'{"selection": ' + b"[" * 50_000 + b"]" * 50_000 + b"}"):  # fmt: skip
        answer = httpx.post(url, content=body, headers={"content-type": "application/json"})
        refused(answer, 400)
        assert answer.json()["detail"] == "the body is not JSON (UTF-8)"


# URLs, paths and bytes


def test_very_long_urls(server: Server) -> None:
    long_query = "valueCodes[kind]=" + "a" * 100_000
    refused(raw(server.port, request("GET", f"{DATA}?{long_query}")), 414)
    refused(raw(server.port, request("GET", "/api/v2/tables/" + "a" * 100_000)), 414)
    refused(raw(server.port, request("GET", f"{DATA}?{'a' * (MAX_URL_BYTES + 1)}")), 414)
    refused(raw(server.port, request("GET", "/api/v2/tables/" + "a" * MAX_URL_BYTES)), 414)
    refused(raw(server.port, request("GET", "/api/v2/config", headers=f"X-Long: {'a' * 20_000}\r\n")), 431)
    many = "".join(f"X-{k}: {k}\r\n" for k in range(3000))
    refused(raw(server.port, request("GET", "/api/v2/config", headers=many)), 431)


TRAVERSALS = [
    "/api/v2/tables/..%2F..%2Fetc%2Fpasswd",
    "/api/v2/tables/..%2F..%2Fetc%2Fpasswd/data",
    "/api/v2/tables/%2e%2e/%2e%2e/etc/passwd",
    "/api/v2/tables/%2E%2E%2F%2E%2E%2Fetc%2Fpasswd/metadata",
    "/api/v2/tables/..\\..\\etc\\passwd",
    "/api/v2/tables/..%5C..%5Cetc%5Cpasswd",
    "/api/v2/tables/passwd%00.json",
    "/api/v2/tables/%C0%AE%C0%AE%2F%C0%AE%C0%AE%2Fetc%2Fpasswd",
    f"/api/v2/tables/{TABLE}%2F..%2F..%2Fconfig",
    f"/api/v2/tables/{TABLE}/data/../../../../etc/passwd",
    "/api/v2/../../../../etc/passwd",
    "/api/v2/codelists/..%2F..%2Fetc%2Fpasswd",
    "/api/v2/codelists/%00",
    "/api/v2/navigation/..%2F..%2Fetc",
    "/api/v2/navigation/..",
    "/api/v2/navigation/%2e%2e%5c%2e%2e",
    "/api/v2/tables/%FF%FE%FD",
    "//etc/passwd",
    "/api/v2/tables/~root",
]


@pytest.mark.parametrize("target", TRAVERSALS)
def test_path_traversal_finds_nothing(server: Server, target: str) -> None:
    answer = raw(server.port, request("GET", target))
    refused(answer, 404)
    assert b"root:" not in answer.body


@pytest.mark.parametrize(
    ("target", "status", "problem"),
    [
        (b"/api/v2/tables/\xff\xfe", 400, False),  # raw bytes: the HTTP parser refuses them
        (b"/api/v2/tables?lang=\xe5", 400, False),
        (b"/api/v2/tables?lang=%FF", 400, True),
        (b"/api/v2/tables?query=%FF%FE%00", 200, False),  # a search for nothing
        (b"/api/v2/tables/BU01-municipalities-kind/data?valueCodes[%FF]=%FE", 400, True),
        (b"/api/v2/tables/BU01-municipalities-kind/data?valueCodes[kind]=%C3%28", 400, True),
        (b"/api/v2/tables/BU01-municipalities-kind/data?%FF=1", 400, True),
        (b"/api/v2/tables/BU01-municipalities-kind/data?lang=sv&&&==&", 400, True),
    ],
)
def test_bytes_that_are_not_utf8(server: Server, target: bytes, status: int, problem: bool) -> None:
    answer = raw(server.port, request("GET", target))
    if status == 200:
        assert answer.status == 200
        assert httpx.Response(200, content=answer.body).json()["tables"] == []
    else:
        refused(answer, status, problem=problem)


# Slow clients


def test_a_slow_client_is_cut_off_while_others_are_served(server: Server) -> None:
    closed_after: dict[str, float] = {}

    def dribble(name: str, at_once: bytes, slowly: bytes) -> None:
        began = time.monotonic()
        with socket.create_connection(("127.0.0.1", server.port)) as s:
            s.sendall(at_once)
            s.settimeout(0.25)
            for byte in slowly:
                try:
                    s.sendall(bytes([byte]))
                    if s.recv(1) == b"":
                        break
                except TimeoutError:
                    continue
                except OSError:  # reset by the server
                    break
        closed_after[name] = time.monotonic() - began

    head = request("GET", "/api/v2/config", headers=f"X-Slow: {'a' * 200}\r\n")
    body = request("POST", DATA, headers="Content-Type: application/json\r\n", body=b" " * 200)
    cases = (("head", b"", head), ("body", body[:-200], body[-200:]))
    slow = [threading.Thread(target=dribble, args=case) for case in cases]
    for thread in slow:
        thread.start()
    with httpx.Client(base_url=server.base, timeout=QUICK) as others:
        while any(t.is_alive() for t in slow):
            answer = others.get(f"/tables/{TABLE}/metadata")
            assert answer.status_code == 200
            assert answer.elapsed.total_seconds() < 1
            time.sleep(0.2)
    for thread in slow:
        thread.join()
    for name in ("head", "body"):  # 200 bytes at 4 a second would take 50 s
        assert REQUEST_TIMEOUT - 1 < closed_after[name] < REQUEST_TIMEOUT + 3, closed_after


# Content types, languages, formats, parameters, methods


@pytest.mark.parametrize(
    ("content_type", "body", "status"),
    [
        ("text/xml", b"<selection/>", 415),
        ("multipart/form-data; boundary=x", b'--x\r\nContent-Disposition: form-data; name="a"\r\n\r\n1\r\n--x--', 415),
        ("application/x-www-form-urlencoded", b"selection=all", 415),
        (None, b'{"selection": []}', 415),
        ("", b'{"selection": []}', 415),
        ("application/jsonx", b'{"selection": []}', 415),
        ("application/json-patch+json", b'{"selection": []}', 415),
        ("text/plain; charset=application/json", b'{"selection": []}', 415),
        ("application/json; charset=latin-1", '{"selection": [{"variableCode": "kön"}]}'.encode("latin-1"), 400),
        ("application/json", b"", 400),
        ("application/json", b"\xff\xfe\xfd", 400),
        ("application/json", b"null", 400),
        ("application/json", b'{"selection": [{"variableCode": "kind", "valueCodes": [1e999]}]}', 400),
        ("application/json", b"1" * 5000, 400),
        ("APPLICATION/JSON; CHARSET=UTF-8", b'{"selection": []}', 200),
        ("application/json;charset=utf-8", b'{"selection": []}', 200),
    ],
)
def test_content_types(server: Server, content_type: str | None, body: bytes, status: int) -> None:
    headers = "" if content_type is None else f"Content-Type: {content_type}\r\n"
    answer = raw(server.port, request("POST", DATA, headers=headers, body=body))
    if status == 200:
        assert answer.status == 200, answer.body[:300]
    else:
        refused(answer, status)


@pytest.mark.parametrize(
    "query",
    [
        "lang=fi", "lang=", "lang=SV", "lang=en-GB", "lang=sv,en", "lang=*", "lang=sv%00", "lang=sv&lang=fi",
        "outputFormat=xml", "outputFormat=CSV", "outputFormat=", "outputFormat=json-stat", "outputFormat=csv%20",
        "outputFormat=../../etc/passwd", "outputFormat=csv&outputFormat=html", "outputFormatParams=x&select=1",
        "valueCodes[kind]=report&valueCodes[colour]=red", "valueCodes=report", "valueCodes[kind=report",
        "valueCodes[kind]]=report", "valueCodes[]=report", "valueCodes[kind]=", "valueCodes[kind]=,,,",
        "valueCodes[kind]=*a*b*", "codelist[kind]=x&lang=xx",
    ],
)  # fmt: skip
def test_unknown_languages_formats_and_parameters(server: Server, query: str) -> None:
    refused(raw(server.port, request("GET", f"{DATA}?{query}")), 400)


def test_languages_elsewhere_and_duplicate_parameters(server: Server) -> None:
    for path in ("/tables", "/navigation", f"/tables/{TABLE}", f"/tables/{TABLE}/metadata", "/codelists/x"):
        refused(httpx.get(f"{server.base}{path}", params={"lang": "fi"}), 400)
    assert httpx.get(f"{server.base}/config", headers={"accept-language": "fi"}).status_code == 200
    both = httpx.get(f"{server.base}/tables/{TABLE}/data?valueCodes[kind]=report&valueCodes[kind]=application")
    assert both.json()["size"] == [1, 2, 2]
    again = httpx.get(f"{server.base}/tables/{TABLE}/data?outputFormat=csv&outputFormat=csv&lang=en&lang=en")
    assert again.headers["content-type"].startswith("text/csv")


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "PROPFIND", "FOO", "HEAD"])
def test_odd_methods(server: Server, method: str) -> None:
    answer = raw(server.port, request(method, DATA))
    refused(answer, 405)
    assert answer.headers["allow"] == "GET, POST"
    refused(raw(server.port, request(method, "/api/v2/config")), 405)


def test_odd_request_targets(server: Server) -> None:
    refused(raw(server.port, request("OPTIONS", "*")), 404)
    refused(raw(server.port, request("CONNECT", "127.0.0.1:22")), 404)
    refused(raw(server.port, request("GET", "http://elsewhere.example/api/v2/config")), 404)
    refused(raw(server.port, b"GET /api/v2/config HTTP/1.1\r\n\r\n"), 400, problem=False)  # no Host
    refused(raw(server.port, b"GET /api/v2/config HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n"), 400, problem=False)
    refused(raw(server.port, b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(64)), 400, problem=False)  # TLS
    refused(raw(server.port, request("GET", "/api/v2/config", headers="Transfer-Encoding: gzip\r\n")), 400,
            problem=False)  # fmt: skip
    both = "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n"  # and a Content-Length
    refused(raw(server.port, request("POST", DATA, headers=both, body=b"0\r\n\r\n")), 400)  # read as chunked


def test_the_server_memory_stayed_bounded(server: Server) -> None:
    grown = (bench.rss_kb(server.pid) - server.rss_after_warmup) / 1024
    assert grown < RSS_GROWTH_MB, f"the server's RSS grew by {grown:.0f} MB under abuse"


# Load and soak


@pytest.mark.slow
def test_a_soak_on_loopback_has_no_errors_and_no_memory_growth(server: Server) -> None:
    result = bench.soak(server.base, server.pid, seconds=35, clients=6, warmup=8, every=3)
    print(f"\nsoak: {result.requests} requests, {result.requests / result.seconds:.0f}/s, p50 "
          f"{result.percentile(50):.1f} ms, p99 {result.percentile(99):.1f} ms, RSS {result.rss_after_warmup} kB "
          f"after warm-up, {result.rss[-1][1]} kB at the end")  # fmt: skip
    assert result.errors == []
    assert result.requests > 1000
    assert set(result.statuses) <= {200, 400, 403, 404, 405, 415}
    grown = (result.rss[-1][1] - result.rss_after_warmup) / 1024
    assert grown < 10, f"the server's RSS grew by {grown:.1f} MB during the soak"


# The fuzzer's findings


def test_the_fuzzers_findings_stay_fixed() -> None:
    # Each input fuzz/fuzz_api.py found a bug with is saved in tests/data/fuzz/api/ (none since the fixes of the
    # abuse tests above); the empty input checks the harness itself.
    fuzz_api = script_module(ROOT / "fuzz" / "fuzz_api.py")
    for finding in [*sorted((ROOT / "tests" / "data" / "fuzz" / "api").glob("*")), None]:
        fuzz_api.one_input(finding.read_bytes() if finding else b"")
