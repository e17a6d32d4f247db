"""The main job (`make demo`): synthetic data in, a loaded store and a summary out, rerunnable in place."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import socialstat.pipeline as pipeline
from socialstat.errors import PrivacyError

DATA = Path(__file__).parents[1] / "src" / "socialstat" / "reference" / "data"


def test_demo_runs_end_to_end_and_reruns_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "DEMO_PRESET", "goteborg")
    monkeypatch.setattr(pipeline, "DEMO_YEARS", "2021-2024")  # the example text cites a figure looking 3 years back
    first = pipeline.run_demo(tmp_path / "demo", seed=5)
    assert first.database.exists()
    assert (first.canonical / "referrals.parquet").exists()
    text = first.summary_file.read_text(encoding="utf-8")
    assert "Rows per table:" in text
    assert "Socialförvaltning Nordost" in text
    rows = first.summary.tables.set_index("table")["rows"]
    assert rows["referrals"] == first.synth.rows["referrals"]
    # The demo ends with an audited release; the unprotected results are never left on disk.
    assert first.release.path == tmp_path / "demo" / "releases" / "2024"
    assert first.release.manifest["audit"]["passed"]
    assert first.release.manifest["years"] == [2021, 2024]
    assert not list((tmp_path / "demo").glob("results*"))
    assert (first.export.path / "cells.csv").exists()
    assert (first.export.path / "jsonstat" / "collection.json").exists()
    # ... and states what the release shows about Göteborg, from the release alone.
    assert first.findings_file == tmp_path / "demo" / "findings-2024.json"
    assert 0 < len(first.findings) <= 10
    assert all(f.sentence["sv"].startswith("I ") and f.last == 2024 for f in first.findings)
    assert first.report is not None  # ... and ends with the report on Göteborg
    assert [p.name for p in first.report.files] == ["report.html", "report.pdf"]
    assert first.report.path == tmp_path / "demo" / "report" / "2024"
    assert first.site is not None  # ... and the site, its downloads copied from the export
    assert (first.site.path / "sv" / "index.html").is_file()
    assert (first.site.path / "downloads" / "release" / "export.json").is_file()
    # ... and nothing it publishes holds an identity number, a person key or a free-text field.
    assert first.privacy is not None
    assert first.privacy.clean
    assert first.privacy.files > 1000  # releases, exports, report, site, summaries
    assert first.privacy_file == tmp_path / "demo" / "privacy-scan.json"
    second = pipeline.run_demo(tmp_path / "demo", seed=5)  # a rerun replaces the previous demo
    assert second.summary.tables.equals(first.summary.tables)
    assert second.release.cells().equals(first.release.cells())


def test_the_demo_brings_one_municipality_in_through_extracts_and_ingest(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pipeline, "DEMO_PRESET", "1407")
    monkeypatch.setattr(pipeline, "DEMO_YEARS", "2023-2024")
    monkeypatch.setattr(pipeline, "DEMO_STRUCTURES", ("municipalities",))
    result = pipeline.run_demo(tmp_path / "demo", seed=5)
    assert result.ingest is not None
    by_table = {f.table: f for f in result.ingest.files}
    assert set(by_table) == {"referrals", "investigations", "interventions", "assistance_payments"}
    assert all(f.balanced and f.rows_quarantined > 0 for f in by_table.values())
    rows = result.summary.tables.set_index("table")["rows"]
    for table, f in by_table.items():
        assert rows[table] == f.rows_loaded  # all of Öckerö's rows of these tables came through ingest
    assert rows["referral_reasons"] == by_table["referrals"].reason_rows
    assert not (tmp_path / "demo" / "extract-source").exists()
    assert (tmp_path / "demo" / "extracts" / "manifest.json").exists()
    assert result.ingest_file is not None
    assert '"balanced": true' in result.ingest_file.read_text(encoding="utf-8")
    assert result.privacy is not None
    assert result.privacy.clean


def test_the_demo_stops_when_an_output_holds_personal_data(tmp_path: Path) -> None:
    number = next(iter((DATA / "skatteverket_test_personnummer.txt").read_text().split()))
    (tmp_path / "report" / "2024").mkdir(parents=True)
    (tmp_path / "summary.txt").write_text("Rows per table: 12\n", encoding="utf-8")
    assert pipeline._privacy_scan(tmp_path)[0].clean
    (tmp_path / "report" / "2024" / "report.html").write_text(f"<p>{number}</p>", encoding="utf-8")
    with pytest.raises(PrivacyError, match=r"report\.html:line 1: identity number \d{6}-\*\*\*\*") as caught:
        pipeline._privacy_scan(tmp_path)
    assert number[2:] not in str(caught.value)
    assert not json.loads((tmp_path / "privacy-scan.json").read_text())["clean"]
