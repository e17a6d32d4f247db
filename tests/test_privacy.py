"""The privacy scan: every way a number, key, secret or free-text field can sit in a file is found, masked; what
only looks like one (decimals, hashes, masked or invalid numbers) is not. Numbers: Skatteverket's test series."""

from __future__ import annotations

import base64
import gzip
import io
import json
import zipfile
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import xlsxwriter
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.identity import luhn_check_digit
from socialstat.privacy import scan_paths
from socialstat.pseudonym import Pseudonymiser

DATA = Path(__file__).parents[1] / "src" / "socialstat" / "reference" / "data"
PNR = next(n for n in (DATA / "skatteverket_test_personnummer.txt").read_text().split() if n.startswith("1981"))
SAM = next(n for n in (DATA / "skatteverket_test_samordningsnummer.txt").read_text().split() if n.startswith("19"))
SHORT = PNR[2:8] + "-" + PNR[8:]  # YYMMDD-NNNC
YOUNG = next(n for n in (DATA / "skatteverket_test_personnummer.txt").read_text().split() if n.startswith("200"))
SECRET = "b" * 64
KEY = Pseudonymiser(SECRET.encode()).key(PNR)


def _wrong_check_digit(number: str) -> str:
    return number[:-1] + str((luhn_check_digit(number[2:11]) + 1) % 10)


def _found(path: Path, **kwargs: str) -> list[tuple[str, str, str]]:
    return [(f.where, f.kind, f.shown) for f in scan_paths([path], **kwargs).findings]


@pytest.mark.parametrize(
    "form",
    [PNR, SHORT, PNR[2:], PNR[2:8] + "+" + PNR[8:], PNR[:8] + "-" + PNR[8:], PNR[:8] + " " + PNR[8:], SAM,
     f"pnr:{PNR}.", f"({SHORT})", f"id={PNR[2:]};", f"1480,2024,{PNR[2:]},x", PNR[2:8] + "\u00a0" + PNR[8:],
     PNR[2:8] + "\u2013" + PNR[8:], f"/tables/{PNR[2:8]}%20{PNR[8:]}", f"/tables/{PNR[2:8]}%2D{PNR[8:]}"],
)  # fmt: skip
def test_an_identity_number_in_any_common_form_is_found_masked(tmp_path: Path, form: str) -> None:
    (tmp_path / "log.txt").write_text(f"first line\nthe person {form} was\n", encoding="utf-8")
    [(where, kind, shown)] = _found(tmp_path / "log.txt")
    assert (where, kind) == ("line 2", "identity_number")
    assert shown == PNR[2:8] + "-****" or shown == SAM[2:8] + "-****"


@pytest.mark.parametrize(
    "text",
    [
        SHORT[:7] + "****",  # masked, as the quarantine shows it
        _wrong_check_digit(PNR),  # not a number: wrong check digit
        PNR[:8] + "0000",  # serial 000
        f"3.{PNR[2:]}",  # the decimals of a number
        f"7766,{PNR}",  # a cell that is a number with a decimal comma
        f"3.{PNR}",
        "ab" + "0" * 20 + PNR + "f" * 30,  # inside a hash
        f"9{PNR}",  # part of a longer run of digits
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  # a file hash
        "2024-01-01 and 10 234 and 12 %",
    ],
)
def test_what_only_looks_like_a_number_is_not_a_finding(tmp_path: Path, text: str) -> None:
    (tmp_path / "out.txt").write_text(text + "\n", encoding="utf-8")
    assert _found(tmp_path / "out.txt") == []


