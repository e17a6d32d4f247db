"""Benchmark: the statistics API soaked on loopback — throughput, latency and the server's memory over time.

Run on demand (tests/test_api_abuse.py runs the same for 30 s on a small release), on a release made by
`make demo`:
    .venv/bin/python benchmarks/bench_api_soak.py --release demo-output/releases/2024 --minutes 10 --clients 8

It starts the server (`socialstat.api.server.serve`, one process) on 127.0.0.1, reads the tables and their
metadata, then runs `--clients` threads for `--minutes`, each with its own keep-alive connection, issuing a
realistic mix: config, navigation, table lists and searches, tables, metadata, data by GET and POST in every
output format, and some bad requests (unknown table, language, variable, method, content type, a body that is
not JSON). It prints the requests per second, latency percentiles, the answers by status, errors (5xx, an
unexpected status, a connection error) and the server's resident memory (RSS) every `--every` seconds. Python
clients share the CPUs with the server, so the throughput is a floor, not the server's capacity (see
bench_api.py, with wrk, for that).
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx

FORMATS = ("json-stat2", "csv", "px", "xlsx", "parquet")


@dataclass
class Soak:
    """What a soak measured."""

    seconds: float = 0.0
    statuses: Counter[int] = field(default_factory=Counter)
    errors: list[str] = field(default_factory=list)  # 5xx, unexpected statuses, connection errors
    latencies: list[float] = field(default_factory=list)  # seconds, after the warm-up
    rss: list[tuple[float, int]] = field(default_factory=list)  # (seconds since start, kB)
    rss_after_warmup: int = 0

    @property
    def requests(self) -> int:
        return sum(self.statuses.values())

    def percentile(self, p: float) -> float:
        """A latency percentile in milliseconds."""
        ordered = sorted(self.latencies)
        return 1000 * ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))] if ordered else 0.0


def rss_kb(pid: int) -> int:
    """A process's resident memory (kB), from /proc."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for process {pid}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(release: Path, port: int) -> subprocess.Popen[bytes]:
    """`socialstat.api.server.serve` in a process of its own (its pid is the server's), answering when returned."""
    code = f"from socialstat.api.server import serve; serve({str(release)!r}, port={port})"
    server = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while True:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v2/config", timeout=1)
            return server
        except httpx.TransportError:
            if server.poll() is not None or time.monotonic() > deadline:
                server.kill()
                raise RuntimeError("the server did not start") from None
            time.sleep(0.1)


def tables_of(base: str) -> dict[str, dict[str, list[str]]]:
    """Each table's variables and their value codes."""
    found = {}
    for table in httpx.get(f"{base}/tables", params={"pageSize": 10000}).json()["tables"]:
        meta = httpx.get(f"{base}/tables/{table['id']}/metadata").json()
        found[table["id"]] = {d: list(meta["dimension"][d]["category"]["index"]) for d in meta["id"]}
    return found


def one_request(rng: random.Random, tables: dict[str, dict[str, list[str]]]) -> tuple[dict[str, Any], set[int]]:
    """A request of the mix (httpx.Client.request's arguments) and the statuses it may get."""
    table = rng.choice(sorted(tables))
    variables = tables[table]
    lang = rng.choice(["sv", "en"])
    picked = {v: rng.sample(codes, rng.randint(1, len(codes))) for v, codes in variables.items() if rng.random() < 0.6}
    output = rng.choice(FORMATS)
    kind = rng.choices(
        ["config", "navigation", "tables", "search", "table", "metadata", "get", "post", "bad"],
        weights=[5, 5, 8, 5, 10, 15, 22, 15, 15],
    )[0]
    ok = {200}
    if kind in ("get", "post"):
        ok.add(403)  # a selection of more than maxDataCells cells
    if kind == "config":
        return {"method": "GET", "url": "/config"}, ok
    if kind == "navigation":
        return {"method": "GET", "url": "/navigation", "params": {"lang": lang}}, ok
    if kind == "tables":
        return {"method": "GET", "url": "/tables", "params": {"lang": lang, "pageSize": rng.randint(1, 50)}}, ok
    if kind == "search":
        return {"method": "GET", "url": "/tables", "params": {"query": rng.choice(["slag", "kön", "BU01", "x"])}}, ok
    if kind == "table":
        return {"method": "GET", "url": f"/tables/{table}", "params": {"lang": lang}}, ok
    if kind == "metadata":
        return {"method": "GET", "url": f"/tables/{table}/metadata", "params": {"lang": lang}}, ok
    if kind == "get":
        # many codes go as `*`: a URL is bounded (8 kB), a body is where long selections belong
        params = {f"valueCodes[{v}]": ",".join(codes) if len(codes) <= 50 else "*" for v, codes in picked.items()}
        return {"method": "GET", "url": f"/tables/{table}/data", "params": {**params, "outputFormat": output}}, ok
    if kind == "post":
        body = {"selection": [{"variableCode": v, "valueCodes": codes} for v, codes in picked.items()]}
        return {"method": "POST", "url": f"/tables/{table}/data", "params": {"outputFormat": output}, "json": body}, ok
    bad = rng.choice(
        [
            ({"method": "GET", "url": "/tables/NO-SUCH-TABLE"}, 404),
            ({"method": "GET", "url": "/tables", "params": {"lang": "fi"}}, 400),
            ({"method": "GET", "url": f"/tables/{table}/data", "params": {"valueCodes[colour]": "red"}}, 400),
            ({"method": "GET", "url": f"/tables/{table}/data", "params": {"outputFormat": "html"}}, 400),
            ({"method": "DELETE", "url": f"/tables/{table}"}, 405),
            ({"method": "POST", "url": f"/tables/{table}/data", "content": b"<a/>",
              "headers": {"content-type": "text/xml"}}, 415),
            ({"method": "POST", "url": f"/tables/{table}/data", "content": b"[" * 5000,
              "headers": {"content-type": "application/json"}}, 400),
        ]
    )  # fmt: skip
    return bad[0], {bad[1]}


