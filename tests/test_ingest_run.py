"""Ingest into the store: batches, reconciliation, batch-wide duplicates, atomicity, withdrawal."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.errors import LoadError
from socialstat.ingest import load_profile
from socialstat.ingest.read import ExtractError
from socialstat.ingest.run import RejectRateExceeded, ingest_files
from socialstat.pseudonym import Pseudonymiser
from socialstat.store import Store, init_store
from socialstat.store.batches import list_batches, withdraw_batch

SECRET = b"a test secret for ingest, not for production"
TODAY = dt.date(2026, 11, 23)
NUMBERS = Path(__file__).resolve().parents[1] / "src/socialstat/reference/data/skatteverket_test_personnummer.txt"
# Skatteverket's test personnummer born 1990-2010: the only identity numbers tests may use.
PNR = [n for n in NUMBERS.read_text().split() if "1990" <= n[:4] <= "2010"]
HEADER = ["Ärendenummer", "Personnummer", "Namn", "Inkommet datum", "Aktualiseringstyp", "Anmälare",
          "Beslut förhandsbedömning", "Beslutsdatum", "Stadsområde", "Skäl 1", "Skäl 2", "Skäl 3",
          "Anteckning"]  # fmt: skip


def _row(rid: str, pnr: str, received: str = "2021-03-04") -> list[str]:
    return [rid, pnr, "Namn Namnsson", received, "Anmälan", "Skola", "Utredning inleds", "2021-03-10", "Hjällbo",
            "Skolproblem", "Förälders missbruk", "", "Fritext"]  # fmt: skip


def _csv(path: Path, rows: list[list[str]]) -> Path:
    path.write_bytes(("\r\n".join(";".join(r) for r in [HEADER, *rows]) + "\r\n").encode("cp1252"))
    return path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with init_store(f"duckdb:///{tmp_path / 'store.duckdb'}") as opened:
        yield opened


def _ingest(store: Store, *paths: Path, profile: str = "treserva-referrals", **options: object) -> object:
    return ingest_files(
        store, list(paths), load_profile(profile), "1480", Pseudonymiser(SECRET), today=TODAY, **options
    )  # type: ignore[arg-type]


def _count(store: Store, table: str) -> int:
    return int(store.table(table).count().execute())


def _all_text(store: Store) -> str:
    return "\n".join(store.table(t).execute().astype(str).to_string() for t in store.tables())


def test_a_file_becomes_a_batch_whose_reconciliation_balances(store: Store, tmp_path: Path) -> None:
    rows = [_row(f"R{i}", PNR[i]) for i in range(6)]
    rows += [_row("R90", "19900101-0000"), _row("R91", PNR[0], received="2031-01-01")]  # bad number, future date
    report = _ingest(store, _csv(tmp_path / "ref.csv", rows))
    (result,) = report.files
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (8, 6, 2)
    assert result.balanced
    assert result.status == "loaded"
    assert result.reasons == {
        "identity_check_digit:Personnummer": 1,
        "future_date:received_date": 1,
        "decision_before_receipt:decision_date": 1,
    }
    assert (result.reason_rows, result.new_persons) == (12, 6)
    assert (_count(store, "referrals"), _count(store, "referral_reasons"), _count(store, "persons")) == (6, 12, 6)
    quarantine = store.table("quarantine").execute().sort_values("line")
    assert list(quarantine["line"]) == [8, 9]
    assert list(quarantine["reasons"]) == [
        "identity_check_digit:Personnummer",
        "future_date:received_date,decision_before_receipt:decision_date",
    ]
    assert quarantine["identity"].str.endswith("-****").all()
    batch = list_batches(store).iloc[0]
    assert (batch["rows_read"], batch["rows_loaded"], batch["rows_quarantined"]) == (8, 6, 2)
    assert (batch["source"], batch["municipality_code"], batch["status"]) == ("ref.csv", "1480", "loaded")
    stored = store.table("referrals").execute()
    assert set(stored["batch_id"]) == {result.batch_id}
    assert set(stored["area_code"]) == {"1480-ANG-01"}  # Hjällbo, by name, from the reference organisation
    text = _all_text(store)
    for number in PNR[:6]:  # no identity number, in any form, anywhere in the store
        assert number not in text
        assert number[2:] not in text
        assert f"{number[2:8]}-{number[8:]}" not in text
    assert "Namnsson" not in text
    assert "Fritext" not in text


def test_the_same_file_twice_loads_nothing_new(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "ref.csv", [_row("R1", PNR[0])])
    first = _ingest(store, path).files[0]
    again = _ingest(store, path, path).files
    assert [r.status for r in again] == ["already_loaded", "already_loaded"]
    assert {r.batch_id for r in again} == {first.batch_id}
    assert (_count(store, "referrals"), _count(store, "batches")) == (1, 1)


def test_keys_an_earlier_batch_loaded_are_quarantined(store: Store, tmp_path: Path) -> None:
    _ingest(store, _csv(tmp_path / "a.csv", [_row("R1", PNR[0]), _row("R2", PNR[1])]))
    result = _ingest(store, _csv(tmp_path / "b.csv", [_row("R2", PNR[1]), _row("R3", PNR[1])])).files[0]
    assert (result.rows_loaded, result.rows_quarantined, result.new_persons) == (1, 1, 0)
    assert result.reasons == {"duplicate_in_store": 1}
    assert _count(store, "persons") == 2  # the person of R3 was known already


def test_duplicates_across_chunks_of_one_file_are_all_set_aside(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialstat.ingest.read.CHUNK_ROWS", 2)
    path = tmp_path / "inv.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Utredningar")
    sheet.write_row(0, 0, ["Utredningar 2021"])
    header = ["Utredning-ID", "Personnr", "Aktualisering-ID", "Startdatum", "Slutdatum", "Förlängd", "Resultat",
              "Målgrupp", "Lagrum", "Områdeskod"]  # fmt: skip
    sheet.write_row(2, 0, header)
    for i, uid in enumerate(["U1", "U2", "U3", "U1", "U4"]):
        sheet.write_row(
            3 + i, 0, [uid, PNR[i], "", "2021-02-01", "2021-05-01", "Nej", "BEV", "BoU", "SoL", "1480-ANG-01"]
        )
    book.close()
    result = _ingest(store, path, profile="lifecare-investigations").files[0]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (5, 3, 2)
    assert result.reasons == {"duplicate_key": 2}
    assert sorted(store.table("quarantine").execute()["line"]) == [4, 7]  # both U1 rows, in different chunks
    assert sorted(store.table("investigations").execute()["investigation_id"]) == ["U2", "U3", "U4"]


def test_a_breached_reject_rate_keeps_nothing(store: Store, tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", [_row("R1", PNR[0])])
    bad = _csv(tmp_path / "bad.csv", [_row("R2", PNR[1]), _row("R3", "19900101-0000")])
    with pytest.raises(RejectRateExceeded, match=r"bad\.csv: 1 of 2 rows \(50\.0%\) .* nothing was loaded") as caught:
        _ingest(store, good, bad, max_reject_rate=0.05)
    assert caught.value.report.status == "refused"
    assert [f.rows_read for f in caught.value.report.files] == [1, 2]
    for table in ("referrals", "referral_reasons", "persons", "batches", "quarantine", "units", "areas"):
        assert _count(store, table) == 0, table


def test_an_unreadable_file_keeps_nothing_of_the_run(store: Store, tmp_path: Path) -> None:
    good = _csv(tmp_path / "good.csv", [_row("R1", PNR[0])])
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(ExtractError, match=r"empty\.csv: the file is empty"):
        _ingest(store, good, empty)
    assert _count(store, "referrals") == _count(store, "batches") == 0


def test_an_interrupt_in_the_middle_keeps_nothing(store: Store, tmp_path: Path) -> None:
    path = _csv(tmp_path / "ref.csv", [_row(f"R{i}", PNR[i]) for i in range(5)])

    def interrupt(name: str, progress: object) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        _ingest(store, path, progress=interrupt)
    assert _count(store, "referrals") == _count(store, "quarantine") == _count(store, "batches") == 0
    assert _ingest(store, path).files[0].rows_loaded == 5  # and a rerun completes


def test_withdrawing_a_batch_takes_its_rows_out_and_keeps_shared_persons(store: Store, tmp_path: Path) -> None:
    first = _ingest(store, _csv(tmp_path / "a.csv", [_row("R1", PNR[0]), _row("R2", PNR[1]), _row("RX", "x")]))
    _ingest(store, _csv(tmp_path / "b.csv", [_row("R3", PNR[1])]))
    batch = first.files[0].batch_id
    deleted = withdraw_batch(store, batch)
    assert deleted == {"referrals": 2, "referral_reasons": 4, "persons": 1, "quarantine": 1}
    assert list(store.table("referrals").execute()["referral_id"]) == ["R3"]
    assert _count(store, "persons") == 1  # the person of R2 is still referred to by R3
    assert list_batches(store).set_index("batch_id").loc[batch, "status"] == "withdrawn"
    with pytest.raises(LoadError, match="already withdrawn"):
        withdraw_batch(store, batch)
    with pytest.raises(LoadError, match="no batch 'nope'"):
        withdraw_batch(store, "nope")
    again = _ingest(store, tmp_path / "a.csv").files[0]  # the same file can be loaded again, as a new batch
    assert (again.status, again.batch_id) == ("loaded", f"{batch}-2")


def test_the_cli_prints_and_writes_the_reconciliation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    key = tmp_path / "key"
    assert runner.invoke(cli, ["key", "new", str(key)]).exit_code == 0
    path = _csv(tmp_path / "ref.csv", [_row("R1", PNR[0]), _row("R2", "19900101-0000")])
    args = ["ingest", str(path), "--profile", "treserva-referrals", "--municipality", "1480", "--db", db]

    no_key = runner.invoke(cli, args, env={"SOCIALSTAT_KEY": ""})
    assert no_key.exit_code == 1
    assert "no pseudonymisation key" in no_key.output

    refused = runner.invoke(cli, [*args, "--key-file", str(key), "--max-reject-rate", "0.1", "--report", "r.json"])
    assert refused.exit_code == 1
    assert "rows read 2 = loaded 1 + quarantined 1 (balances)" in refused.output
    assert "Error: ref.csv: 1 of 2 rows" in refused.output
    assert json.loads((tmp_path / "r.json").read_text())["status"] == "refused"

    done = runner.invoke(cli, [*args, "--key-file", str(key), "--report", "ok.json"])
    assert done.exit_code == 0, done.output
    data = json.loads((tmp_path / "ok.json").read_text())
    assert data["files"][0] | {"sha256": "", "batch_id": ""} == {
        "file": "ref.csv", "sha256": "", "table": "referrals", "status": "loaded", "batch_id": "",
        "encoding": "windows-1252", "rows_read": 2, "rows_loaded": 1, "rows_quarantined": 1,
        "reasons": {"identity_check_digit:Personnummer": 1}, "reason_rows": 2, "new_persons": 1, "balanced": True,
    }  # fmt: skip
    for output in (refused.output, done.output, (tmp_path / "ok.json").read_text()):
        assert PNR[0] not in output
        assert PNR[0][2:8] not in output
        assert "0000" not in output

    listed = runner.invoke(cli, ["batch", "list", "--db", db])
    assert data["files"][0]["batch_id"] in listed.output
    assert "ref.csv" in listed.output
    withdrawn = runner.invoke(cli, ["batch", "withdraw", data["files"][0]["batch_id"], "--db", db])
    assert withdrawn.exit_code == 0
    assert "referrals 1" in withdrawn.output


def test_the_quarantine_frame_of_a_batch_has_one_row_per_set_aside_line(store: Store, tmp_path: Path) -> None:
    rows = [_row("R1", PNR[0]), ["R2", PNR[1], "too", "few"], _row("R3", PNR[2])]
    result = _ingest(store, _csv(tmp_path / "ref.csv", rows)).files[0]
    quarantine = store.table("quarantine").execute()
    assert quarantine[["line", "reasons"]].to_dict("records") == [{"line": 3, "reasons": "malformed_row"}]
    assert pd.isna(quarantine.loc[0, "identity"])  # a malformed line is never read
    assert result.balanced
    assert result.rows_loaded == 2


def test_a_chunk_larger_than_a_row_group_is_loaded_whole(store: Store, tmp_path: Path) -> None:
    # ibis 12 + DuckDB 1.5 silently dropped inserts of more than 122 880 rows into a table created with
    # overwrite=True inside a transaction; the stage must not lose them, and the store-side count must agree.
    n = 130_000
    lines = [";".join(HEADER)] + [";".join(_row(f"R{i}", PNR[i % 50])) for i in range(n)]
    path = tmp_path / "big.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode("cp1252"))
    result = _ingest(store, path).files[0]
    assert (result.rows_read, result.rows_loaded, result.rows_quarantined) == (n, n, 0)
    assert _count(store, "referrals") == n
    assert _count(store, "referral_reasons") == 2 * n


def test_keys_of_another_file_of_the_same_run_are_quarantined(store: Store, tmp_path: Path) -> None:
    a = _csv(tmp_path / "a.csv", [_row("R1", PNR[0]), _row("R2", PNR[1])])
    b = _csv(tmp_path / "b.csv", [_row("R2", PNR[1]), _row("R3", PNR[2])])
    first, second = _ingest(store, a, b).files
    assert (first.rows_loaded, second.rows_loaded) == (2, 1)
    assert second.reasons == {"duplicate_in_store": 1}
    assert sorted(store.table("referrals").execute()["referral_id"]) == ["R1", "R2", "R3"]


def test_a_stage_left_by_a_crash_is_cleared_and_never_read(store: Store, tmp_path: Path) -> None:
    con = store.backend.con
    con.execute("CREATE SCHEMA ingest_stage")
    con.execute("CREATE TABLE ingest_stage.rows_left_behind AS SELECT 'R9' AS referral_id")
    assert "rows_left_behind" not in store.tables()  # the canonical tables never include the stage
    _ingest(store, _csv(tmp_path / "a.csv", [_row("R1", PNR[0])]))
    schemas = {r[0] for r in con.execute("SELECT schema_name FROM information_schema.schemata").fetchall()}
    assert "ingest_stage" not in schemas
    assert list(store.table("referrals").execute()["referral_id"]) == ["R1"]


def test_the_stage_spills_into_a_folder_of_its_own_and_one_a_killed_run_left_is_removed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import os
    import subprocess
    import sys

    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    left = tmp_path / f".spill.duckdb.stage-{int(gone.stdout)}-0badc0de"  # a run killed outright left its stage
    left.mkdir()
    (left / "duckdb_temp_storage_DEFAULT-0.tmp").write_bytes(b"pseudonymised rows")
    monkeypatch.setattr("socialstat.ingest.read.BLOCK_BYTES", 1 << 20)  # many chunks: many appends to the stage
    path = _csv(tmp_path / "big.csv", [_row(f"R{i}", PNR[i % len(PNR)]) for i in range(100_000)])
    seen: list[list[str]] = []

    def look(name: str, progress: object) -> None:
        seen.append(sorted(p.name for p in tmp_path.glob(".spill.duckdb.*")))
        assert not (tmp_path / "spill.duckdb.tmp").exists()  # never the folder DuckDB shares between processes

    # A memory cap of a few MB makes DuckDB spill even this small stage.
    with init_store(f"duckdb:///{tmp_path / 'spill.duckdb'}?memory_limit=32MB") as store:
        assert _ingest(store, path, progress=look).files[0].rows_loaded == 100_000
    assert not left.exists()
    spilled = {name for names in seen for name in names}
    assert len(spilled) == 1
    assert spilled.pop().startswith(f".spill.duckdb.stage-{os.getpid()}-")
    assert [p.name for p in tmp_path.glob(".spill.duckdb.*")] == []  # DuckDB removes it when the store closes


def test_a_temp_directory_in_the_store_url_is_where_the_stage_spills(tmp_path: Path) -> None:
    from socialstat.ingest.stage import Stage

    mine = tmp_path / "encrypted-volume"
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}?temp_directory={mine}") as store:
        stage = Stage(store)
        try:
            (folder,) = store.backend.con.execute("SELECT current_setting('temp_directory')").fetchone()
        finally:
            stage.drop()
    assert folder == str(mine)


def test_a_store_named_like_the_stage_is_refused_clearly(tmp_path: Path) -> None:
    from socialstat.errors import StoreError

    with init_store(f"duckdb:///{tmp_path / 'ingest_stage.duckdb'}") as store:
        with pytest.raises(StoreError, match=r"may not be called ingest_stage\.duckdb"):
            _ingest(store, _csv(tmp_path / "a.csv", [_row("R1", PNR[0])]))
        assert _count(store, "referrals") == 0
