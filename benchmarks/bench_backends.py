"""Benchmark: ten years of synthetic Sweden on each backend — generate, load, compute the catalogue, release.

Run on demand (not part of the test suite; about an hour with Spark):
    .venv/bin/python benchmarks/bench_backends.py --work /tmp/bench-sweden [--backends duckdb,spark,postgresql]

Steps, each in its own process (peak memory is the largest sum of resident memory of the process and its
children, sampled every 0.2 s: for Spark, Python and the Java driver together):
- synth: `socialstat synth --preset sweden` (all 290 municipalities) into WORK/canonical (skipped if there);
- per backend: load (init + load-canonical), compute (the whole catalogue, municipalities, every year),
  five (BU01, BU02, EB01, HL02, VI01 with every breakdown), release (the whole catalogue, protected and audited);
  PostgreSQL runs on a throwaway server (socialstat.store.local);
- pandas: the same five indicators' totals from the Parquet files (benchmarks/bench_indicators.py), checked
  against the engine's cells;
- floor: DuckDB's time for one scan of each canonical table grouping its rows by municipality and year, counting
  rows, and again counting distinct persons (or households), the engine's commonest measure.
Results go to standard output as Markdown table rows for docs/benchmarks.md, and to WORK/results.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import subprocess
import sys
import threading
import time
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from bench_indicators import ENGINE, PANDAS

FIVE = "BU01,BU02,EB01,HL02,VI01"

LOAD = r"""
import json, sys, time
from socialstat.store import init_store, load_canonical
db, canonical = sys.argv[1:3]
started = time.perf_counter()
with init_store(db) as store:
    report = load_canonical(store, canonical)
print(json.dumps({"seconds": time.perf_counter() - started, "rows": report.rows_loaded}))
"""

RELEASE = r"""
import json, sys, time
from socialstat.release import create_release
from socialstat.store import open_store
db, out, first, last = sys.argv[1:5]
started = time.perf_counter()
with open_store(db) as store:
    made = create_release(store, year=int(last), name="bench", out=out, first_year=int(first), structures=("municipalities",))
cells = made.manifest["cells"]
print(json.dumps({"seconds": time.perf_counter() - started, "cells": cells["total"], "suppressed": cells["suppressed"], "exposed": made.manifest["audit"]["cells_exposed"]}))
"""

SYNTH = r"""
import json, sys, time
from socialstat.synth import generate, parse_years
years, out = sys.argv[1:3]
started = time.perf_counter()
report = generate("sweden", parse_years(years), 1, out)
print(json.dumps({"seconds": time.perf_counter() - started}))
"""

FLOOR = r"""
import json, sys, time
import duckdb
from socialstat.model import load_model
canonical, what = sys.argv[1:3]
con = duckdb.connect()
started = time.perf_counter()
groups = 0
for table in load_model().tables_of_kind("microdata"):
    column = table.period
    if column is None or "municipality_code" not in table.column_names:
        continue
    year = column if column.endswith("year") else f"year({column})"
    key = "household_key" if "household_key" in table.column_names else "person_key"
    counted = "count(*)" if what == "rows" else f"count(DISTINCT {key})"
    sql = f"SELECT municipality_code, {year} AS y, {counted} FROM '{canonical}/{table.name}.parquet' GROUP BY ALL"
    groups += len(con.execute(sql).fetchall())
print(json.dumps({"seconds": time.perf_counter() - started, "cells": groups}))
"""


def tree_rss(pid: int) -> int:
    """Resident bytes of a process and all its descendants (Linux /proc)."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            children.setdefault(int(fields[1]), []).append(int(entry))
    total, todo = 0, [pid]
    while todo:
        current = todo.pop()
        todo += children.get(current, [])
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            pass
    return total


def run(code: str, *args: str) -> dict[str, float]:
    """Run a step in its own process; its JSON line, with the seconds of the whole process and peak memory."""
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-c", code, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    peak = [0]

    def sample() -> None:
        while proc.poll() is None:
            peak[0] = max(peak[0], tree_rss(proc.pid))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, err = proc.communicate()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"step failed ({proc.returncode}):\n{err[-3000:]}")
    result: dict[str, float] = json.loads(out.strip().splitlines()[-1])
    result["wall"] = time.perf_counter() - started
    result["peak_mb"] = peak[0] / 2**20
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work", required=True, type=Path, help="folder for the data, stores and releases")
    parser.add_argument("--years", default="2015-2024")
    parser.add_argument("--backends", default="duckdb,spark")
    parser.add_argument("--spark-memory", default="8g", help="Spark driver memory")
    args = parser.parse_args()
    first, _, last = args.years.partition("-")
    work: Path = args.work
    canonical = work / "canonical"
    results: dict[str, dict[str, float]] = {}
    if not canonical.exists():
        results["synth"] = run(SYNTH, args.years, str(canonical))
    results["floor: rows"] = run(FLOOR, str(canonical), "rows")
    results["floor: distinct persons"] = run(FLOOR, str(canonical), "persons")
    with ExitStack() as stack:
        for backend in args.backends.split(","):
            if backend == "duckdb":
                path = work / "store.duckdb"
                path.unlink(missing_ok=True)
                db = f"duckdb:///{path}"
            elif backend == "spark":
                shutil.rmtree(work / "spark", ignore_errors=True)
                db = f"spark://local[{os.cpu_count()}]?warehouse={work / 'spark'}&driver_memory={args.spark_memory}"
            else:
                from socialstat.store.local import throwaway_postgres

                db = stack.enter_context(throwaway_postgres())
            results[f"{backend} load"] = run(LOAD, db, str(canonical))
            results[f"{backend} compute"] = run(
                ENGINE, db, "municipalities", args.years, "all", str(work / f"{backend}.parquet")
            )
            results[f"{backend} five"] = run(
                ENGINE, db, "municipalities", args.years, FIVE, str(work / f"{backend}-5.parquet")
            )
            shutil.rmtree(work / f"releases-{backend}", ignore_errors=True)
            results[f"{backend} release"] = run(RELEASE, db, str(work / f"releases-{backend}"), first, last)
            print(backend, json.dumps({k: v for k, v in results.items() if k.startswith(backend)}), file=sys.stderr)
    results["pandas five"] = run(
        PANDAS, str(canonical), args.years, str(work / f"{args.backends.split(',')[0]}.parquet")
    )
    (work / "results.json").write_text(json.dumps(results, indent=2))
    print(f"<!-- {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores -->")
    print("| step | seconds | peak memory (MB) | note |")
    print("|---|---:|---:|---|")
    for name, r in results.items():
        note = ", ".join(
            f"{k} {_n(v)}" for k, v in r.items() if k in ("rows", "cells", "suppressed", "mismatches", "exposed")
        )
        print(f"| {name} | {r['seconds']:.1f} | {_n(r['peak_mb'])} | {note} |")


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0")


if __name__ == "__main__":
    main()