def soak(base: str, pid: int, *, seconds: float, clients: int, warmup: float, every: float = 5.0) -> Soak:
    """`clients` threads issuing the mix for `seconds`; latencies after `warmup`, the server's RSS every `every` s."""
    tables = tables_of(base)
    result = Soak()
    lock = threading.Lock()
    start = time.monotonic()
    stop = start + seconds

    def client(seed: int) -> None:
        rng = random.Random(seed)
        with httpx.Client(base_url=base, timeout=30) as http:
            while time.monotonic() < stop:
                request, expected = one_request(rng, tables)
                began = time.monotonic()
                try:
                    status = http.request(**request).status_code
                except httpx.HTTPError as exc:
                    with lock:
                        result.errors.append(f"{request['method']} {request['url']}: {type(exc).__name__} {exc}")
                    continue
                took = time.monotonic() - began
                with lock:
                    result.statuses[status] += 1
                    if began - start >= warmup:
                        result.latencies.append(took)
                    if status >= 500 or status not in expected:
                        result.errors.append(f"{request['method']} {request['url']} {request.get('params')}: {status}")

    threads = [threading.Thread(target=client, args=(seed,), daemon=True) for seed in range(clients)]
    for thread in threads:
        thread.start()
    measured_warmup = False
    while any(t.is_alive() for t in threads):
        time.sleep(max(0.1, min(0.5 if not measured_warmup else every, stop - time.monotonic())))
        now = time.monotonic() - start
        if not measured_warmup and now >= warmup:
            result.rss_after_warmup, measured_warmup = rss_kb(pid), True
            result.rss.append((now, result.rss_after_warmup))
        elif measured_warmup:
            result.rss.append((now, rss_kb(pid)))
    for thread in threads:
        thread.join()
    result.seconds = time.monotonic() - start
    result.rss.append((result.seconds, rss_kb(pid)))
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--release", required=True, type=Path)
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--warmup", type=float, default=15.0, help="seconds before latency and memory count")
    parser.add_argument("--every", type=float, default=30.0, help="seconds between memory readings")
    args = parser.parse_args()

    port = free_port()
    server = start_server(args.release, port)
    try:
        started = rss_kb(server.pid)
        result = soak(
            f"http://127.0.0.1:{port}/api/v2", server.pid, seconds=60 * args.minutes, clients=args.clients,
            warmup=args.warmup, every=args.every,
        )  # fmt: skip
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared by the clients and the server), Python "
          f"{platform.python_version()}; {args.clients} clients, {result.seconds:.0f} s, one server process")  # fmt: skip
    print(f"requests: {result.requests} ({result.requests / result.seconds:.0f}/s); by status: "
          f"{dict(sorted(result.statuses.items()))}; errors: {len(result.errors)}")  # fmt: skip
    for error in result.errors[:10]:
        print(f"  {error}")
    print(f"latency after warm-up (ms): p50 {result.percentile(50):.1f}, p90 {result.percentile(90):.1f}, "
          f"p99 {result.percentile(99):.1f}, max {1000 * max(result.latencies, default=0):.1f}, "
          f"mean {1000 * statistics.fmean(result.latencies or [0]):.1f}")  # fmt: skip
    print(f"server RSS (MB): at start {started / 1024:.1f}, after warm-up {result.rss_after_warmup / 1024:.1f}, "
          f"at the end {result.rss[-1][1] / 1024:.1f}")  # fmt: skip
    print("| s | RSS (MB) |\n|---:|---:|")
    for when, kb in result.rss:
        print(f"| {when:.0f} | {kb / 1024:.1f} |")
    if result.errors:
        sys.exit(1)


if __name__ == "__main__":
    main()
