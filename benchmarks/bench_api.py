"""Benchmark: the statistics API under load on loopback — latency of metadata and of the largest data request.

Run on demand (not part of the test suite), on a release made by `make demo`, with wrk (Debian: `apt-get install
wrk`; a load generator in Python is slower than the server and would measure itself):
    .venv/bin/python benchmarks/bench_api.py --release demo-output/releases/2024 --concurrency 200 --workers 2

It starts `socialstat serve --workers N` on 127.0.0.1, waits for it, finds the largest table, then runs wrk for
`--seconds` with `--concurrency` connections against the table's metadata and against the whole table as
JSON-stat, and reports p50, p90 and p99 latency and the throughput. The issue's aim: p99 below 50 ms for
metadata and below 200 ms for a 10 000-cell data request at 200 concurrent requests. Results go to standard
output as Markdown rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk(url: str, concurrency: int, seconds: int) -> dict[str, str]:
    """wrk's latency percentiles, requests per second and non-2xx answers."""
    text = subprocess.run(
        ["wrk", "-t2", f"-c{concurrency}", f"-d{seconds}s", "--latency", url],
        capture_output=True, text=True, check=True,
    ).stdout  # fmt: skip
    found = dict(re.findall(r"^\s*(50%|90%|99%)\s+(\S+)", text, re.MULTILINE))
    rate = re.search(r"Requests/sec:\s+(\S+)", text)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    found["rps"] = rate.group(1) if rate else "?"
    found["errors"] = errors.group(1) if errors else "0"
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", required=True, type=Path)
    parser.add_argument("--concurrency", type=int, default=200)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()

    import httpx

    if shutil.which("wrk") is None:
        sys.exit("bench_api.py needs wrk, the HTTP load generator: apt-get install wrk (Debian)")
    port = _free_port()
    base = f"http://127.0.0.1:{port}/api/v2"
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "socialstat",
            "serve",
            str(args.release),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        for _ in range(300):
            try:
                httpx.get(f"{base}/config", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.1)
        tables = httpx.get(f"{base}/tables", params={"pageSize": 10000}).json()["tables"]
        sizes = {}
        for t in tables:
            meta = httpx.get(f"{base}/tables/{t['id']}/metadata").json()
            cells = 1
            for n in meta["size"]:
                cells *= n
            sizes[t["id"]] = cells
        largest = max(sizes, key=lambda k: sizes[k])
        print(f"Machine: {platform.machine()}, {os.cpu_count()} CPUs (shared by wrk and the server), Python "
              f"{platform.python_version()}; {args.concurrency} connections, {args.seconds} s, {args.workers} server "
              "processes")  # fmt: skip
        print("| request | cells | p50 | p90 | p99 | requests/s | non-2xx |")
        print("|---|---:|---:|---:|---:|---:|---:|")
        for name, url, cells in (
            ("metadata", f"{base}/tables/{largest}/metadata", 0),
            ("data, whole table", f"{base}/tables/{largest}/data", sizes[largest]),
        ):
            r = _wrk(url, args.concurrency, args.seconds)
            print(
                f"| {name} ({largest}) | {cells} | {r['50%']} | {r['90%']} | {r['99%']} | {r['rps']} | {r['errors']} |"
            )
    finally:
        server.terminate()
        server.wait(timeout=10)


if __name__ == "__main__":
    main()