def test_every_kind_of_file_is_read_as_what_it_is(tmp_path: Path) -> None:
    folder = tmp_path / "outputs"
    folder.mkdir()
    (folder / "cells.csv").write_text(f"unit;Anteckning;value\n1480;;{SHORT}\n", encoding="utf-8")
    (folder / "meta.json").write_text(json.dumps({"cells": [{"person_key": KEY, "n": int(PNR)}]}), encoding="utf-8")
    svg = f'<svg xmlns="http://www.w3.org/2000/svg"><text>{SHORT}</text></svg>'.encode()
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    (folder / "page.html").write_text(f'<html><body><img src="{uri}" alt="chart"></body></html>', encoding="utf-8")
    book = xlsxwriter.Workbook(folder / "book.xlsx")
    sheet = book.add_worksheet("Data")
    sheet.write(0, 0, "A title row")
    sheet.write_row(2, 0, ["Kön", "Personnummer"])
    sheet.write_row(3, 0, ["K", int(PNR)])  # a number stored as a number
    book.close()
    pq.write_table(pa.table({"person": pa.array([int(PNR[2:])], pa.int64()), "x": [1.5]}), folder / "t.parquet")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as archive:
        archive.writestr("inner/notes.md", f"see {SAM}\n")
    (folder / "log.txt.gz").write_bytes(gzip.compress(f"ok\nkey {KEY}\n".encode()))
    (folder / "blob.bin").write_bytes(b"\x00\x01" + PNR.encode() + b"\xff")
    found = _found(folder)
    names = [("cells.csv", "line 1, column 2", "free_text_field"), ("cells.csv", "line 2, column 3", "identity_number")]
    want = {
        *names,
        ("meta.json", "$.cells[0].person_key", "free_text_field"),
        ("meta.json", "$.cells[0].person_key", "person_key"),
        ("meta.json", "$.cells[0].n", "identity_number"),
        ("page.html", "data URI 1 (image/svg+xml), line 1", "identity_number"),
        ("book.xlsx", "sheet Data, row 3, column 2", "free_text_field"),
        ("book.xlsx", "sheet Data, row 4, column 2", "identity_number"),
        ("t.parquet", "column person", "identity_number"),
        ("bundle.zip!inner/notes.md", "line 1", "identity_number"),
        ("log.txt.gz", "line 2", "person_key"),
        ("blob.bin", "line 1", "identity_number"),
    }
    report = scan_paths([folder])
    got = {(str(Path(f.path).relative_to(folder)), f.where, f.kind) for f in report.findings}
    assert got == want
    assert len(found) == len(want)
    text = json.dumps(report.as_dict()) + "\n".join(str(f) for f in report.findings)
    for secret in (PNR, PNR[2:], SAM[2:], KEY):
        assert secret not in text  # findings are masked


def test_a_pdf_is_read_through_its_text(tmp_path: Path) -> None:
    from weasyprint import HTML

    HTML(string=f"<p>Rapport</p><p>Person {SHORT} nämnd</p>").write_pdf(tmp_path / "report.pdf")
    assert PNR.encode() not in (tmp_path / "report.pdf").read_bytes()  # compressed: only the text shows it
    assert _found(tmp_path / "report.pdf") == [("page 1, line 2", "identity_number", SHORT[:7] + "****")]


def test_the_secret_is_found_when_the_scan_is_given_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "out.log").write_text(f"SOCIALSTAT_KEY={SECRET}\n", encoding="utf-8")
    monkeypatch.delenv("SOCIALSTAT_KEY", raising=False)
    assert _found(tmp_path / "out.log") == []
    key_file = tmp_path / "key"
    key_file.write_text(SECRET)
    key_file.chmod(0o600)
    result = CliRunner().invoke(cli, ["privacy-scan", str(tmp_path / "out.log"), "--key-file", str(key_file)])
    assert result.exit_code == 1
    assert "out.log:line 1: secret ********" in result.output
    assert SECRET not in result.output
    monkeypatch.setenv("SOCIALSTAT_KEY", SECRET)
    assert CliRunner().invoke(cli, ["privacy-scan", str(tmp_path / "out.log")]).exit_code == 1


def test_a_damaged_archive_is_reported_not_passed(tmp_path: Path) -> None:
    (tmp_path / "broken.zip").write_bytes(b"PK\x03\x04" + b"\x00" * 40)
    assert _found(tmp_path / "broken.zip") == [("archive", "unreadable", "")]


