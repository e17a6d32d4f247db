"""Benchmark: the Göteborg report (HTML and PDF) from the ten-year demo release.

Run on demand (not part of the test suite), on the release of `socialstat demo` (`make demo`):
    .venv/bin/python benchmarks/bench_report.py --release demo-output/releases/2024

It renders the report three times into a temporary folder and reports, for the median run, the seconds of each
part — reading the release, the findings, the content (charts and tables), the HTML, the PDF — the whole
`render_report`, the page count and the sizes, as Markdown table rows for docs/benchmarks.md. The target: under
30 seconds for Göteborg with its four administrations.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--release", required=True, help="A release folder, e.g. demo-output/releases/2024")
    parser.add_argument("--unit", default="1480")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    import pypdf

    from socialstat.analysis import release_findings
    from socialstat.release import read_release
    from socialstat.report import example_config, load_config, render_report
    from socialstat.report.content import build_report
    from socialstat.report.render import render_html, write_pdf
    from socialstat.report.view import View

    release = read_release(args.release)
    parts: dict[str, list[float]] = {k: [] for k in ("view", "findings", "content", "html", "pdf", "total")}
    with tempfile.TemporaryDirectory() as out:
        for run in range(args.runs):
            t = time.perf_counter()
            view = View(release, args.unit, "sv")
            parts["view"].append(time.perf_counter() - t)
            t = time.perf_counter()
            release_findings(release, unit=args.unit)
            parts["findings"].append(time.perf_counter() - t)
            t = time.perf_counter()
            report = build_report(release, view, load_config(example_config()))  # the findings again, inside
            parts["content"].append(time.perf_counter() - t)
            t = time.perf_counter()
            html = render_html(report)
            parts["html"].append(time.perf_counter() - t)
            t = time.perf_counter()
            write_pdf(html, Path(out) / "report.pdf")
            parts["pdf"].append(time.perf_counter() - t)
            done = render_report(release, Path(out) / f"run{run}", unit=args.unit, config=example_config())
            parts["total"].append(done.seconds)
        pages = len(pypdf.PdfReader(done.files[1]).pages)
        sizes = {p.suffix: p.stat().st_size for p in done.files}
    for name, seconds in parts.items():
        print(f"| {name} | {statistics.median(seconds):.1f} s |")
    print(f"| pages | {pages} |")
    print(f"| HTML | {sizes['.html'] / 1e6:.1f} MB | PDF | {sizes['.pdf'] / 1e6:.1f} MB |")


if __name__ == "__main__":
    main()
