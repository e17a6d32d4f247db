"""Benchmark: the whole indicator catalogue on a store, and five indicators against a plain pandas version.

Run on demand (not part of the test suite), on a store made by `socialstat demo` or `load-canonical`:
    .venv/bin/python benchmarks/bench_indicators.py --db duckdb:///demo-output/socialstat.duckdb \\
        --canonical demo-output/canonical --structure municipalities --years 2015-2024

Each step runs in a fresh Python process, so peak resident memory (ru_maxrss) is that step's own. The pandas
version reads the same canonical Parquet files into memory and computes BU01, BU02, EB01, HL02 and VI01 for
every municipality and year in the most straightforward way; its results are checked against the engine's.
Results go to standard output as Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys

ENGINE = r"""
import json, resource, sys, time
from socialstat.indicators import compute
from socialstat.store import open_store
from socialstat.synth import parse_years
db, structure, years, ids, out = sys.argv[1:6]
started = time.perf_counter()
with open_store(db) as store:
    results = compute(store, structure=structure, years=parse_years(years), ids=None if ids == "all" else ids.split(","))
seconds = time.perf_counter() - started
results.to_parquet(out, index=False)
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "cells": len(results), "indicators": results.indicator.nunique()}))
"""

PANDAS = r"""
import json, resource, sys, time
import numpy as np
import pandas as pd
canonical, years_text, engine_file = sys.argv[1:4]
lo, _, hi = years_text.partition("-")
years = list(range(int(lo), int(hi or lo) + 1))
started = time.perf_counter()
read = lambda name, cols: pd.read_parquet(f"{canonical}/{name}.parquet", columns=cols)
areas = read("areas", ["area_code", "municipality_code"]).rename(columns={"municipality_code": "unit_code"})
persons = read("persons", ["person_key", "birth_year"])
out = {}
ref = read("referrals", ["person_key", "area_code", "received_date"]).merge(areas, on="area_code")
ref["year"] = pd.to_datetime(ref["received_date"]).dt.year
ref = ref[ref["year"].isin(years)]
out["BU01"] = ref.groupby(["unit_code", "year"]).size()
ref = ref.merge(persons, on="person_key")
young = ref[(ref["year"] - ref["birth_year"]).between(0, 20)]
out["BU02"] = young.groupby(["unit_code", "year"])["person_key"].nunique()
pay = read("assistance_payments", ["household_key", "area_code", "month"]).merge(areas, on="area_code")
pay["year"] = pd.to_datetime(pay["month"]).dt.year
out["EB01"] = pay[pay["year"].isin(years)].groupby(["unit_code", "year"])["household_key"].nunique()
hl = read("homelessness_survey", ["person_key", "area_code", "survey_year"]).merge(areas, on="area_code")
out["HL02"] = hl[hl["survey_year"].isin(years)].groupby(["unit_code", "survey_year"])["person_key"].nunique()
iv = read("interventions", ["person_key", "area_code", "start_date", "end_date", "reason_violence"])
iv = iv[iv["reason_violence"]].merge(areas, on="area_code").merge(persons, on="person_key")
parts = []
for y in years:
    start, end = pd.to_datetime(iv["start_date"]), pd.to_datetime(iv["end_date"])
    active = iv[(start <= f"{y}-12-31") & (end.isna() | (end >= f"{y}-01-01")) & ((y - iv["birth_year"]).between(0, 17))]
    parts.append(active.groupby("unit_code")["person_key"].nunique().rename(y))
out["VI01"] = pd.concat(parts, axis=1).stack()
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
engine = pd.read_parquet(engine_file)
engine = engine[engine["breakdown"] == "total"].set_index(["indicator", "unit_code", "period"])["numerator"]
mismatches = 0
for ind, series in out.items():
    for (unit, year), value in series.items():
        if engine.get((ind, unit, int(year)), np.nan) != value:
            mismatches += 1
print(json.dumps({"seconds": seconds, "peak_mb": peak, "mismatches": mismatches, "checked": sum(map(len, out.values()))}))
"""


def run(code: str, *args: str) -> dict[str, float]:
    done = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, check=True)
    result: dict[str, float] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--canonical", required=True, help="the canonical Parquet folder the store was loaded from")
    parser.add_argument("--structure", default="municipalities")
    parser.add_argument("--years", default="2015-2024")
    parser.add_argument("--label", default="")
    args = parser.parse_args()
    results_file = os.path.join(os.path.dirname(os.path.abspath(args.db.split("///")[-1])), "bench-results.parquet")
    engine = run(ENGINE, args.db, args.structure, args.years, "all", results_file)
    five = run(ENGINE, args.db, args.structure, args.years, "BU01,BU02,EB01,HL02,VI01", results_file + ".5")
    pandas = run(PANDAS, args.canonical, args.years, results_file)
    print(f"<!-- {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores -->")
    print("| data | structure | step | cells | seconds | peak memory (MB) | note |")
    print("|---|---|---|---:|---:|---:|---|")
    rows = [
        (f"engine, whole catalogue ({int(engine['indicators'])} indicators)", engine, "DuckDB through Ibis"),
        ("engine, 5 indicators (BU01, BU02, EB01, HL02, VI01)", five, "every breakdown"),
        ("pandas, the same 5, totals only", pandas, f"{int(pandas['mismatches'])} cells differ from the engine"),
    ]
    for step, r, note in rows:
        cells = int(r.get("cells", r.get("checked", 0)))
        print(
            f"| {args.label} | {args.structure} | {step} | {_n(cells)} | {r['seconds']:.1f} | {_n(r['peak_mb'])} | {note} |"
        )


def _n(value: float) -> str:
    return f"{value:,.0f}".replace(",", "\u00a0")


if __name__ == "__main__":
    main()
