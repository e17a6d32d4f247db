"""Releases: protected, immutable folders with a manifest; nothing personal in them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.errors import ReleaseError
from socialstat.release import create_release, list_releases, read_release
from socialstat.store import Store, init_store, load_canonical
from socialstat.synth import generate, parse_years

IDS = ["BU01", "BU02", "EB01", "VI01"]
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder = tmp_path_factory.mktemp("release")
    generate("1407", parse_years("2023-2024"), 11, folder / "canonical")
    with init_store(f"duckdb:///{folder / 'store.duckdb'}") as opened:
        load_canonical(opened, folder / "canonical")
        yield opened


def _create(store: Store, out: Path, name: str) -> object:
    return create_release(
        store, year=2024, name=name, out=out, structures=("municipalities",), first_year=2023, ids=IDS
    )


def test_a_release_is_protected_complete_and_immutable(store: Store, tmp_path: Path) -> None:
    made = _create(store, tmp_path, "2024-test")
    folder = tmp_path / "2024-test"
    assert sorted(p.name for p in folder.iterdir()) == ["cells.csv", "cells.parquet", "manifest.json", "metadata.json"]
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    assert (manifest["name"], manifest["year"], manifest["years"]) == ("2024-test", 2024, [2023, 2024])
    assert manifest["disclosure_rules"]["threshold"] == 5
    assert {b["table"] for b in manifest["batches"]} >= {"referrals", "persons"}
    assert manifest["files"]["cells.parquet"] == made.manifest["files"]["cells.parquet"]  # type: ignore[attr-defined]
    cells = read_release(folder).cells()
    assert "persons" not in cells.columns
    assert "disclosure" not in cells.columns  # primary or secondary is never published: a primary cell is 1-4
    suppressed = cells[cells["symbol"] == ".."]
    assert manifest["cells"]["total"] == len(cells)
    assert manifest["cells"]["suppressed"] == len(suppressed)
    assert len(suppressed) > 0  # a small municipality has small cells
    assert suppressed[["value", "numerator", "lower", "upper"]].isna().all().all()
    published = cells[cells["symbol"] != ".."]
    assert published["numerator"].notna().all()
    with pytest.raises(ReleaseError, match="exists already"):
        _create(store, tmp_path, "2024-test")
    assert not (folder / "cells.csv").stat().st_mode & 0o222  # read-only


def test_nothing_personal_is_in_a_release(store: Store, tmp_path: Path) -> None:
    _create(store, tmp_path, "scan")
    for file in (tmp_path / "scan").iterdir():
        text = file.read_bytes().decode("utf-8", errors="replace")
        assert not UUID.search(text), file.name  # no person or household key
        assert not re.search(r"\b\d{6}[-+]?\d{4}\b|\b\d{12}\b", text), file.name  # nothing like an identity number


def test_half_written_releases_are_never_listed_and_the_previous_one_is_known(store: Store, tmp_path: Path) -> None:
    (tmp_path / ".broken.partial-1234").mkdir()
    first = _create(store, tmp_path, "first")
    second = _create(store, tmp_path, "second")
    assert [r.name for r in list_releases(tmp_path)] == ["first", "second"]
    assert second.manifest["previous_release"] == "first"  # type: ignore[attr-defined]
    assert first.manifest["previous_release"] is None  # type: ignore[attr-defined]
    # The same data give the same published cells.
    assert first.cells().equals(second.cells())  # type: ignore[attr-defined]


def test_the_cli_creates_lists_and_shows_releases(tmp_path: Path) -> None:
    generate("1407", parse_years("2024"), 5, tmp_path / "canonical")
    db = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    with init_store(db) as own:
        load_canonical(own, tmp_path / "canonical")
    runner = CliRunner()
    out = str(tmp_path / "releases")
    args = ["release", "create", "--year", "2024", "--first-year", "2024", "--name", "cli", "--structure",
            "municipalities", "--out", out, "--db", db, *[a for i in IDS for a in ("--indicator", i)]]  # fmt: skip
    made = runner.invoke(cli, args)
    assert made.exit_code == 0, made.output
    assert "Release cli in" in made.output
    assert "cli" in runner.invoke(cli, ["release", "list", "--out", out]).output
    shown = runner.invoke(cli, ["release", "show", "cli", "--out", out])
    assert json.loads(shown.output)["name"] == "cli"
    again = runner.invoke(cli, args)
    assert again.exit_code == 1
    assert "exists already" in again.output
