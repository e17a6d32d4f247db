"""Benchmark: ingest of a large CSV extract — rows per second and peak memory, for growing file sizes.

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_ingest.py --rows 1000000 5000000 --work /tmp/bench-ingest

For each size it writes a Treserva-style referrals extract (Windows-1252, semicolons, Swedish labels, three
reason columns, free-text columns that ingest must not read) with identity numbers cycled from Skatteverket's
test series (so persons recur, as in a real extract), 1 % of rows with a defect, then runs `socialstat ingest`'s
library function in a fresh Python process on a new DuckDB store. Peak resident memory (ru_maxrss) is the
ingest process's own; if memory does not grow with the file size, the reading is streamed as intended.
Results go to standard output as Markdown table rows for docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

INGEST = r"""
import json, resource, sys, time
from pathlib import Path
from socialstat.ingest import load_profile
from socialstat.ingest.run import ingest_files
from socialstat.pseudonym import Pseudonymiser
from socialstat.store import init_store
path, db = sys.argv[1:3]
started = time.perf_counter()
with init_store(db) as store:
    report = ingest_files(store, [Path(path)], load_profile("treserva-referrals"), "1480", Pseudonymiser(b"benchmark key, not secret at all"))
seconds = time.perf_counter() - started
r = report.files[0]
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "read": r.rows_read, "loaded": r.rows_loaded, "quarantined": r.rows_quarantined, "balanced": r.balanced}))
"""

KINDS = ["Anmälan", "Ansökan", "Övrig information"]
REPORTERS = ["Polis", "Skola", "Förskola", "Hälso- och sjukvård", "Socialtjänsten", "Anhörig", "Anonym"]
DECISIONS = ["Utredning inleds", "Utredning inleds inte", "Påförs pågående utredning", ""]
REASONS = ["Skolproblem", "Förälders missbruk", "Försummelse/bristande omsorg", "Barnets kriminalitet", ""]
AREAS = ["Hjällbo", "Bergsjön", "Kortedala", "Majorna", "Backa"]
HEADER = [
    "Ärendenummer",
    "Personnummer",
    "Namn",
    "Inkommet datum",
    "Aktualiseringstyp",
    "Anmälare",
    "Beslut förhandsbedömning",
    "Beslutsdatum",
    "Stadsområde",
    "Skäl 1",
    "Skäl 2",
    "Skäl 3",
    "Anteckning",
]


def write_extract(path: Path, rows: int, seed: int = 1) -> None:
    """A referrals extract of `rows` rows, written in blocks (memory stays small)."""
    data = Path(__file__).resolve().parents[1] / "src/socialstat/reference/data/skatteverket_test_personnummer.txt"
    numbers = np.array([n for n in data.read_text().split() if n[:4] >= "2005"])
    rng = np.random.default_rng(seed)
    block = 500_000
    with path.open("w", encoding="cp1252", newline="") as fh:
        fh.write(";".join(HEADER) + "\r\n")
        for start in range(0, rows, block):
            n = min(block, rows - start)
            received = pd.Timestamp("2023-01-01") + pd.to_timedelta(rng.integers(0, 365, n), unit="D")
            decided = received + pd.to_timedelta(rng.integers(0, 30, n), unit="D")
            frame = pd.DataFrame(
                {
                    "id": [f"R{i}" for i in range(start, start + n)],
                    "pnr": numbers[rng.integers(0, len(numbers), n)],
                    "name": "Testperson Testsson",
                    "received": received.strftime("%Y-%m-%d"),
                    "kind": np.array(KINDS)[rng.integers(0, len(KINDS), n)],
                    "reporter": np.array(REPORTERS)[rng.integers(0, len(REPORTERS), n)],
                    "decision": np.array(DECISIONS)[rng.integers(0, len(DECISIONS), n)],
                    "decided": decided.strftime("%Y-%m-%d"),
                    "area": np.array(AREAS)[rng.integers(0, len(AREAS), n)],
                    "r1": np.array(REASONS[:-1])[rng.integers(0, len(REASONS) - 1, n)],
                    "r2": np.array(REASONS)[rng.integers(0, len(REASONS), n)],
                    "r3": "",
                    "note": "Fri text som aldrig läses in",
                }
            )
            bad = rng.random(n) < 0.01
            frame.loc[bad, "kind"] = "Okänd"
            frame.to_csv(fh, sep=";", header=False, index=False, lineterminator="\r\n")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 5_000_000])
    parser.add_argument("--work", type=Path, default=Path("/tmp/bench-ingest"))
    args = parser.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"<!-- {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()} -->")
    print("| rows | file MB | seconds | rows/s | peak MB | loaded | quarantined | balances |")
    print("|---:|---:|---:|---:|---:|---:|---:|---|")
    for rows in args.rows:
        path = args.work / f"referrals-{rows}.csv"
        if not path.exists():
            write_extract(path, rows)
        db = args.work / f"store-{rows}.duckdb"
        db.unlink(missing_ok=True)
        done = subprocess.run(
            [sys.executable, "-c", INGEST, str(path), f"duckdb:///{db}"], capture_output=True, text=True, check=True
        )
        r = json.loads(done.stdout.strip().splitlines()[-1])
        mb = path.stat().st_size / 1e6
        print(
            f"| {rows:,} | {mb:,.0f} | {r['seconds']:.1f} | {r['read'] / r['seconds']:,.0f} | {r['peak_mb']:,.0f} | "
            f"{r['loaded']:,} | {r['quarantined']:,} | {r['balanced']} |".replace(",", " ")
        )
        db.unlink(missing_ok=True)


if __name__ == "__main__":
    main()
