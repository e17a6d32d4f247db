"""Hostile files through `socialstat ingest`: each gets a clear error (and nothing is loaded) or an exact
quarantine whose reconciliation balances; no identity number or key is ever shown."""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path

import pytest
import xlsxwriter
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.store import init_store

DATA = Path(__file__).resolve().parents[1] / "src/socialstat/reference/data"
# Skatteverket's test personnummer born 1995-2010: the only identity numbers tests may use.
PNR = [n for n in (DATA / "skatteverket_test_personnummer.txt").read_text().split() if "1995" <= n[:4] <= "2010"]
SECRET = "hostile-file test key, long enough, not for production"
TRESERVA = ["Ärendenummer", "Personnummer", "Namn", "Inkommet datum", "Aktualiseringstyp", "Anmälare",
            "Beslut förhandsbedömning", "Beslutsdatum", "Stadsområde", "Skäl 1", "Skäl 2", "Skäl 3"]  # fmt: skip


def _row(i: int, pnr: str | None = None) -> list[str]:
    number = PNR[i] if pnr is None else pnr
    return [f"R{i}", number, "Namn", "2022-05-04", "Anmälan", "Skola", "Utredning inleds", "2022-05-10", "Hjällbo",
            "Skolproblem", "", ""]  # fmt: skip


def _text(rows: list[list[str]]) -> str:
    return "".join(";".join(r) + "\r\n" for r in rows)


def _run(tmp_path: Path, path: Path, profile: str = "treserva-referrals") -> tuple[int, str, dict | None]:
    db = f"duckdb:///{tmp_path / 'store.duckdb'}"
    if not (tmp_path / "store.duckdb").exists():
        init_store(db).close()
    report = tmp_path / "report.json"
    report.unlink(missing_ok=True)
    args = ["ingest", str(path), "--profile", profile, "--municipality", "1480", "--db", db, "--report", str(report)]
    result = CliRunner().invoke(cli, args, env={"SOCIALSTAT_KEY": SECRET})
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    data = json.loads(report.read_text()) if report.exists() else None
    return result.exit_code, result.output, data


def _stored(tmp_path: Path, table: str) -> int:
    with init_store(f"duckdb:///{tmp_path / 'store.duckdb'}") as store:
        return int(store.table(table).count().execute())


def _no_identity(text: str) -> None:
    for number in PNR[:20]:
        assert number not in text
        assert number[2:8] + "-" + number[8:] not in text
        assert number[2:] not in text
    assert SECRET not in text


def _utf8_for_windows_1252(path: Path) -> Path:
    path.write_text(_text([TRESERVA, _row(0)]), encoding="utf-8")
    return path


def _windows_1252_for_utf8(path: Path) -> Path:
    header = ["Sökande personnummer", "Avser månad", "Utbetalt belopp", "Hushållstyp", "Försörjningshinder",
              "Antal vuxna", "Antal barn", "Område"]  # fmt: skip
    row = [PNR[0], "2022-03", "1 000,00", "Ensamstående kvinna utan barn", "Arbetslöshet", "1", "0", "1480-ANG-01"]
    path.write_bytes(_text([header, row]).encode("cp1252"))
    return path


def _binary(path: Path) -> Path:
    path.write_bytes(os.urandom(4096) + b"\x81\x8d\x8f\x90\x9d" * 10)
    return path


