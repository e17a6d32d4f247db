"""Benchmark: time and peak memory of synthetic generation per preset (and of loading it into the store).

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_synth.py                      # goteborg and gr, 2015–2024
    .venv/bin/python benchmarks/bench_synth.py --preset sweden      # all 290 municipalities
    .venv/bin/python benchmarks/bench_synth.py --preset gr --load   # also init + load-canonical

Each measurement runs in a fresh Python process, so the peak resident memory (ru_maxrss) is that step's own.
Results go to standard output as Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from pathlib import Path

STEP = r"""
import json, resource, sys, time
from pathlib import Path
step, preset, years, out = sys.argv[1:5]
started = time.perf_counter()
if step == "synth":
    from socialstat.synth import generate, parse_years
    report = generate(preset, parse_years(years), 1, out)
    rows = sum(report.rows.values())
else:
    from socialstat.store import init_store, load_canonical
    with init_store(f"duckdb:///{Path(out).parent / 'bench.duckdb'}") as store:
        rows = load_canonical(store, out).rows_loaded
seconds = time.perf_counter() - started
peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
result = {"step": step, "preset": preset, "years": years, "seconds": seconds, "peak_mb": peak_mb, "rows": rows}
print(json.dumps(result))
"""


def run_step(step: str, preset: str, years: str, out: Path) -> dict[str, float | str | int]:
    done = subprocess.run(
        [sys.executable, "-c", STEP, step, preset, years, str(out)], capture_output=True, text=True, check=True
    )
    result: dict[str, float | str | int] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def folder_mb(path: Path) -> float:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file()) / 2**20


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--preset", action="append", choices=["goteborg", "gr", "sweden"])
    parser.add_argument("--years", default="2015-2024")
    parser.add_argument("--load", action="store_true", help="also measure init + load-canonical")
    args = parser.parse_args()
    presets = args.preset or ["goteborg", "gr"]
    print(f"<!-- {platform.platform()}, Python {platform.python_version()}, {os.cpu_count()} cores -->")
    print("| preset | years | step | rows | seconds | peak memory (MB) | Parquet size (MB) |")
    print("|---|---|---|---:|---:|---:|---:|")
    for preset in presets:
        with tempfile.TemporaryDirectory() as tmp:
            out = Path(tmp) / "canonical"
            steps = ["synth", "load"] if args.load else ["synth"]
            for step in steps:
                r = run_step(step, preset, args.years, out)
                print(
                    f"| {preset} | {args.years} | {step} | {r['rows']:,} | {float(r['seconds']):.1f} | "
                    f"{float(r['peak_mb']):,.0f} | {folder_mb(out):,.0f} |".replace(",", " "),
                    flush=True,
                )


if __name__ == "__main__":
    main()
