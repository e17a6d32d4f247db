"""The main job on the embedded default: what `make demo` runs.

For now: synthesise Göteborg and GR (2015–2024) → create the store → load → ingest one municipality's
case-management extracts → summarise → a release of 2024 (2015–2024): the indicator catalogue computed for the
GR municipalities, GR, Göteborg's administrations and districts, protected by the disclosure rules and audited →
its exports as open data (CSV, Excel, Parquet, JSON-stat) → findings, the report and the site on Göteborg → a
privacy scan of everything it publishes (`socialstat.privacy`; privacy-scan.json, and an error on any find).
Later stages extend this function, not the CLI. The unprotected results are never written to disk: only the
release is.

One small municipality (Öckerö) does not come in as canonical data but the way a municipality's data do: its
rows are written as extracts in the four shipped source profiles' formats (Skatteverket test identity numbers,
1 % defective rows) and ingested under a pseudonymisation key the demo makes for itself in a temporary folder
outside the repository and deletes afterwards. Its persons for whom the test series has no number are left out.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from socialstat.analysis import Finding, release_findings, top
from socialstat.errors import PrivacyError
from socialstat.export import ExportResult, export_release
from socialstat.ingest import list_profiles, load_profile
from socialstat.ingest.run import IngestReport, ingest_files
from socialstat.privacy import ScanReport, scan_paths
from socialstat.pseudonym import Pseudonymiser, load_secret, new_key_file
from socialstat.release import Release, create_release
from socialstat.report import RenderedReport, example_config, render_report
from socialstat.site import BuiltSite, build_site
from socialstat.store import StoreSummary, format_summary, init_store, load_canonical, summarize
from socialstat.store.connect import Store
from socialstat.synth import SynthReport, generate, parse_years
from socialstat.synth.extracts import split_municipality, write_extracts

DEMO_PRESET = "gr"
DEMO_YEARS = "2015-2024"
DEMO_SEED = 20221231
DEMO_STRUCTURES = ("municipalities", "gr", "goteborg-administrations", "goteborg-districts")
DEMO_INGESTED = "1407"  # Öckerö: its data come in through extracts and ingest
DEMO_DEFECT_RATE = 0.01
DEMO_RELEASE = "2024"
DEMO_UNIT = "1480"  # Göteborg: the findings the demo states
# What the demo publishes or reports, scanned for personal data at its end (its inputs are not: the synthetic
# canonical data and extracts hold person keys and test identity numbers by design, the store is the database).
PUBLISHED = ("releases", "open-data", "report", "site", "summary.txt", "findings-*.json", "ingest-reconciliation.json")


@dataclass(frozen=True)
class DemoResult:
    """Where the demo put its outputs and what they hold."""

    out: Path
    canonical: Path
    database: Path
    synth: SynthReport
    summary: StoreSummary
    summary_file: Path
    release: Release
    export: ExportResult
    ingest: IngestReport | None = None
    ingest_file: Path | None = None
    findings: tuple[Finding, ...] = ()  # the most important about DEMO_UNIT
    findings_file: Path | None = None
    report: RenderedReport | None = None
    site: BuiltSite | None = None
    privacy: ScanReport | None = None  # the scan of what the demo publishes (PUBLISHED)
    privacy_file: Path | None = None


def run_demo(out: str | Path, *, seed: int = DEMO_SEED) -> DemoResult:
    """Run the demo into folder `out` (made if missing; a previous demo there is replaced)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    canonical = out / "canonical"
    database = out / "socialstat.duckdb"
    for path in (database, Path(f"{database}.wal")):
        path.unlink(missing_ok=True)
    folders = ("canonical", "extracts", "extract-source", "releases", "open-data", "report", "site")
    for folder in (out / f for f in folders):
        shutil.rmtree(folder, ignore_errors=True)
    synth = generate(DEMO_PRESET, parse_years(DEMO_YEARS), seed, canonical)
    years = parse_years(DEMO_YEARS)
    (out / "results.parquet").unlink(missing_ok=True)  # earlier demos wrote the unprotected results
    ingest_file = None
    with init_store(f"duckdb:///{database}") as store:
        ingested = _split_for_ingest(out, canonical, seed)
        load_canonical(store, canonical)
        ingest = _ingest_extracts(store, out) if ingested else None
        summary = summarize(store)
        release = create_release(
            store, year=years[-1], name=DEMO_RELEASE, out=out / "releases", structures=DEMO_STRUCTURES,
            first_year=years[0],
        )  # fmt: skip
    if ingest is not None:
        ingest_file = out / "ingest-reconciliation.json"
        ingest_file.write_text(json.dumps(ingest.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    summary_file = out / "summary.txt"
    summary_file.write_text(format_summary(summary) + "\n", encoding="utf-8")
    exported = export_release(release, out / "open-data" / DEMO_RELEASE)
    found, findings_file = _findings(release, out)
    report = site = None
    if findings_file is not None:  # the report and the site on Göteborg (the report with the analysts' text)
        report = render_report(release, out / "report" / DEMO_RELEASE, unit=DEMO_UNIT, config=example_config())
        site = build_site(release, out / "site" / DEMO_RELEASE, unit=DEMO_UNIT, export=exported.path)
    privacy, privacy_file = _privacy_scan(out)
    return DemoResult(
        out, canonical, database, synth, summary, summary_file, release, exported, ingest, ingest_file, found,
        findings_file, report, site, privacy, privacy_file,
    )  # fmt: skip


def _privacy_scan(out: Path) -> tuple[ScanReport, Path]:
    """Scan what the demo publishes or reports (not its inputs: the synthetic microdata, extracts and store)."""
    paths = [p for name in PUBLISHED for p in sorted(out.glob(name))]
    report = scan_paths(paths)
    path = out / "privacy-scan.json"
    path.write_text(json.dumps(report.as_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if not report.clean:
        shown = "\n".join(f"  {f}" for f in report.findings[:20])
        raise PrivacyError(f"the privacy scan found {len(report.findings)} things in the demo's outputs:\n{shown}")
    return report, path


def _findings(release: Release, out: Path) -> tuple[tuple[Finding, ...], Path | None]:
    """The release's findings about DEMO_UNIT and the units under it, all of them as JSON, the top ten kept."""
    units = {u["unit_code"] for u in release.metadata().get("units", [])}
    if DEMO_UNIT not in units:
        return (), None
    found = release_findings(release, unit=DEMO_UNIT)
    path = out / f"findings-{DEMO_RELEASE}.json"
    payload = {"release": DEMO_RELEASE, "unit": DEMO_UNIT, "findings": [f.to_dict() for f in found]}
    path.write_text(json.dumps(payload, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return tuple(top(found, 10)), path


def _split_for_ingest(out: Path, canonical: Path, seed: int) -> bool:
    """Take DEMO_INGESTED's rows out of the canonical data and write them as extracts; False if it is not there."""
    referrals = pd.read_parquet(canonical / "referrals.parquet", columns=["municipality_code"])
    if DEMO_INGESTED not in set(referrals["municipality_code"]):
        return False
    source = out / "extract-source"
    split_municipality(canonical, DEMO_INGESTED, source)
    write_extracts(source, list_profiles(), out / "extracts", defect_rate=DEMO_DEFECT_RATE, seed=seed)
    shutil.rmtree(source)  # the extracts and their manifest are what remains
    return True


def _ingest_extracts(store: Store, out: Path) -> IngestReport:
    """Ingest every extract written for DEMO_INGESTED, under a key made for the demo and deleted after it."""
    with tempfile.TemporaryDirectory(prefix="socialstat-demo-key-") as folder:
        pseudonymiser = Pseudonymiser(load_secret(key_file=new_key_file(Path(folder) / "key")))
    report = IngestReport(", ".join(list_profiles()), DEMO_INGESTED, None)
    for name in list_profiles():
        files = sorted((out / "extracts" / name).glob(f"{DEMO_INGESTED}.*"))
        report.files += ingest_files(store, files, load_profile(name), DEMO_INGESTED, pseudonymiser).files
    return report