def _zero_bytes(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def _other_profile(path: Path) -> Path:
    return _windows_1252_for_utf8(path)


def _missing_column(path: Path) -> Path:
    rows = [[c for j, c in enumerate(r) if j != 5] for r in [TRESERVA, _row(0)]]
    path.write_bytes(_text(rows).encode("cp1252"))
    return path


def _unterminated_quote(path: Path) -> Path:
    row = _row(1)
    row[2] = '"Namn utan slut'
    path.write_bytes(_text([TRESERVA, _row(0), row, _row(2)]).encode("cp1252"))
    return path


def _open_quote_mid_file(path: Path) -> Path:
    row = _row(1)
    row[2] = '"Namn utan slut'
    later = _row(3)
    later[2] = '"Namn med citat"'
    path.write_bytes(_text([TRESERVA, _row(0), row, _row(2), later, _row(4)]).encode("cp1252"))
    return path


REFUSED: dict[str, tuple[Callable[[Path], Path], str, str]] = {
    "utf-8 in a Windows-1252 profile": (_utf8_for_windows_1252, "treserva-referrals", "would garble å, ä and ö"),
    "Windows-1252 in a UTF-8 profile": (_windows_1252_for_utf8, "viva-assistance", "not valid UTF-8 at byte"),
    "binary garbage": (_binary, "viva-assistance", "not valid UTF-8 at byte"),
    "binary garbage as Excel": (_binary, "lifecare-investigations", "not a readable Excel workbook"),
    "a 0-byte file": (_zero_bytes, "treserva-referrals", "the file is empty (0 bytes)"),
    "another profile's file": (_other_profile, "treserva-referrals", "lacks columns the profile"),
    "a missing column": (_missing_column, "treserva-referrals", "lacks columns the profile 'treserva-referrals'"),
    "an unterminated quote": (_unterminated_quote, "treserva-referrals", "lines 2-4 hold 3 lines, but only 2 could"),
    "an unterminated quote mid-file": (_open_quote_mid_file, "treserva-referrals", "a quote left open"),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_a_file_that_cannot_be_read_is_refused_clearly_and_nothing_is_loaded(case: str, tmp_path: Path) -> None:
    make, profile, message = REFUSED[case]
    suffix = ".xlsx" if profile == "lifecare-investigations" else ".csv"
    path = make(tmp_path / f"extract{suffix}")
    code, output, report = _run(tmp_path, path, profile)
    assert code == 1
    assert f"Error: extract{suffix}: " in output
    assert message in output
    assert report is None
    assert _stored(tmp_path, "batches") == _stored(tmp_path, "quarantine") == 0
    _no_identity(output)


def _lines(report: dict) -> tuple[int, int, int]:
    (entry,) = report["files"]
    assert entry["balanced"]
    return entry["rows_read"], entry["rows_loaded"], entry["rows_quarantined"]


def _quarantine(tmp_path: Path) -> dict[int, str]:
    with init_store(f"duckdb:///{tmp_path / 'store.duckdb'}") as store:
        frame = store.table("quarantine").execute()
    return dict(zip(frame["line"], frame["reasons"], strict=True))


def test_truncated_lines_are_quarantined_exactly(tmp_path: Path) -> None:
    text = _text([TRESERVA, _row(0), _row(1)[:6], _row(2)]) + ";".join(_row(3))[:25]  # cut mid-line at the end
    path = tmp_path / "extract.csv"
    path.write_bytes(text.encode("cp1252"))
    code, output, report = _run(tmp_path, path)
    assert code == 0, output
    assert _lines(report) == (4, 2, 2)  # type: ignore[arg-type]
    assert _quarantine(tmp_path) == {3: "malformed_row", 5: "malformed_row"}
    _no_identity(output)


def test_swapped_columns_are_quarantined_with_the_reason_of_each_value(tmp_path: Path) -> None:
    rows = [_row(i) for i in range(3)]
    for row in rows:
        row[4], row[5] = row[5], row[4]  # the values of Aktualiseringstyp and Anmälare swapped
    path = tmp_path / "extract.csv"
    path.write_bytes(_text([TRESERVA, *rows]).encode("cp1252"))
    code, output, report = _run(tmp_path, path)
    assert code == 0, output
    assert _lines(report) == (3, 0, 3)  # type: ignore[arg-type]
    assert set(_quarantine(tmp_path).values()) == {"unknown_code:kind,unknown_code:reporter"}


def test_invalid_numbers_are_quarantined_masked(tmp_path: Path) -> None:
    bad = [
        PNR[1][:-1] + str((int(PNR[1][-1]) + 1) % 10),  # wrong check digit
        PNR[2][:8] + " " + PNR[2][8:],  # a space as separator
        "5560360793",  # an organisation number (a company's, public)
        "",  # missing
        "x" * 12,
    ]
    rows = [_row(0)] + [_row(i + 1, b) for i, b in enumerate(bad)]
    path = tmp_path / "extract.csv"
    path.write_bytes(_text([TRESERVA, *rows]).encode("cp1252"))
    code, output, report = _run(tmp_path, path)
    assert code == 0, output
    assert _lines(report) == (6, 1, 5)  # type: ignore[arg-type]
    assert list(_quarantine(tmp_path).values()) == [
        "identity_check_digit:Personnummer",
        "identity_separator:Personnummer",
        "identity_organisation_number:Personnummer",
        "missing_value:Personnummer",
        "identity_format:Personnummer",
    ]
    with init_store(f"duckdb:///{tmp_path / 'store.duckdb'}") as store:
        shown = " ".join(str(v) for v in store.table("quarantine").execute()["identity"])
    _no_identity(shown + output)


def _excel(path: Path, *, merged_title: bool, repeated_header: bool, merged_header: bool = False) -> Path:
    header = ["Utredning-ID", "Personnr", "Aktualisering-ID", "Startdatum", "Slutdatum", "Förlängd", "Resultat",
              "Målgrupp", "Lagrum", "Områdeskod", "Klientnamn"]  # fmt: skip
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Utredningar")
    title = book.add_format({"bold": True})
    if merged_title:
        sheet.merge_range(0, 0, 1, 6, "Utredningar 2022, Göteborg", title)  # over rows 1-2 of the title
    if merged_header:
        sheet.merge_range(2, 3, 2, 4, "Period", title)  # Startdatum and Slutdatum under one merged cell
        header[3] = header[4] = None  # type: ignore[call-overload]
    for c, name in enumerate(header):
        if name:
            sheet.write_string(2, c, name)
    r = 3
    for i in range(4):
        if repeated_header and i == 2:
            sheet.write_row(r, 0, header)
            r += 1
        sheet.write_row(r, 0, [f"U{i}", PNR[i], "", "2022-02-01", "2022-05-01", "Nej", "BEV", "BoU", "SoL",
                               "1480-ANG-01", "Namn"])  # fmt: skip
        r += 1
    book.close()
    return path


def test_excel_with_merged_title_and_repeated_header_rows(tmp_path: Path) -> None:
    path = _excel(tmp_path / "extract.xlsx", merged_title=True, repeated_header=True)
    code, output, report = _run(tmp_path, path, "lifecare-investigations")
    assert code == 0, output
    assert _lines(report) == (5, 4, 1)  # type: ignore[arg-type]
    assert _quarantine(tmp_path) == {6: "repeated_header"}


def test_excel_with_a_merged_header_cell_is_refused_naming_the_columns(tmp_path: Path) -> None:
    path = _excel(tmp_path / "extract.xlsx", merged_title=False, repeated_header=False, merged_header=True)
    code, output, _ = _run(tmp_path, path, "lifecare-investigations")
    assert code == 1
    assert "lacks columns the profile 'lifecare-investigations' reads: ['Startdatum', 'Slutdatum']" in output


def test_a_file_with_only_a_header_loads_nothing_and_balances(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(_text([TRESERVA]).encode("cp1252"))
    code, output, report = _run(tmp_path, path)
    assert code == 0, output
    assert _lines(report) == (0, 0, 0)  # type: ignore[arg-type]


def test_a_short_key_is_refused_without_showing_it(tmp_path: Path) -> None:
    path = tmp_path / "extract.csv"
    path.write_bytes(_text([TRESERVA, _row(0)]).encode("cp1252"))
    init_store(f"duckdb:///{tmp_path / 'store.duckdb'}").close()
    short = "short-secret-9802"
    args = ["ingest", str(path), "--profile", "treserva-referrals", "--municipality", "1480",
            "--db", f"duckdb:///{tmp_path / 'store.duckdb'}"]  # fmt: skip
    result = CliRunner().invoke(cli, args, env={"SOCIALSTAT_KEY": short})
    assert result.exit_code == 1
    assert "SOCIALSTAT_KEY is too short" in result.output
    assert short not in result.output
