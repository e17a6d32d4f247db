"""Reading extracts as their profiles say: only the columns used, encodings checked, headers matched."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyarrow as pa
import pytest
import xlsxwriter

from socialstat.ingest import load_profile
from socialstat.ingest.read import ExtractError, check_encoding, read_extract

HEADER = ["Ärendenummer", "Personnummer", "Namn", "Inkommet datum", "Aktualiseringstyp", "Anmälare",
          "Beslut förhandsbedömning", "Beslutsdatum", "Stadsområde", "Skäl 1", "Skäl 2", "Skäl 3",
          "Anteckning"]  # fmt: skip
# Skatteverket test personnummer (src/socialstat/reference/data/skatteverket_test_personnummer.txt).
ROW = ["A-1", "18900101-9802", "Test Testsson", "2021-03-04", "Anmälan", "Skola", "Utredning inleds",
       "2021-03-10", "Hjällbo", "Skolproblem", "", "", "Fritext om barnet"]  # fmt: skip


def _csv(path: Path, rows: list[list[str]], encoding: str = "cp1252", title: str | None = None) -> Path:
    lines = ([title] if title else []) + [";".join(r) for r in rows]
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode(encoding))
    return path


def _cells(*tables: pa.Table) -> pd.DataFrame:
    """Chunks as one frame of text cells, None where empty (a chunk's columns may be dictionary-encoded)."""
    return pd.concat([pd.DataFrame(t.to_pydict(), dtype=object) for t in tables], ignore_index=True)


def _frame(path: Path, profile: str = "treserva-referrals") -> object:
    opened, chunks = read_extract(path, load_profile(profile))
    return opened, _cells(*chunks)


def test_only_the_columns_the_profile_reads_come_back(tmp_path: Path) -> None:
    opened, frame = _frame(_csv(tmp_path / "a.csv", [HEADER, ROW, ROW]))
    assert opened.encoding == "windows-1252"
    assert "Namn" not in frame.columns  # free text and names are never read
    assert "Anteckning" not in frame.columns
    assert frame.loc[0, "Aktualiseringstyp"] == "Anmälan"  # å, ä, ö decoded from Windows-1252
    assert pd.isna(frame.loc[1, "Skäl 2"])
    assert list(frame["_line"]) == [2, 3]


def test_headers_match_whatever_their_case_and_spacing(tmp_path: Path) -> None:
    header = [h.upper() if i % 2 else f"  {h} " for i, h in enumerate(HEADER)]
    _, frame = _frame(_csv(tmp_path / "a.csv", [header, ROW]))
    assert frame.loc[0, "Ärendenummer"] == "A-1"


def test_a_missing_column_names_it_before_any_row(tmp_path: Path) -> None:
    header = [h for h in HEADER if h != "Anmälare"]
    row = [v for h, v in zip(HEADER, ROW, strict=True) if h != "Anmälare"]
    with pytest.raises(
        ExtractError, match=r"a\.csv: the file lacks columns the profile 'treserva-referrals' reads: \['Anmälare'\]"
    ):
        read_extract(_csv(tmp_path / "a.csv", [header, row]), load_profile("treserva-referrals"))


def test_a_file_of_another_profile_is_refused(tmp_path: Path) -> None:
    path = _csv(tmp_path / "pay.csv", [["Sökande personnummer", "Avser månad", "Utbetalt belopp"], ["x", "y", "z"]])
    with pytest.raises(ExtractError, match="wrong profile, wrong header_row, or renamed columns"):
        read_extract(path, load_profile("treserva-referrals"))


def test_utf8_declared_windows_1252_is_refused_not_garbled(tmp_path: Path) -> None:
    path = _csv(tmp_path / "u.csv", [HEADER, ROW], encoding="utf-8")
    with pytest.raises(ExtractError, match="valid UTF-8 with non-ASCII characters; reading it as a single-byte"):
        read_extract(path, load_profile("treserva-referrals"))


def test_windows_1252_declared_utf8_names_the_byte_and_line(tmp_path: Path) -> None:
    path = _csv(tmp_path / "w.csv", [["A", "B"], ["ok", "ok"], ["bär", "x"]], encoding="cp1252")
    assert check_encoding(path, "detect") == "cp1252"
    with pytest.raises(ExtractError, match=r"w\.csv: not valid UTF-8 at byte 13 \(line 3\)"):
        check_encoding(path, "utf-8")


@pytest.mark.parametrize("offset", [0, 5, 2 << 20])  # in the first block, and in a later one
def test_a_byte_windows_1252_leaves_undefined_is_named_with_its_line(tmp_path: Path, offset: int) -> None:
    path = tmp_path / "x.csv"
    head = ("a;b\r\n" + "ok;ok\r\n" * (offset // 7 + 1)).encode("cp1252")
    path.write_bytes(head + b"b\x8dr;x\r\n" + "ä;ö\r\n".encode("cp1252"))
    line = head.count(b"\n") + 1
    with pytest.raises(ExtractError, match=rf"x\.csv: not valid windows-1252 at byte {len(head) + 1} \(line {line}\)"):
        check_encoding(path, "windows-1252")
    assert check_encoding(path, "latin-1") == "latin-1"  # every byte is a Latin-1 character


def test_a_file_without_line_breaks_is_refused_before_it_fills_the_memory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("socialstat.ingest.read.BLOCK_BYTES", 100)
    monkeypatch.setattr("socialstat.ingest.read.MAX_LINE", 1000)
    path = _csv(tmp_path / "n.csv", [HEADER])
    with path.open("ab") as fh:
        fh.write(b"x;" * 5000)  # binary junk or another kind of file, no line break anywhere
    _, chunks = read_extract(path, load_profile("treserva-referrals"))
    with pytest.raises(ExtractError, match=r"n\.csv: no line break in the [\d,]+ bytes from byte \d+: not a file of"):
        list(chunks)


def test_detect_takes_utf8_with_or_without_bom(tmp_path: Path) -> None:
    plain = tmp_path / "p.csv"
    plain.write_bytes("a;b\nå;ä\n".encode())
    bom = tmp_path / "b.csv"
    bom.write_bytes("\ufeffa;b\nå;ä\n".encode())
    assert check_encoding(plain, "detect") == "utf-8"
    assert check_encoding(bom, "detect") == "utf-8-sig"


def test_title_rows_above_the_header_are_skipped(tmp_path: Path) -> None:
    profile = load_profile("treserva-referrals")
    from dataclasses import replace

    titled = replace(profile, file=replace(profile.file, header_row=2))
    _, chunks = read_extract(_csv(tmp_path / "t.csv", [HEADER, ROW], title="Rapport: aktualiseringar"), titled)
    (table,) = list(chunks)
    frame = _cells(table)
    assert list(frame["_line"]) == [3]


@pytest.mark.parametrize(("content", "message"), [(b"", "the file is empty"), (b"\r\n\r\n", "no header on line 1")])
def test_empty_files_are_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "e.csv"
    path.write_bytes(content)
    with pytest.raises(ExtractError, match=message):
        read_extract(path, load_profile("treserva-referrals"))


@pytest.mark.parametrize("block_bytes", [32 << 20, 150, 40])
def test_a_truncated_line_is_a_row_to_quarantine_and_its_text_is_never_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, block_bytes: int
) -> None:
    monkeypatch.setattr("socialstat.ingest.read.BLOCK_BYTES", block_bytes)  # lines exact across blocks too
    from socialstat.ingest.transform import Context, transform
    from socialstat.pseudonym import Pseudonymiser

    second = list(ROW)
    second[0] = "A-2"
    path = tmp_path / "t.csv"
    rows = [";".join(HEADER), ";".join(ROW), ";".join(ROW[:4]), "", ";".join(second), ";".join([*ROW, "extra"])]
    path.write_bytes(("\r\n".join(rows) + "\r\n").encode("cp1252"))
    _, chunks = read_extract(path, load_profile("treserva-referrals"))
    frames = list(chunks)
    lines = [int(n) for f in frames for n in f["_line"]]
    assert lines == [2, 3, 4, 5, 6]  # line 4 is blank: an empty row, so that line numbers stay exact
    frame = _cells(*frames)
    assert list(frame["_malformed"]) == [None, "expected 13 fields, got 4", None, None, "expected 13 fields, got 14"]
    assert frame.loc[1, "Personnummer"] is None  # nothing of a malformed line is read
    context = Context(load_profile("treserva-referrals"), Pseudonymiser(b"x" * 32), "1480", {"hjällbo": "1480-ANG-01"})
    result = transform(frame, context)
    assert result.rows["referral_id"].to_pylist() == ["A-1", "A-2"]
    assert list(zip(result.quarantine["line"], result.quarantine["reasons"], strict=True)) == [
        (3, "malformed_row"),
        (4, "empty_row"),
        (6, "malformed_row"),
    ]
    assert len(result.rows) + len(result.quarantine) == len(frame)
    assert "9802" not in result.quarantine.to_string()


def test_binary_garbage_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "g.xlsx"
    path.write_bytes(bytes(range(256)) * 20)
    with pytest.raises(ExtractError, match=r"g\.xlsx: not a readable Excel workbook"):
        read_extract(path, load_profile("lifecare-investigations"))


def test_excel_with_title_rows_and_real_dates(tmp_path: Path) -> None:
    import datetime as dt

    path = tmp_path / "u.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Utredningar")
    sheet.write(0, 0, "Utredningar 2021")  # a title, then a blank row, then the header on row 3
    header = ["Utredning-ID", "Personnr", "Klientnamn", "Aktualisering-ID", "Startdatum", "Slutdatum", "Förlängd",
              "Resultat", "Målgrupp", "Lagrum", "Områdeskod"]  # fmt: skip
    sheet.write_row(2, 0, header)
    dates = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(3, 0, ["U-1", "189001019802", "Test Testsson", "A-1"])
    sheet.write_datetime(3, 4, dt.datetime(2021, 3, 10), dates)
    sheet.write_row(3, 6, ["Nej", "BEV", "BoU", "LVU", 1480])
    book.close()
    _, chunks = read_extract(path, load_profile("lifecare-investigations"))
    (table,) = list(chunks)
    frame = _cells(table)
    assert frame.loc[0, "Startdatum"] == "2021-03-10"
    assert frame.loc[0, "Slutdatum"] is None
    assert frame.loc[0, "Områdeskod"] == "1480"  # a whole number, not "1480.0"
    assert "Klientnamn" not in frame.columns
    assert list(frame["_line"]) == [4]


def test_profile_check_previews_loads_and_quarantine_without_a_store(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from socialstat.cli import cli

    bad = list(ROW)
    bad[1] = "18900101-9803"  # wrong check digit
    unknown = list(ROW)
    unknown[0], unknown[4] = "A-2", "Telefonsamtal"
    path = _csv(tmp_path / "akt.csv", [HEADER, ROW, bad, unknown])
    result = CliRunner().invoke(
        cli, ["profile", "check", str(path), "--profile", "treserva-referrals", "--municipality", "1480"]
    )
    assert result.exit_code == 0, result.output
    assert "rows read:        3" in result.output
    assert "would load:       0" in result.output  # A-1 twice (ROW and bad) is a duplicate key: both set aside
    assert "would quarantine: 3" in result.output
    assert "line 3: identity_check_digit:Personnummer,duplicate_key (identity 900101-****)" in result.output
    assert "9802" not in result.output
    assert "9803" not in result.output
    assert not list(tmp_path.glob("*.duckdb"))  # nothing was loaded anywhere
