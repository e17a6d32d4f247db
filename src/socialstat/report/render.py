"""Render a release's report as HTML (one self-contained file) and PDF (WeasyPrint: A4, page numbers, running
headers, fonts embedded), into a hidden folder renamed when complete: a half-written report is never left."""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2

from socialstat.errors import ReportError
from socialstat.folders import check_replaceable, check_request, write_whole
from socialstat.report.config import ReportConfig, load_config
from socialstat.report.content import Report, build_report
from socialstat.report.view import View

FORMATS = ("html", "pdf")


@dataclass(frozen=True)
class RenderedReport:
    """Where the report went, which files, and how long it took."""

    path: Path
    files: tuple[Path, ...]
    seconds: float


def render_report(
    release: Any,
    out: str | Path,
    *,
    unit: str = "1480",
    lang: str = "sv",
    formats: Sequence[str] = FORMATS,
    config: str | Path | ReportConfig | None = None,
) -> RenderedReport:
    """The report on `unit` (a municipality with its administrations or districts, or a region with its
    municipalities) from `release`, in `lang`, as `formats`, with the analysts' text of `config`."""
    started = time.perf_counter()
    out = check_request(out, "report", formats, FORMATS, lang, ReportError)
    check_replaceable(out, "report.json", "a socialstat report", ReportError)
    chosen = config if isinstance(config, ReportConfig) else load_config(config)
    view = View(release, unit, lang)
    html = render_html(build_report(release, view, chosen))

    def write(folder: Path) -> list[str]:
        names = []
        if "html" in formats:
            (folder / "report.html").write_text(html, encoding="utf-8")
            names.append("report.html")
        if "pdf" in formats:
            write_pdf(html, folder / "report.pdf")
            names.append("report.pdf")
        about = {"release": release.name, "release_sha256": release.manifest.get("content_sha256"),
                 "unit": view.unit, "language": lang, "files": names, "configuration": chosen.source}  # fmt: skip
        (folder / "report.json").write_text(json.dumps(about, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return names

    files = write_whole(out, write)
    return RenderedReport(out, tuple(out / name for name in files), time.perf_counter() - started)


def render_html(report: Report) -> str:
    """The report laid out by the template, the style inline."""
    folder = resources.files("socialstat.report").joinpath("templates")
    env = jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: folder.joinpath(name).read_text(encoding="utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=False, lstrip_blocks=False,
    )  # fmt: skip
    css = folder.joinpath("report.css").read_text(encoding="utf-8")
    return env.get_template("report.html.j2").render(R=report, L=report.labels, css=css)


def write_pdf(html: str, path: Path) -> None:
    """The HTML as an A4 PDF (print style: page numbers, running headers; fonts embedded by WeasyPrint)."""
    import logging

    import weasyprint  # type: ignore[import-untyped]

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    # Fetch nothing from outside the HTML: the report is one file, its charts data URIs.
    inline_only = weasyprint.urls.URLFetcher(allowed_protocols={"data"}, fail_on_errors=True)
    weasyprint.HTML(string=html, base_url=None, url_fetcher=inline_only).write_pdf(str(path))
