"""Benchmark: ingest of a large CSV extract — rows per second and peak memory, for growing file sizes.

Run on demand (not part of the test suite):
    .venv/bin/python benchmarks/bench_ingest.py --rows 1000000 5000000 --work /tmp/bench-ingest

For each size it writes a Treserva-style referrals extract (Windows-1252, semicolons, Swedish labels, three
reason columns, free-text columns that ingest must not read) with identity numbers cycled from Skatteverket's
test series (so persons recur, as in a real extract), 1 % of rows with a defect, then runs `socialstat ingest`'s
library function in a fresh Python process on a new DuckDB store. Peak resident memory (ru_maxrss) is the
ingest process's own; if memory does not grow with the file size, the reading is streamed as intended.
Results go to standard output as Markdown table rows for docs/benchmarks.md.

Beside each ingest, the same file goes through DuckDB alone, as a yardstick of what this machine can do: DuckDB's
own multi-threaded CSV reader parses it into an in-memory table (the identity number's MD5 standing in for the
key, lower-case labels for the value maps, dates read with one format), and two INSERT ... SELECT copy the rows
and their reasons into a new store's canonical tables in one transaction: the shape of ingest (stage, then
publish) without any of its checks, reasons for rejecting, lines, masking or quarantine.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

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

NATIVE = r"""
import json, resource, sys, time
from socialstat.store import init_store
path, db = sys.argv[1:3]
started = time.perf_counter()
with init_store(db) as store:
    con = store.backend.con
    con.execute("SET memory_limit = '1GB'")
    con.execute("ATTACH ':memory:' AS yardstick")
    source = "read_csv(?, delim=';', header=true, encoding='latin-1', all_varchar=true)"
    con.execute(
        'CREATE TABLE yardstick.parsed AS SELECT trim("Ärendenummer") AS id, md5("Personnummer")::UUID AS person, '
        'lower(trim("Stadsområde")) AS area, strptime("Inkommet datum", \'%Y-%m-%d\')::DATE AS received, '
        'lower("Aktualiseringstyp") AS kind, lower("Anmälare") AS reporter, lower("Beslut förhandsbedömning") AS '
        'decision, strptime("Beslutsdatum", \'%Y-%m-%d\')::DATE AS decided, "Skäl 1" AS r1, "Skäl 2" AS r2, '
        f'"Skäl 3" AS r3 FROM {source}',
        [path],
    )
    con.begin()
    con.execute(
        "INSERT INTO referrals SELECT id, person, '1480', area, received, kind, reporter, decision, decided, 'b' "
        "FROM yardstick.parsed"
    )
    con.execute(
        "INSERT INTO referral_reasons SELECT id, lower(reason), 'b' FROM "
        "(SELECT id, unnest([r1, r2, r3]) AS reason FROM yardstick.parsed) WHERE reason IS NOT NULL"
    )
    con.commit()
    rows = con.execute("SELECT count(*) FROM referrals").fetchone()[0]
seconds = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"seconds": seconds, "peak_mb": peak, "rows": rows}))
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
    print(
        "| rows | file MB | seconds | rows/s | peak MB | loaded | quarantined | balances "
        "| DuckDB alone: seconds | rows/s |"
    )
    print("|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|")
    for rows in args.rows:
        path = args.work / f"referrals-{rows}.csv"
        if not path.exists():
            write_extract(path, rows)
        db = args.work / f"store-{rows}.duckdb"
        db.unlink(missing_ok=True)
        r = _run(INGEST, path, db)
        native = _run(NATIVE, path, db)
        if native["rows"] != rows:
            raise SystemExit(f"DuckDB alone loaded {native['rows']} of {rows} rows")
        mb = path.stat().st_size / 1e6
        print(
            f"| {rows:,} | {mb:,.0f} | {r['seconds']:.1f} | {r['read'] / r['seconds']:,.0f} | {r['peak_mb']:,.0f} | "
            f"{r['loaded']:,} | {r['quarantined']:,} | {r['balanced']} | {native['seconds']:.1f} | "
            f"{rows / native['seconds']:,.0f} |".replace(",", " ")
        )


def _run(script: str, path: Path, db: Path, *, keep: bool = False) -> dict[str, Any]:
    """Run `script` on the extract in a fresh Python process on a new DuckDB store (removed afterwards unless
    `keep`); its JSON result."""
    db.unlink(missing_ok=True)
    try:
        done = subprocess.run(
            [sys.executable, "-c", script, str(path), f"duckdb:///{db}"], capture_output=True, text=True, check=True
        )
    finally:
        if not keep:
            db.unlink(missing_ok=True)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


if __name__ == "__main__":
    main()
