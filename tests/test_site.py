"""The static site of a release, in a real browser (Debian's chromium driven by Playwright, never a downloaded
browser): from a local HTTP server on 127.0.0.1 and from file://, charts drawn without console errors, units
and language switched, shown values equal to the release cells, and axe-core finding no serious or critical
accessibility violations."""

from __future__ import annotations

import functools
import http.server
import json
import shutil
import socketserver
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from bs4 import BeautifulSoup
from click.testing import CliRunner

from conftest import goteborg_release
from socialstat.cli import cli
from socialstat.errors import SiteError
from socialstat.release import Release
from socialstat.site import build_site

IDS = ["EB01", "EB05", "BU02", "BU07", "HL01", "HL02", "KO01", "MB01", "MB03B"]
CHROMIUM = "/usr/bin/chromium"
AXE = Path(__file__).parent / "data" / "axe" / "axe.min.js"  # axe-core 4.14.1 from npm (MPL-2.0, beside it)
NBSP = "\u00a0"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return goteborg_release(tmp_path_factory.mktemp("site"), "2020-2024", IDS, seed=5)


@pytest.fixture(scope="module")
def site(release: Release, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_site(release, tmp_path_factory.mktemp("built") / "site", unit="Göteborg").path


@pytest.fixture(scope="module")
def server(site: Path) -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(site))
    with socketserver.TCPServer(("127.0.0.1", 0), handler) as httpd:
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        yield f"http://127.0.0.1:{httpd.server_address[1]}"
        httpd.shutdown()


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).is_file():
        pytest.fail("Debian's chromium is not installed: `make test` installs it (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run"]  # fmt: skip
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=args)
        yield chromium
        chromium.close()


def _open(browser: Any, url: str) -> tuple[Any, list[str]]:
    page = browser.new_page(viewport={"width": 1100, "height": 900})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(f"{m.type}: {m.text}") if m.type in ("error", "warning") else None)
    page.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page, problems


def _drawn(page: Any) -> list[tuple[str, str | None]]:
    page.wait_for_function(
        "() => [...document.querySelectorAll('.chart')].every(e => e.dataset.drawn || e.dataset.error)"
    )
    return page.eval_on_selector_all(".chart", "els => els.map(e => [e.id, e.dataset.error || null])")


def _cells(release: Release) -> dict[str, dict[str, Any]]:
    keys = ["indicator", "structure", "unit_code", "breakdown", "breakdown_value", "period"]
    return {"|".join(str(r[k]) for k in keys): r for r in release.cells().to_dict("records")}


def test_the_site_has_pages_in_both_languages_data_and_downloads(site: Path) -> None:
    for lang in ("sv", "en"):
        assert (site / lang / "index.html").is_file()
        assert {p.stem for p in (site / lang / "indicator").glob("*.html")} == set(IDS)
        assert {p.stem for p in (site / lang / "unit").glob("*.html")} == {"1480", "1480-A-CE", "1480-A-HI",
                                                                           "1480-A-NO", "1480-A-SV"}  # fmt: skip
    assert (site / "downloads" / "release" / "cells.csv").is_file()
    assert (site / "downloads" / "tables" / "EB05-sv.csv").is_file()
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(site / "downloads" / "tables" / "EB05-sv.xlsx")).get_sheet_by_index(0)
    rows = sheet.to_python()
    assert rows[1][0] == "Göteborg"
    assert isinstance(rows[1][-1], float)  # numbers as numbers in Excel
    assert list((site / "downloads" / "release" / "jsonstat").glob("EB05-*.json"))
    areas = {"economic_assistance", "children_youth", "homelessness", "costs", "substance_abuse"}
    assert {p.stem for p in (site / "sv" / "area").glob("*.html")} == areas
    pages = len(list((site / "sv").rglob("*.html"))) + len(list((site / "en").rglob("*.html")))
    assert json.loads((site / "site.json").read_text(encoding="utf-8"))["pages"] == pages == 2 * (1 + 5 + len(IDS) + 5)
    for page in site.rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert "http://" not in html
        assert "https://" not in html  # no outside requests: every asset is in the folder
    assert (site / "assets" / "vendor" / "vega-embed.min.js").is_file()


def test_every_shown_number_equals_its_release_cell(release: Release, site: Path) -> None:
    cells = _cells(release)
    checked = 0
    for page in (site / "sv").rglob("*.html"):
        for span in BeautifulSoup(page.read_text(encoding="utf-8"), "html.parser").select("span.cell[data-cell]"):
            cell = cells[span["data-cell"]]
            text = span.get_text()
            if cell["symbol"] == ".." or pd.isna(cell["value"]):
                assert text == ".."
            else:
                number = float(text.replace(NBSP, "").replace(",", ".")) if text != "-" else 0.0
                decimals = len(text.split(",")[1]) if "," in text else 0
                assert abs(number - float(cell["value"])) <= 0.5 * 10**-decimals + 1e-9, (page.name, text, cell)
            checked += 1
    assert checked > 300


