"""Benchmark: a ten-year release of Göteborg + GR — compute, disclosure control, audit and writing.

Run on demand (not part of the test suite), on the store of `socialstat demo` (`make demo`):
    .venv/bin/python benchmarks/bench_release.py --db duckdb:///demo-output/socialstat.duckdb

It creates the release twice in a temporary folder: the first with no previous release, the second protected
and audited against the first (as next year's release of the same years would be). It reports the seconds of
each release in total, and the parts of the first: compute, protection and audit (`protect_results` and
`audit_results` on the computed cells, and both in one pass with `protect_and_audit` as `create_release` runs
them), and peak resident memory of the main process. Results go to standard output as Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import tempfile
import time


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", required=True, help="Store URL, e.g. duckdb:///demo-output/socialstat.duckdb")
    parser.add_argument("--year", type=int, default=2024)
    parser.add_argument("--first-year", type=int, default=2015)
    args = parser.parse_args()

    import pandas as pd

    from socialstat.disclosure.results import audit_results, protect_and_audit, protect_results
    from socialstat.indicators import compute
    from socialstat.release import DEFAULT_STRUCTURES, create_release
    from socialstat.store import open_store

    years = list(range(args.first_year, args.year + 1))
    rows = []
    with open_store(args.db) as store, tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        results = pd.concat([compute(store, structure=s, years=years) for s in DEFAULT_STRUCTURES], ignore_index=True)
        rows.append(("compute (4 structures)", time.perf_counter() - started, f"{len(results)} cells"))
        units = store.table("units").execute()
        started = time.perf_counter()
        protected = protect_results(results, units)
        suppressed = int((protected["disclosure"] != "published").sum())
        rows.append(("protect_results", time.perf_counter() - started, f"{suppressed} suppressed"))
        started = time.perf_counter()
        audit = audit_results(protected, units)
        rows.append(("audit_results", time.perf_counter() - started, f"{int(audit['exposed'].sum())} exposed"))
        started = time.perf_counter()
        protect_and_audit(results, units)
        rows.append(("protect_and_audit (one pass, as release create)", time.perf_counter() - started, ""))
        for name in ("first", "second"):
            started = time.perf_counter()
            made = create_release(store, year=args.year, name=name, out=out, first_year=args.first_year)
            passed = "passed" if made.manifest["audit"]["passed"] else "FAILED"
            rows.append((f"release create ({name})", time.perf_counter() - started, f"audit {passed}"))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    machine = platform.processor() or platform.machine()
    print(f"Machine: {machine}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"Years {years[0]}-{years[-1]}, structures {', '.join(DEFAULT_STRUCTURES)}; peak memory {peak:.0f} MB")
    print("| step | seconds | |")
    print("|---|---:|---|")
    for step, seconds, note in rows:
        print(f"| {step} | {seconds:.1f} | {note} |")


if __name__ == "__main__":
    main()
