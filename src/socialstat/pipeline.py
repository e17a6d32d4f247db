"""The main job on the embedded default: what `make demo` runs.

For now: synthesise Göteborg and GR (2015–2024) → create the store → load → summarise → compute the indicator
catalogue for the GR municipalities and Göteborg's administrations. Later stages (release, report, site)
extend this function, not the CLI.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from socialstat.indicators import compute
from socialstat.store import StoreSummary, format_summary, init_store, load_canonical, summarize
from socialstat.synth import SynthReport, generate, parse_years

DEMO_PRESET = "gr"
DEMO_YEARS = "2015-2024"
DEMO_SEED = 20221231
DEMO_STRUCTURES = ("municipalities", "gr", "goteborg-administrations", "goteborg-districts")


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its outputs and what they hold."""

    out: Path
    canonical: Path
    database: Path
    synth: SynthReport
    summary: StoreSummary
    summary_file: Path
    results_file: Path


def run_demo(out: str | Path, *, seed: int = DEMO_SEED) -> DemoResult:
    """Run the demo into folder `out` (made if missing; a previous demo there is replaced)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    canonical = out / "canonical"
    database = out / "socialstat.duckdb"
    for stale in (database, Path(f"{database}.wal")):
        stale.unlink(missing_ok=True)
    if canonical.exists():
        for f in canonical.glob("*"):
            f.unlink()
    synth = generate(DEMO_PRESET, parse_years(DEMO_YEARS), seed, canonical)
    years = parse_years(DEMO_YEARS)
    with init_store(f"duckdb:///{database}") as store:
        load_canonical(store, canonical)
        summary = summarize(store)
        results = pd.concat([compute(store, structure=s, years=years) for s in DEMO_STRUCTURES], ignore_index=True)
    results_file = out / "results.parquet"
    results.to_parquet(results_file, index=False)
    summary_file = out / "summary.txt"
    summary_file.write_text(format_summary(summary) + "\n", encoding="utf-8")
    return DemoResult(out, canonical, database, synth, summary, summary_file, results_file)
