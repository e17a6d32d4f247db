"""The Socialtjänstrapport: every number in the HTML equals its release cell, no suppressed value appears, the
analysts' references are checked, the HTML is self-contained and the PDF is a real A4 document with its text."""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any

import pandas as pd
import pypdf
import pypdfium2
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import goteborg_release, small_release
from socialstat.cli import cli
from socialstat.errors import ReportError
from socialstat.release import Release
from socialstat.report import example_config, render_report

IDS = ["EB01", "EB05", "BU01", "BU02", "BU04", "BU05", "BU06", "BU07", "BU09B", "HL01", "HL02", "KO01", "VI02", "KR02",
       "MB01", "MB03B"]  # fmt: skip
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    """Five years of synthetic Göteborg with its administrations, indicators from every chapter."""
    return goteborg_release(tmp_path_factory.mktemp("report"), "2020-2024", IDS, seed=3)


@pytest.fixture(scope="module")
def rendered(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("rendered") / "report"
    render_report(release, out, unit="Göteborg", config=example_config())
    return out


@pytest.fixture(scope="module")
def soup(rendered: Path) -> BeautifulSoup:
    return BeautifulSoup((rendered / "report.html").read_text(encoding="utf-8"), "html.parser")


def _cells(release: Release) -> dict[str, dict[str, Any]]:
    cells = release.cells()
    keys = ["indicator", "structure", "unit_code", "breakdown", "breakdown_value", "period"]
    return {"|".join(str(r[k]) for k in keys): r for r in cells.to_dict("records")}


def _number(text: str) -> float:
    """Swedish text back to a number: '1 234,5' -> 1234.5."""
    return float(text.replace(NBSP, "").replace(" ", "").replace(",", "."))


def test_every_number_from_a_cell_equals_the_release_cell(release: Release, soup: BeautifulSoup) -> None:
    cells = _cells(release)
    shown = soup.select("span.cell[data-cell]")
    assert len(shown) > 500
    for span in shown:
        cell = cells[span["data-cell"]]  # every key names a cell of the release
        text = span.get_text()
        if cell["symbol"] == ".." or pd.isna(cell["value"]):
            assert text == "..", span
            continue
        value = float(cell["value"])
        if text == "-":
            assert value == 0
            continue
        number = _number(text)
        decimals = len(text.split(",")[1]) if "," in text else 0
        assert math.isclose(number, value, abs_tol=0.5 * 10**-decimals + 1e-9), (span["data-cell"], text, value)
        if cell["method"] == "count":
            assert number == value


def test_no_suppressed_value_appears_and_findings_rest_on_published_cells(
    release: Release, soup: BeautifulSoup, rendered: Path
) -> None:
    cells = _cells(release)
    hidden = {k for k, c in cells.items() if c["symbol"] == ".."}
    assert hidden, "the fixture should have suppressed cells"
    for span in soup.select("span.cell[data-cell]"):
        if span["data-cell"] in hidden:
            assert span.get_text() == ".."
    findings = soup.select("li.finding")
    assert len(findings) >= 10
    for finding in findings:
        keys = finding["data-cells"].split()
        assert keys
        assert not set(keys) & hidden
        assert all(k in cells for k in keys)
    # The PDF says what the HTML says: its table cells of suppressed values read ".." too.
    text = "\n".join(page.extract_text() for page in pypdf.PdfReader(rendered / "report.pdf").pages)
    assert ".." in text


def test_the_report_has_its_parts(soup: BeautifulSoup) -> None:
    headings = [h.get_text() for h in soup.select("h1")]
    assert headings[:2] == ["Socialtjänstrapport 2024 (demonstration)", "Sammanfattning"]
    for chapter in ("Ekonomiskt bistånd", "Barn och unga", "Aktualiseringar till barn och unga",
                    "Våld i nära relationer", "Kriminalitet", "Missbruk", "Hemlöshet", "Kostnader",
                    "Bilaga: definitioner och metod"):  # fmt: skip
        assert chapter in headings
    assert len(soup.select("#summary li.finding")) == 10
    assert soup.select(".tile")  # key figures
    organisation = soup.select_one("#summary").get_text()
    assert "Socialförvaltning Nordost" in organisation
    assert "från 2021" in organisation  # the reorganisation, and how the earlier years were mapped
    referrals = soup.select_one("#referrals")
    assert {"Aktualiseringar efter slag 2024", "Aktualiseringar efter anmälare 2024"} <= {
        c.get_text() for c in referrals.select("caption")
    }
    appendix = soup.select_one("#appendix").get_text()
    assert "EB01 Hushåll med ekonomiskt bistånd under året" in appendix
    assert "färre än 5 personer" in appendix
    assert all(
        re.search(r"Källa: socialstat, utgåva 2024 \(\d{4}-\d\d-\d\d\)", f.get_text())
        for f in soup.select("figcaption")
    )


def test_the_html_is_self_contained_and_every_chart_has_alt_text(soup: BeautifulSoup) -> None:
    assert not soup.select("script[src], link[rel=stylesheet], iframe")
    images = soup.select("img")
    assert len(images) > 20
    for image in images:
        assert image["src"].startswith("data:image/svg+xml;base64,")
        assert len(image["alt"]) > 20
    html = str(soup)
    assert "http://" not in html
    assert "https://" not in html


def test_the_analysts_text_gets_its_numbers_from_the_release(release: Release, soup: BeautifulSoup) -> None:
    cells = _cells(release)
    text = soup.select_one("#economic_assistance aside.commentary")
    assert text is not None
    spans = text.select("span.cell")
    assert [s["data-cell"].split("|")[0] for s in spans] == ["EB01", "EB05"]
    eb01 = cells["EB01|municipalities|1480|total|total|2024"]
    assert _number(spans[0].get_text()) == eb01["value"]
    assert "{{" not in str(soup)


def _config(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "report.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_reference_to_a_suppressed_or_missing_cell_stops_the_render(release: Release, tmp_path: Path) -> None:
    cells = release.cells()
    hidden = cells[(cells["symbol"] == "..") & (cells["structure"] == "goteborg-administrations")].iloc[0]
    where = f"{hidden['breakdown']}={hidden['breakdown_value']}"
    reference = f"{{{{ {hidden['indicator']} | {hidden['unit_code']} | {hidden['period']} | {where} }}}}"
    config = _config(tmp_path, f"chapters:\n  homelessness:\n    sv: |\n      Rad ett.\n      Talet {reference}.\n")
    with pytest.raises(ReportError, match=r"report\.yaml: homelessness \(sv\), line 5: .*suppressed"):
        render_report(release, tmp_path / "out", config=config, formats=["html"])
    assert not (tmp_path / "out").exists()  # nothing half-written
    assert not list(tmp_path.glob(".out.partial-*"))
    missing = _config(tmp_path, "chapters:\n  costs:\n    sv: 'Kostnaden {{ KO01 | Göteborg | 1999 }}.'\n")
    with pytest.raises(ReportError, match="no such cell"):
        render_report(release, tmp_path / "out", config=missing, formats=["html"])
    unknown = _config(tmp_path, "chapters:\n  weather: {sv: 'Sol.'}\n")
    with pytest.raises(ReportError, match="unknown chapter 'weather'"):
        render_report(release, tmp_path / "out", config=unknown, formats=["html"])
    with pytest.raises(ReportError, match="no unit 'Mars'"):
        render_report(release, tmp_path / "out", unit="Mars", formats=["html"])


def test_the_pdf_is_a4_with_text_headings_page_numbers_and_embedded_fonts(rendered: Path) -> None:
    reader = pypdf.PdfReader(rendered / "report.pdf")
    pages = reader.pages
    assert len(pages) >= 20
    assert all(round(float(p.mediabox.width)) == 595 and round(float(p.mediabox.height)) == 842 for p in pages)
    texts = [p.extract_text() for p in pages]
    assert "Socialtjänstrapport 2024 (demonstration)" in " ".join(texts[0].split())
    assert "Innehåll" in texts[1]
    assert "Sammanfattning" in texts[2]
    everything = "\n".join(texts)
    for heading in ("Ekonomiskt bistånd", "Hemlöshet", "Våld i nära relationer", "Bilaga: definitioner och metod"):
        assert heading in everything
    assert texts[5].strip().splitlines()[-1].strip() == "6"  # the page number at the foot
    fonts = set()
    for page in pages[:6]:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            descendant = font.get("/DescendantFonts")
            descriptor = (descendant[0].get_object() if descendant else font)["/FontDescriptor"].get_object()
            assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font["/BaseFont"]
            fonts.add(str(font["/BaseFont"]).split("+")[-1])
    assert "DejaVu-Sans" in fonts


def test_pdf_pages_render_to_images_with_content(rendered: Path, tmp_path: Path) -> None:
    document = pypdfium2.PdfDocument(str(rendered / "report.pdf"))
    for index in (0, 2, 4):
        image = document[index].render(scale=0.5).to_pil().convert("L")
        image.save(tmp_path / f"page-{index}.png")
        dark = sum(image.histogram()[:128])  # pixels darker than mid-grey
        assert dark > 500  # text and charts, not a blank page


def test_an_english_report_and_one_for_a_municipality_without_units_under_it(tmp_path: Path) -> None:
    small = small_release(tmp_path, "2024", ["EB01", "EB05", "BU01", "BU02", "HL02"], seed=4)
    done = render_report(small, tmp_path / "report", unit="Öckerö", lang="en", formats=["html"])
    soup = BeautifulSoup(done.files[0].read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "en"
    assert soup.select_one("h1").get_text() == "Social services report 2024"
    assert "Economic assistance" in [h.get_text() for h in soup.select("h1")]
    assert not soup.select("#summary h2")  # no organisation section: nothing under Öckerö
    assert (tmp_path / "report" / "report.json").is_file()
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "notes.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(ReportError, match="not a socialstat report"):
        render_report(small, tmp_path / "other", unit="Öckerö", formats=["html"])


def test_the_report_command(release: Release, tmp_path: Path) -> None:
    runner = CliRunner()
    folder = release.path.parent
    result = runner.invoke(cli, ["report", "2024", "--releases", str(folder), "--out", str(tmp_path / "r"),
                                 "--format", "html", "--unit", "1480"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "report.html" in result.output
    wrong = runner.invoke(cli, ["report", "2024", "--releases", str(folder), "--out", str(tmp_path / "x"),
                                "--format", "docx"])  # fmt: skip
    assert wrong.exit_code == 1
    assert "unknown report formats ['docx']" in wrong.output


def test_the_findings_in_the_report_are_the_finding_engines_sentences(release: Release, soup: BeautifulSoup) -> None:
    from socialstat.analysis import release_findings

    said = {f.sentence["sv"] for f in release_findings(release, unit="1480")}
    shown = [li.get_text() for li in soup.select("li.finding")]
    assert shown
    assert set(shown) <= said  # word for word: the sentences tested in tests/test_analysis_findings.py


def test_a_suppressed_point_is_a_gap_with_a_note_never_a_zero(release: Release, soup: BeautifulSoup) -> None:
    cells = release.cells()
    hidden = cells[(cells["symbol"] == "..") & (cells["breakdown"] == "total")]
    hidden = hidden[hidden["structure"] == "goteborg-administrations"]
    assert not hidden.empty, "the fixture should hide some administration's total"
    row = hidden.iloc[0]
    section = soup.select_one(f"section#{_chapter(release, row['indicator'])}-{row['indicator']}")
    assert section is not None
    notes = " ".join(f.get_text() for f in section.select("figcaption"))
    units = {u["unit_code"]: u["name_sv"] for u in release.metadata()["units"]}
    assert f"{units[row['unit_code']]} {row['period']}" in notes
    assert "Luckor i linjen" in notes


def _chapter(release: Release, indicator: str) -> str:
    area = release.metadata()["indicators"][indicator]["area"]
    return "referrals" if indicator in ("BU02B", "BU03B", "BU09B") else area


def test_each_indicator_has_one_section_and_the_data_quality_names_the_deliveries(soup: BeautifulSoup) -> None:
    sections = [s["id"] for s in soup.select("section.section")]
    indicators = [i.split("-", 1)[1] for i in sections]
    assert len(indicators) == len(set(indicators))  # BU02 and BU09B only in the chapter on aktualiseringar
    assert "referrals-BU02" in sections
    quality = soup.select_one("#appendix").select("table")[-1]
    assert [th.get_text() for th in quality.select("thead th")] == ["Tabell", "Kommun", "Lästa", "Inlästa", "Avvisade"]
    assert "nan" not in quality.get_text()


def test_the_analysts_text_cannot_pull_in_outside_content(release: Release, tmp_path: Path) -> None:
    config = _config(tmp_path, "chapters:\n  costs:\n    sv: 'Se ![bild](https://example.org/x.png) här.'\n")
    done = render_report(release, tmp_path / "out", config=config)
    html = done.files[0].read_text(encoding="utf-8")
    assert '<img src="https://' not in html
    assert '!<a href="https://example.org/x.png">bild</a>' in html  # a link a reader may follow, nothing fetched
    assert (tmp_path / "out" / "report.pdf").is_file()  # and the PDF renders without fetching it


def test_a_unit_that_no_longer_exists_is_refused(tmp_path: Path) -> None:
    from socialstat.report.view import View

    class Ended:
        name = "old"

        def metadata(self) -> dict[str, Any]:
            unit = {"unit_code": "1480-D-ANG", "name_sv": "Angered", "name_en": "Angered", "level": "district",
                    "parent_code": "1480", "valid_from": "2011-01-01", "valid_to": "2020-12-31"}  # fmt: skip
            return {"units": [unit], "indicators": {}, "structures": []}

        def cells(self) -> pd.DataFrame:
            return pd.DataFrame({"unit_code": ["1480-D-ANG"], "period": [2024]})

    with pytest.raises(ReportError, match="Angered ended in 2020; the release's last year is 2024"):
        View(Ended(), "Angered", "sv")
