"""The report configuration: the analysts' own text, kept beside the release, and the references in it.

A YAML file like the shipped example (report/example.yaml):

    title: {sv: "Socialtjänstrapport 2024", en: "Social services report 2024"}
    introduction: {sv: "...", en: "..."}                   # Markdown, before the chapters
    chapters:
      economic_assistance: {sv: "...", en: "..."}          # Markdown, at the end of the chapter
      children_youth: {sv: "...", en: "..."}

Chapters are named by area (the catalogue's areas, `costs` and `referrals` for the chapter on aktualiseringar).
A number in the text is written as a reference to a release cell: `{{ EB01 | Göteborg | 2024 }}`, with the unit
as a code or a name and optionally a breakdown value (`{{ BU01 | 1480 | 2024 | kind=report }}`). At render
time the reference becomes the cell's value, formatted as the report formats it. A reference to a cell that is
missing, suppressed or incomplete stops the render with the file, the line and the reference: the prose can never
disagree with the figures or reveal a suppressed one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import yaml
from markdown_it import MarkdownIt

from socialstat.analysis.findings import resolve_unit
from socialstat.errors import ConfigurationError, ReportError
from socialstat.report.view import View

REFERENCE = re.compile(r"\{\{\s*([^{}]*?)\s*\}\}")
CHAPTERS = ("economic_assistance", "children_youth", "domestic_violence", "criminality", "substance_abuse",
            "homelessness", "costs", "referrals")  # fmt: skip


@dataclass(frozen=True)
class ReportConfig:
    """The analysts' text by place (`introduction` or a chapter) and language, and where it came from."""

    source: str
    title: dict[str, str] = field(default_factory=dict)
    texts: dict[str, dict[str, str]] = field(default_factory=dict)


def load_config(path: str | Path | None) -> ReportConfig:
    """The configuration at `path`, or none (no analysts' text)."""
    if path is None:
        return ReportConfig("(none)")
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ReportError(f"{path}: cannot read the report configuration: {err}") from None
    return parse_config(raw, str(path))


def example_config() -> Path:
    """The example configuration shipped with socialstat (the demo's)."""
    return Path(str(resources.files("socialstat.report").joinpath("example.yaml")))


def parse_config(raw: Any, source: str) -> ReportConfig:
    """Check a configuration's shape: the file and the field are named."""
    if not isinstance(raw, dict) or set(raw) - {"title", "introduction", "chapters"}:
        raise ReportError(f"{source}: a report configuration has title, introduction and chapters only")
    texts: dict[str, dict[str, str]] = {}
    if "introduction" in raw:
        texts["introduction"] = _languages(raw["introduction"], f"{source}: introduction")
    chapters = raw.get("chapters") or {}
    if not isinstance(chapters, dict):
        raise ReportError(f"{source}: chapters must map a chapter to its text")
    for name, text in chapters.items():
        if name not in CHAPTERS:
            raise ReportError(f"{source}: chapters: unknown chapter {name!r}; choose from {', '.join(CHAPTERS)}")
        texts[name] = _languages(text, f"{source}: chapters: {name}")
    title = _languages(raw["title"], f"{source}: title") if "title" in raw else {}
    return ReportConfig(source, title, texts)


def render_text(config: ReportConfig, place: str, view: View) -> str:
    """The analysts' text for `place` in the view's language as HTML, every reference replaced by its cell's
    value (marked with the cell's key); '' if there is none."""
    text = config.texts.get(place, {}).get(view.lang, "")
    if not text:
        return ""
    line_of = _line_numbers(config.source)

    def replace(match: re.Match[str]) -> str:
        row = _resolve(match.group(1), view, f"{config.source}: {place} ({view.lang}), line {line_of(match)}")
        shown = view.shown(row)
        return f'<span class="cell" data-cell="{shown.key}">{shown.text}</span>'

    html = MarkdownIt("commonmark", {"html": False}).disable("image").render(text)  # no outside images
    return REFERENCE.sub(replace, html)


def _resolve(reference: str, view: View, where: str) -> dict[str, Any]:
    parts = [p.strip() for p in reference.split("|")]
    if len(parts) not in (3, 4) or not parts[2].isdigit():
        raise ReportError(f"{where}: {{{{ {reference} }}}}: write {{{{ INDICATOR | UNIT | YEAR }}}} "
                          "or {{ INDICATOR | UNIT | YEAR | breakdown=value }}")  # fmt: skip
    indicator, unit, year = parts[0], parts[1], int(parts[2])
    breakdown, value = ("total", "total")
    if len(parts) == 4:
        breakdown, _, value = parts[3].partition("=")
    try:
        code = resolve_unit(unit, view.units)
    except ConfigurationError:
        raise ReportError(f"{where}: {{{{ {reference} }}}}: no unit {unit!r} in the release") from None
    row = view.cell(indicator, code, year, breakdown.strip(), value.strip())
    if row is None:
        raise ReportError(f"{where}: {{{{ {reference} }}}}: the release has no such cell")
    if not view.usable(row):
        raise ReportError(f"{where}: {{{{ {reference} }}}}: the cell is suppressed or incomplete "
                          f"({row.get('symbol') or row.get('status')}); the text may not rest on it")  # fmt: skip
    return row


def _languages(raw: Any, where: str) -> dict[str, str]:
    if isinstance(raw, str):
        return {"sv": raw, "en": raw}
    if not isinstance(raw, dict) or not set(raw) <= {"sv", "en"}:
        raise ReportError(f"{where}: give the text as sv and en")
    return {str(k): str(v) for k, v in raw.items()}


def _line_numbers(source: str) -> Any:
    """A function from a reference's match to its line in the configuration file (best effort: the line where
    the reference's text first occurs)."""
    try:
        lines = Path(source).read_text(encoding="utf-8").splitlines()
    except OSError:
        lines = []

    def line_of(match: re.Match[str]) -> str:
        for number, line in enumerate(lines, start=1):
            if match.group(0) in line:
                return str(number)
        return "?"

    return line_of
