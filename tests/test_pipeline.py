"""The main job (`make demo`): synthetic data in, a loaded store and a summary out, rerunnable in place."""

from __future__ import annotations

from pathlib import Path

import pytest

import socialstat.pipeline as pipeline


def test_demo_runs_end_to_end_and_reruns_in_place(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pipeline, "DEMO_PRESET", "goteborg")
    monkeypatch.setattr(pipeline, "DEMO_YEARS", "2023-2024")
    first = pipeline.run_demo(tmp_path / "demo", seed=5)
    assert first.database.exists()
    assert (first.canonical / "referrals.parquet").exists()
    text = first.summary_file.read_text(encoding="utf-8")
    assert "Rows per table:" in text
    assert "Socialförvaltning Nordost" in text
    rows = first.summary.tables.set_index("table")["rows"]
    assert rows["referrals"] == first.synth.rows["referrals"]
    second = pipeline.run_demo(tmp_path / "demo", seed=5)  # a rerun replaces the previous demo
    assert second.summary.tables.equals(first.summary.tables)