def test_pages_load_over_http_and_from_files_without_console_errors(browser: Any, server: str, site: Path) -> None:
    for url in (f"{server}/sv/index.html", f"{server}/sv/indicator/EB05.html", f"{server}/en/indicator/MB03B.html",
                f"{server}/sv/area/children_youth.html",
                f"{server}/sv/unit/1480-A-NO.html", (site / "sv" / "indicator" / "HL01.html").as_uri(),
                (site / "index.html").as_uri()):  # fmt: skip
        page, problems = _open(browser, url)
        drawn = _drawn(page)
        assert all(error is None for _, error in drawn), url
        if url.endswith("EB05.html"):
            assert [name for name, _ in drawn] == ["trend-chart", "comparison-chart", "funnel-chart"]
        assert problems == [], (url, problems)
        page.close()


def test_switching_units_and_language(browser: Any, server: str, release: Release) -> None:
    page, problems = _open(browser, f"{server}/sv/indicator/EB05.html")
    _drawn(page)
    legend = page.eval_on_selector_all("#trend-chart svg .role-legend-label text", "els => els.map(e => e.textContent)")
    assert "Socialförvaltning Nordost" in legend
    page.uncheck("input[value='Socialförvaltning Nordost']")
    page.wait_for_function("() => ![...document.querySelectorAll('#trend-chart svg .role-legend-label text')]"
                           ".some(e => e.textContent === 'Socialförvaltning Nordost')")  # fmt: skip
    shown = page.inner_text("#trend-table tbody tr:first-child td:last-child")
    cell = _cells(release)["EB05|municipalities|1480|total|total|2024"]
    assert shown == f"{float(cell['value']):.1f}".replace(".", ",")
    page.click("#language")
    page.wait_for_load_state("networkidle")
    assert page.url.endswith("/en/indicator/EB05.html")
    assert page.get_attribute("html", "lang") == "en"
    assert page.inner_text("#trend-table tbody tr:first-child td:last-child") == f"{float(cell['value']):.1f}"
    assert problems == []


def test_keyboard_reaches_the_unit_choices(browser: Any, server: str) -> None:
    page, _ = _open(browser, f"{server}/sv/indicator/EB05.html")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.className") == "skip"  # the first stop skips to the content
    for _ in range(12):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.name") == "unit":
            break
    assert page.evaluate("document.activeElement.name") == "unit"
    page.keyboard.press("Space")
    assert page.evaluate("document.activeElement.checked") is False


def test_axe_finds_no_serious_or_critical_violations(browser: Any, server: str) -> None:
    pages = ("/sv/index.html", "/sv/indicator/EB05.html", "/en/unit/1480-A-NO.html", "/sv/area/children_youth.html")
    for path, width in [(p, w) for p in pages for w in (1100, 320)]:  # a desktop, and reflowed to a narrow phone
        page, _ = _open(browser, server + path)
        page.set_viewport_size({"width": width, "height": 800})
        _drawn(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= width  # no sideways scrolling
        page.add_script_tag(path=str(AXE))
        result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
        serious = [(v["id"], v["impact"], len(v["nodes"])) for v in result["violations"]
                   if v["impact"] in ("serious", "critical")]  # fmt: skip
        assert serious == [], (path, width, serious)
        page.close()


def test_a_drawn_chart_keeps_its_description_in_words(browser: Any, server: str) -> None:
    page, _ = _open(browser, f"{server}/sv/indicator/EB05.html")
    _drawn(page)
    chart = page.locator("#trend-chart")
    assert chart.get_attribute("role") == "img"
    assert "Göteborg" in (chart.get_attribute("aria-label") or "")  # Vega's own "Vega visualization" is inside
    for box in page.locator("input[name=unit]").all():
        box.uncheck()
    assert "Välj minst en enhet" in page.inner_text("#trend-chart")  # nothing chosen: said, not an empty axis


def test_estimated_and_incomplete_cells_are_marked_with_their_footnote(release: Release, site: Path) -> None:
    noted = {k for k, c in _cells(release).items() if c["note"]}
    assert noted, "the fixture should have footnoted cells (an incomplete first year of a look-back indicator)"
    html = (site / "sv" / "indicator" / "MB03B.html").read_text(encoding="utf-8")
    soup = BeautifulSoup(html, "html.parser")
    marked = [s for s in soup.select("#trend-table span.cell") if s["data-cell"] in noted]
    for span in marked:
        assert span.find_next_sibling("span", class_="mark") is not None
    if marked:
        assert "* " in soup.select_one(".notes").get_text()


def test_the_site_command_and_a_folder_that_is_not_a_site(release: Release, tmp_path: Path) -> None:
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "mine.txt").write_text("mine", encoding="utf-8")
    with pytest.raises(SiteError, match="not a socialstat site"):
        build_site(release, tmp_path / "other")
    result = CliRunner().invoke(cli, ["site", "2024", "--releases", str(release.path.parent), "--out",
                                      str(tmp_path / "s"), "--unit", "1480"])  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "index.html" in result.output
    shutil.rmtree(tmp_path / "s")
