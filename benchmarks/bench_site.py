"""Benchmark: the site of the ten-year demo release on a (simulated) phone.

Run on demand (not part of the test suite), on the site of `socialstat demo` (`make demo`):
    .venv/bin/python benchmarks/bench_site.py --site demo-output/site/2024

Serves the folder on 127.0.0.1 and opens pages in Debian's Chromium through Playwright with a phone's viewport
(390 x 844, touch), the CPU slowed four times and the network throttled to a fast 3G line (1.6 Mbit/s down,
150 ms latency) through the DevTools protocol. For each page it reports the bytes transferred (first visit, no
cache), the time until the page's load event and until every chart is drawn, as Markdown table rows for
docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import socketserver
import threading
import time
from pathlib import Path
from typing import Any

PAGES = ("sv/index.html", "sv/indicator/EB05.html", "sv/unit/1480-A-NO.html", "sv/area/children_youth.html")


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def _size(sizes: list[int], response: Any) -> None:
    if response.ok:
        sizes.append(len(response.body()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", required=True, help="A site folder, e.g. demo-output/site/2024")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    handler = functools.partial(_Quiet, directory=str(Path(args.site)))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd, sync_playwright() as playwright:
        threading.Thread(target=httpd.serve_forever, daemon=True).start()
        base = f"http://127.0.0.1:{httpd.server_address[1]}"
        browser = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        print("| page | transferred | load | charts drawn |")
        print("|---|---:|---:|---:|")
        for page_path in PAGES:
            context = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
            page = context.new_page()
            cdp = context.new_cdp_session(page)
            cdp.send("Emulation.setCPUThrottlingRate", {"rate": 4})
            cdp.send("Network.enable")
            cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 150,
                                                           "downloadThroughput": 1.6e6 / 8, "uploadThroughput": 750e3 / 8})  # fmt: skip
            sizes: list[int] = []
            page.on("response", functools.partial(_size, sizes))
            started = time.perf_counter()
            page.goto(f"{base}/{page_path}", wait_until="load")
            loaded = time.perf_counter() - started
            page.wait_for_function("() => [...document.querySelectorAll('.chart')].every(e => e.dataset.drawn)")
            drawn = time.perf_counter() - started
            print(f"| `{page_path}` | {sum(sizes) / 1e3:.0f} kB | {loaded:.1f} s | {drawn:.1f} s |")
            context.close()
        browser.close()
        httpd.shutdown()


if __name__ == "__main__":
    main()
