"""Run the fuzz harnesses (fuzz/fuzz_*.py), each in its own process, and record what they did in results.json.

    .venv/bin/python fuzz/run.py --minutes 5                  # every harness, 5 minutes each
    .venv/bin/python fuzz/run.py --runs 100000 px_read jsonstat  # two harnesses, a number of inputs each

Each harness fuzzes a working corpus in fuzz/corpus/<target>/ (not committed) seeded from fuzz/seeds/<target>/;
a crash, hang (over --timeout seconds) or memory blow-up leaves its input in fuzz/artifacts/<target>/. The
counts come from libFuzzer's own last lines ("Done N runs in S second(s)", "#N ... cov: C ft: F").
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.metadata
import json
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

FUZZ = Path(__file__).resolve().parent
RESULTS = FUZZ / "results.json"
_DONE = re.compile(r"^Done (\d+) runs in (\d+) second")
_STAT = re.compile(r"^#(\d+)\s+\w+\s+cov: (\d+) ft: (\d+) corp: (\d+)/")
_EXECUTED = re.compile(r"^stat::number_of_executed_units: (\d+)")
_CRASH = re.compile(r"Test unit written to (\S+)")


def targets(names: list[str]) -> list[str]:
    """The harnesses to run: those named (with or without fuzz_ and .py), or all of fuzz/fuzz_*.py."""
    found = sorted(p.stem.removeprefix("fuzz_") for p in FUZZ.glob("fuzz_*.py"))
    chosen = [n.removeprefix("fuzz_").removesuffix(".py") for n in names] or found
    unknown = sorted(set(chosen) - set(found))
    if unknown:
        raise SystemExit(f"run.py: no harness {unknown}; there are {found}")
    return chosen


def run_one(target: str, seconds: int | None, runs: int | None, timeout: int, rss_mb: int) -> dict[str, Any]:
    """Fuzz one target in a subprocess; its counts, crashes and log tail."""
    corpus, seeds, artifacts = FUZZ / "corpus" / target, FUZZ / "seeds" / target, FUZZ / "artifacts" / target
    corpus.mkdir(parents=True, exist_ok=True)
    artifacts.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, str(FUZZ / f"fuzz_{target}.py"), str(corpus), *([str(seeds)] if seeds.is_dir() else []),
        f"-artifact_prefix={artifacts}/", f"-timeout={timeout}", f"-rss_limit_mb={rss_mb}", "-print_final_stats=1",
        *([f"-max_total_time={seconds}"] if seconds else []), *([f"-runs={runs}"] if runs else []),
    ]  # fmt: skip
    started = time.monotonic()
    log = FUZZ / "artifacts" / f"{target}.log"
    with log.open("w", encoding="utf-8") as out:
        code = subprocess.run(command, stdout=out, stderr=subprocess.STDOUT, check=False, cwd=FUZZ.parent).returncode
    elapsed = time.monotonic() - started
    counts = _counts(log.read_text(encoding="utf-8", errors="replace"))
    if counts["seconds"] is None:  # stopped by a crash: libFuzzer prints no "Done" line
        counts["seconds"] = round(elapsed)
    return {**counts, "exit_code": code}


def _counts(text: str) -> dict[str, Any]:
    """Runs, seconds, coverage and crash files from a libFuzzer log."""
    runs = seconds = edges = features = corpus = None
    crashes = []
    for line in text.splitlines():
        if m := _DONE.match(line):
            runs, seconds = int(m[1]), int(m[2])
        elif m := _STAT.match(line):
            runs, edges, features, corpus = int(m[1]), int(m[2]), int(m[3]), int(m[4])
        elif m := _EXECUTED.match(line):
            runs = int(m[1])
        elif m := _CRASH.search(line):
            crashes.append(Path(m[1]).name)
    return {
        "runs": runs, "seconds": seconds, "coverage_edges": edges, "features": features, "corpus_size": corpus,
        "crashes": crashes,
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("targets", nargs="*", help="harnesses to run (default: all)")
    budget = parser.add_mutually_exclusive_group()
    budget.add_argument("--minutes", type=float, help="time per target (default 1)")
    budget.add_argument("--runs", type=int, help="inputs per target")
    parser.add_argument("--jobs", type=int, default=2, help="targets at the same time (default 2)")
    parser.add_argument("--timeout", type=int, default=5, help="seconds one input may take before it is a hang")
    parser.add_argument("--rss-mb", type=int, default=3072, help="memory limit of a fuzzing process")
    args = parser.parse_args()
    chosen = targets(args.targets)
    seconds = None if args.runs else round(60 * (args.minutes or 1))
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        found = dict(
            zip(
                chosen,
                pool.map(lambda t: run_one(t, seconds, args.runs, args.timeout, args.rss_mb), chosen),
                strict=True,
            )
        )
    results = json.loads(RESULTS.read_text(encoding="utf-8")) if RESULTS.is_file() else {}
    stamp = {"date": dt.datetime.now().isoformat(timespec="seconds"), "atheris": importlib.metadata.version("atheris")}
    for target, counts in found.items():
        earlier = results.get(target, {}).get("history", [])
        run = {key: counts[key] for key in ("runs", "seconds", "coverage_edges", "crashes")} | stamp
        results[target] = {**counts, **stamp, "history": [*earlier, run]}  # the latest run, and every run
        print(f"{target:16} {counts['runs']} runs in {counts['seconds']} s, cov {counts['coverage_edges']}, "
              f"crashes {counts['crashes'] or 'none'}")  # fmt: skip
    RESULTS.write_text(json.dumps(dict(sorted(results.items())), indent=2) + "\n", encoding="utf-8")
    if any(c["crashes"] or c["exit_code"] for c in found.values()):
        sys.exit(1)


if __name__ == "__main__":
    main()
