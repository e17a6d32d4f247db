"""Releases: protected, immutable folders with a manifest; nothing personal in them."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import asdict
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.disclosure import DisclosureRules
from socialstat.disclosure.results import KEY
from socialstat.errors import ReleaseError
from socialstat.release import Release, audit_release, create_release, diff_releases, list_releases, read_release
from socialstat.release.audit import read_record, write_record
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
    assert manifest["audit"]["passed"]
    assert manifest["audit"]["suppressed_cells"] == len(suppressed)
    meta = json.loads((folder / "metadata.json").read_text(encoding="utf-8"))
    assert sorted(meta["indicators"]) == sorted(IDS)
    assert meta["indicators"]["BU01"]["title"]["en"] == "Referrals by kind"
    assert [(u["unit_code"], u["name_sv"]) for u in meta["units"]] == [("1407", "Öckerö")]
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", meta["units"][0]["valid_from"])
    assert meta["periods"] == [2023, 2024]
    assert set(meta["symbols"]) == {"..", "-"}
    assert set(cells["note"]) - {""} <= set(meta["footnotes"])
    assert meta["areas"]["children_youth"] == {"sv": "Barn och unga", "en": "Children and young people"}
    assert meta["breakdowns"]["kind"]["application"] == {"sv": "Ansökan", "en": "Application"}


def test_the_audit_passes_and_its_record_stays_in_the_store(store: Store, tmp_path: Path) -> None:
    made = _create(store, tmp_path, "audited")
    record = read_record(store, made.manifest["content_sha256"])  # type: ignore[attr-defined]
    cells = made.cells()  # type: ignore[attr-defined]
    assert len(record) == (cells["symbol"] == "..").sum()
    assert set(record["disclosure"]) == {"primary", "secondary"}
    assert set(record["rule"]) <= {"persons", "denominator", "secondary"}
    audited = record[record["lower"].notna()]
    assert (audited["lower"] <= audited["numerator"]).all()
    assert (audited["numerator"] <= audited["upper"]).all()
    primary = audited[audited["disclosure"] == "primary"]
    assert ((primary["upper"] - primary["lower"]) >= 5).all()
    assert not record["exposed"].any()
    again = audit_release(store, made, None)
    assert again.passed
    assert again.summary()["cells_exposed"] == 0
    for file in (tmp_path / "audited").iterdir():  # the record is never published
        assert b"primary" not in file.read_bytes(), file.name


def test_published_counts_can_be_rounded(store: Store, tmp_path: Path) -> None:
    made = create_release(
        store, year=2024, name="rounded", out=tmp_path, structures=("municipalities",), first_year=2024, ids=IDS,
        rules=DisclosureRules(rounding=5),
    )  # fmt: skip
    cells = made.cells()
    shown = cells["numerator"].dropna()
    assert len(shown) > 0
    assert (shown % 5 == 0).all()
    counts = cells[(cells["method"] == "count") & cells["value"].notna()]
    assert counts["value"].equals(counts["numerator"])


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
    audited = runner.invoke(cli, ["audit", "cli", "--out", out, "--db", db, "--cells", "3"])
    assert audited.exit_code == 0, audited.output
    assert "Audit passed" in audited.output
    narrowest = audited.output.split("(confidential: do not publish):\n")[1].splitlines()
    assert 1 <= len(narrowest) <= 3
    assert narrowest[0].split()[:2] == ["primary", "persons"]
    rules = tmp_path / "strict.yaml"
    rules.write_text("threshold: 10\nrounding: 5\n", encoding="utf-8")
    stricter = [*args[:7], "strict", *args[8:], "--rules", str(rules)]
    # Beside "cli", a stricter threshold cannot hide what "cli" already published: nothing is written.
    refused = runner.invoke(cli, stricter)
    assert refused.exit_code == 1
    assert "Audit FAILED" in refused.output
    assert "strict" not in runner.invoke(cli, ["release", "list", "--out", out]).output
    elsewhere = str(tmp_path / "strict-releases")
    made = runner.invoke(cli, [*stricter[:11], elsewhere, *stricter[12:]])
    assert made.exit_code == 0, made.output
    shown = json.loads(runner.invoke(cli, ["release", "show", "strict", "--out", elsewhere]).output)
    assert (shown["disclosure_rules"]["threshold"], shown["disclosure_rules"]["rounding"]) == (10, 5)
    default = json.loads(runner.invoke(cli, ["release", "show", "cli", "--out", out]).output)
    assert shown["cells"]["suppressed"] >= default["cells"]["suppressed"]


def test_the_audit_fails_a_release_that_publishes_what_protected_a_cell(tmp_path: Path) -> None:
    generate("1407", parse_years("2024"), 5, tmp_path / "canonical")
    db = f"duckdb:///{tmp_path / 'tamper.duckdb'}"
    with init_store(db) as own:
        load_canonical(own, tmp_path / "canonical")
        made = create_release(own, year=2024, name="t", out=tmp_path, structures=("municipalities",), first_year=2024)
        content = made.manifest["content_sha256"]
        record = read_record(own, content)
        cells = made.cells()
        # Someone publishes the secondary cells of counts (their true counts), and the record follows.
        method = cells.set_index(KEY)["method"]
        keyed = record.set_index(KEY)
        opened = keyed[(keyed["disclosure"] == "secondary") & (method.reindex(keyed.index) == "count")]
        assert len(opened) > 0
        folder = tmp_path / "t"
        for file in folder.iterdir():
            file.chmod(0o644)
        tampered = cells.set_index(KEY)
        tampered.loc[opened.index, ["numerator", "value"]] = opened[["numerator", "numerator"]].to_numpy()
        tampered.loc[opened.index, "symbol"] = ""
        tampered.reset_index().to_parquet(folder / "cells.parquet", index=False)
        write_record(own, content, keyed.drop(index=opened.index).reset_index()[record.columns])
        failed = audit_release(own, read_release(folder), None)
        assert not failed.passed
        assert failed.summary()["cells_exposed"] > 0
        assert any(line.startswith("  exposed:") for line in failed.lines())
        # A record that does not match the release is refused.
        write_record(own, content, record.iloc[1:])
        with pytest.raises(ReleaseError, match="disclosure record holds"):
            audit_release(own, read_release(folder), None)
    runner = CliRunner()
    with init_store(db) as own:
        write_record(own, content, keyed.drop(index=opened.index).reset_index()[record.columns])
    result = runner.invoke(cli, ["audit", "t", "--out", str(tmp_path), "--db", db])
    assert result.exit_code == 1
    assert "Audit FAILED" in result.output


def _fake(folder: Path, name: str, cells: list[tuple[str, int, float | None, str]], **manifest: object) -> Release:
    """A release folder written by hand: indicator, period, value and symbol per cell (unit 1407, no breakdown)."""
    path = folder / name
    path.mkdir()
    frame = pd.DataFrame(cells, columns=["indicator", "period", "value", "symbol"]).assign(
        structure="municipalities", unit_code="1407", breakdown="total", breakdown_value="total"
    )
    frame["numerator"] = frame["value"]
    for column in ["lower", "upper", "denominator"]:
        frame[column] = float("nan")
    frame.to_parquet(path / "cells.parquet", index=False)
    definition = manifest.pop("definition", "Antal")
    indicators = {i: {"definition": {"sv": definition, "en": "Number"}} for i in frame["indicator"].unique()}
    (path / "metadata.json").write_text(json.dumps({"indicators": indicators}), encoding="utf-8")
    base = {
        "format": "socialstat-release/1", "name": name, "created_at": name, "years": [2023, 2024],
        "structures": ["municipalities"], "socialstat_version": "0", "batches": [{"batch_id": "b1"}],
        "disclosure_rules": asdict(DisclosureRules()),
    }  # fmt: skip
    (path / "manifest.json").write_text(json.dumps({**base, **manifest}), encoding="utf-8")
    return read_release(path)


def test_a_diff_names_each_changed_cell_and_why(tmp_path: Path) -> None:
    before = _fake(
        tmp_path, "a", [("X", 2023, 10, ""), ("X", 2024, 12, ""), ("Y", 2024, None, ".."), ("Z", 2024, 7, "")]
    )
    after = _fake(
        tmp_path, "b",
        [("X", 2023, 10, ""), ("X", 2024, 13, ""), ("Y", 2024, 9, ""), ("Z", 2024, None, ".."), ("X", 2025, 4, "")],
        years=[2023, 2025],
    )  # fmt: skip
    found = diff_releases(before, after)
    changes = {(r.indicator, r.period): (r.change, r.reasons) for r in found.cells.itertuples()}
    assert changes == {
        ("X", 2024): ("revised", "code"),  # same batches, rules and definitions: only the code can explain it
        ("Y", 2024): ("unsuppressed", "disclosure"),
        ("Z", 2024): ("suppressed", "disclosure"),
        ("X", 2025): ("added", "years"),
    }
    assert found.summary()["changes"] == {"added": 1, "revised": 1, "suppressed": 1, "unsuppressed": 1}
    # New data and a changed definition are named.
    later = _fake(
        tmp_path, "c", [("X", 2023, 11, ""), ("X", 2024, 13, "")], batches=[{"batch_id": "b1"}, {"batch_id": "b2"}],
        definition="Antal, ny definition",
    )  # fmt: skip
    revised = diff_releases(after, later)
    assert set(revised.cells.loc[revised.cells["change"] == "revised", "reasons"]) == {"definition,data"}
    assert revised.summary()["batches_loaded_since"] == ["b2"]
    assert revised.summary()["definitions_changed"] == ["X"]
    removed = revised.cells[revised.cells["change"] == "removed"].set_index(["indicator", "period"])["reasons"]
    assert removed.to_dict() == {("X", 2025): "years", ("Y", 2024): "data", ("Z", 2024): "data"}


def test_the_cli_diffs_two_releases(tmp_path: Path) -> None:
    _fake(tmp_path, "a", [("X", 2024, 12, "")])
    _fake(tmp_path, "b", [("X", 2024, 13, "")])
    runner = CliRunner()
    shown = runner.invoke(
        cli, ["release", "diff", "a", "b", "--out", str(tmp_path), "--cells", str(tmp_path / "d.csv")]
    )
    assert shown.exit_code == 0, shown.output
    assert "a → b: 1 cells changed" in shown.output
    assert pd.read_csv(tmp_path / "d.csv")["change"].tolist() == ["revised"]
    as_json = runner.invoke(cli, ["release", "diff", "a", "b", "--out", str(tmp_path), "--json"])
    assert json.loads(as_json.output)["changes"] == {"revised": 1}
    missing = runner.invoke(cli, ["release", "diff", "a", "nope", "--out", str(tmp_path)])
    assert missing.exit_code == 1
    assert "no release 'nope'" in missing.output