def test_the_command_exits_0_on_clean_files_and_1_on_a_find(tmp_path: Path) -> None:
    (tmp_path / "clean.csv").write_text("unit,year,value\n1480,2024,12.5\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["privacy-scan", str(tmp_path), "--json", str(tmp_path / "scan.json")])
    assert result.exit_code == 0, result.output
    assert "Scanned 1 files" in result.output
    assert "clean" in result.output
    assert json.loads((tmp_path / "scan.json").read_text())["clean"]
    (tmp_path / "leak.csv").write_text(f"unit,who\n1480,{PNR}\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["privacy-scan", str(tmp_path / "leak.csv")])
    assert result.exit_code == 1
    assert "leak.csv:line 2, column 2: identity number " + SHORT[:7] + "**** (personnummer)" in result.output
    assert PNR not in result.output
    missing = CliRunner().invoke(cli, ["privacy-scan", str(tmp_path / "nowhere")])
    assert missing.exit_code == 2


def test_the_scan_sees_what_a_real_extract_and_canonical_data_hold(tmp_path: Path) -> None:
    # The demo's inputs hold numbers and keys by design: the scan must see them (it is not a scan that cannot fail).
    from socialstat.ingest import list_profiles
    from socialstat.synth import generate, parse_years
    from socialstat.synth.extracts import split_municipality, write_extracts

    generate("1407", parse_years("2024"), 3, tmp_path / "canonical")
    split_municipality(tmp_path / "canonical", "1407", tmp_path / "source")
    write_extracts(tmp_path / "source", list_profiles(), tmp_path / "extracts", defect_rate=0.0, seed=3)
    kinds = {(Path(f.path).suffix, f.kind) for f in scan_paths([tmp_path / "extracts"]).findings}
    assert {(".csv", "identity_number"), (".xlsx", "identity_number"), (".csv", "free_text_field")} <= kinds
    canonical = scan_paths([tmp_path / "canonical" / "persons.parquet"]).findings
    assert {f.kind for f in canonical} >= {"person_key", "free_text_field"}


def test_redact_masks_numbers_keys_and_the_secret_only() -> None:
    from socialstat.privacy.detect import redact

    text = f"bad value '{PNR}' (or {SHORT}) for {KEY} under {SECRET}; line 1234567890, 2024-01-01"
    masked = redact(text, SECRET)
    assert masked == (
        f"bad value '{SHORT[:7]}****' (or {SHORT[:7]}****) for {KEY[:8]}-**** under ********; line 1234567890, "
        "2024-01-01"
    )


def test_an_unexpected_error_shows_its_traceback_with_personal_data_masked(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import socialstat.store
    from socialstat.cli import main

    def broken(*args: object, **kwargs: object) -> None:
        raise ValueError(f"could not convert '{PNR}' (key {KEY}, secret {SECRET})")

    monkeypatch.setenv("SOCIALSTAT_KEY", SECRET)
    monkeypatch.setattr(socialstat.store, "init_store", broken)
    monkeypatch.setattr("sys.argv", ["socialstat", "init", "--db", f"duckdb:///{tmp_path / 's.duckdb'}"])
    with pytest.raises(SystemExit) as caught:
        main()
    assert caught.value.code == 2
    err = capsys.readouterr().err
    assert "Traceback" in err
    assert "ValueError: could not convert" in err
    assert "unexpected error" in err
    for secret in (PNR, PNR[2:], KEY, SECRET):
        assert secret not in err


def test_socialstat_errors_are_shown_masked_too(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import socialstat.store
    from socialstat.errors import StoreError

    def refused(*args: object, **kwargs: object) -> None:
        raise StoreError(f"a message that should never quote {SHORT}")

    monkeypatch.setattr(socialstat.store, "init_store", refused)
    result = CliRunner().invoke(cli, ["init", "--db", f"duckdb:///{tmp_path / 's.duckdb'}"])
    assert result.exit_code == 1
    assert f"never quote {SHORT[:7]}****" in result.output


def test_the_servers_log_lines_are_redacted(monkeypatch: pytest.MonkeyPatch) -> None:
    import logging.config

    from socialstat.api.server import log_config

    monkeypatch.setenv("SOCIALSTAT_KEY", SECRET)
    logging.config.dictConfig(log_config())
    stream = io.StringIO()
    for name in ("uvicorn", "uvicorn.access"):
        monkeypatch.setattr(logging.getLogger(name).handlers[0], "stream", stream)
    try:
        raise ValueError(f"no table {PNR} for key {KEY}")
    except ValueError:
        logging.getLogger("uvicorn.error").exception("GET /api/v2/tables/%s failed (%s)", SHORT, SECRET)
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:5000", "GET", f"/api/v2/tables/{PNR}", "1.1", 404
    )
    text = stream.getvalue()
    assert "GET /api/v2/tables/" in text
    assert '"GET /api/v2/tables/' + SHORT[:7] + '**** HTTP/1.1" 404' in text
    assert "Traceback" in text
    assert "ValueError: no table" in text
    for secret in (PNR, SHORT, KEY, SECRET):
        assert secret not in text


def test_forms_that_hide_a_number_from_a_plain_search(tmp_path: Path) -> None:
    folder = tmp_path / "outputs"
    folder.mkdir()
    # As 12 digits, stored as a number (the 10-digit form of someone born 2000-2009 would lose its leading zero:
    # not looked for, as every column of counts and costs would give false finds).
    (folder / "cells.json").write_text(json.dumps({"n": int(YOUNG)}), encoding="utf-8")
    book = xlsxwriter.Workbook(folder / "book.xlsx")
    book.add_worksheet("Data").write_row(0, 0, ["x", int(YOUNG)])
    book.close()
    table = pa.table({
        "code": pa.array([SHORT, SHORT], pa.string()).dictionary_encode(),  # a dictionary column
        "id": pa.array([bytes.fromhex(KEY.replace("-", ""))] * 2, pa.binary(16)),  # a key as 16 bytes
        PNR[2:]: [1, 2],  # a column named after a person
    })  # fmt: skip
    pq.write_table(table, folder / "t.parquet")
    (folder / "page.html").write_text(f"<p>{PNR[2:8]}&#45;{PNR[8:]}</p>", encoding="utf-8")
    (folder / "utf16.csv").write_bytes(f"a,b\n1,{SHORT}\n".encode("utf-16"))
    (folder / f"case-{SHORT}.txt").write_text("nothing inside\n", encoding="utf-8")
    with zipfile.ZipFile(folder / "bundle.zip", "w") as archive:
        archive.writestr(f"{PNR}.txt", "nothing inside\n")
    (folder / "broken.gz").write_bytes(gzip.compress(b"x" * 1000)[:20] + b"\x00" * 30)
    report = scan_paths([folder])
    got = {(Path(f.path).name, f.where, f.kind) for f in report.findings}
    masked = SHORT[:7] + "****"
    assert got == {
        ("cells.json", "$.n", "identity_number"),
        ("book.xlsx", "sheet Data, row 1, column 2", "identity_number"),
        ("t.parquet", "column code", "identity_number"),
        ("t.parquet", "column id", "person_key"),
        ("t.parquet", "a column name", "identity_number"),
        ("page.html", "line 1", "identity_number"),
        ("utf16.csv", "line 2, column 2", "identity_number"),
        (f"case-{masked}.txt", "file name", "identity_number"),
        (f"bundle.zip!{masked}.txt", "file name", "identity_number"),
        ("broken.gz", "archive", "unreadable"),
    }
    text = json.dumps(report.as_dict())
    for secret in (PNR, PNR[2:], YOUNG, YOUNG[2:], KEY, KEY.replace("-", "")):
        assert secret not in text


def test_a_key_file_secret_is_masked_in_messages_once_loaded(tmp_path: Path) -> None:
    from socialstat.privacy.detect import redacted
    from socialstat.pseudonym import load_secret

    key_file = tmp_path / "key"
    key_file.write_text("c" * 64)
    key_file.chmod(0o600)
    assert redacted("c" * 64) == "c" * 64  # not loaded yet: nothing to mask it by
    load_secret(key_file=key_file)
    assert redacted(f"secret {'c' * 64} here") == "secret ******** here"
