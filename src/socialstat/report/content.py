"""The report's content, built from a release alone: cover, summary of key findings, the organisation, one chapter
per area with key figures, charts, tables and findings in prose, a chapter on aktualiseringar in the style of
Göteborgsregionen's mapping, the costs, and an appendix of definitions, method, disclosure control and data
quality. The templates (templates/report.html.j2) only lay it out."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import yaml

from socialstat.analysis import Finding, release_findings, top
from socialstat.analysis.words import in_words, number
from socialstat.report.config import ReportConfig, render_text
from socialstat.report.sections import Section, Table, Tile, breakdown_tables, section, tiles
from socialstat.report.view import Shown, View, cell_key

AREAS = ("economic_assistance", "children_youth", "domestic_violence", "criminality", "substance_abuse",
         "homelessness", "costs")  # fmt: skip
SUMMARY = 10  # findings in the summary
PER_CHAPTER = 5  # findings in a chapter's prose
REFERRAL_TABLES = (("BU01", "by_kind"), ("BU05", "by_reason"), ("BU04", "by_reporter"), ("BU06", "by_decision"))
REFERRAL_SHARES = ("BU02", "BU02B", "BU03B", "BU09B")


@dataclass(frozen=True)
class Said:
    """A finding's sentence and the keys of the cells it rests on."""

    text: str
    cells: str  # space-separated cell keys
    kind: str
    verdict: str


@dataclass(frozen=True)
class Chapter:
    """One chapter: its tiles, findings, sections (one per indicator), extra tables and the analysts' text."""

    id: str
    title: str
    intro: str = ""
    tiles: list[Tile] = field(default_factory=list)
    findings: list[Said] = field(default_factory=list)
    sections: list[Section] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    commentary: str = ""


@dataclass(frozen=True)
class Report:
    """Everything the templates lay out."""

    lang: str
    labels: dict[str, Any]
    title: str
    subtitle: str
    release_line: str
    source: str
    summary_intro: str
    key_figures: str
    summary: list[Said]
    organisation: list[str]
    introduction: str
    chapters: list[Chapter]
    definitions: list[dict[str, str]]
    symbols: list[tuple[str, str]]
    disclosure: str
    completeness: Table | None
    batches: Table | None


@cache
def labels() -> dict[str, Any]:
    """The report's fixed words (labels.yaml), by language."""
    text = resources.files("socialstat.report").joinpath("labels.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def build_report(release: Any, view: View, config: ReportConfig) -> Report:
    """The content of the report on `view`'s unit from `release`."""
    words = labels()[view.lang]
    manifest = release.manifest
    created = str(manifest.get("created_at", ""))[:10] or dt.date.today().isoformat()
    unit_name = view.name(view.unit)
    parent_name = unit_name
    found = release_findings(release, unit=view.unit)
    referrals = _referrals_chapter(view, found, config, words, parent_name)
    elsewhere = set(REFERRAL_SHARES) if referrals is not None else set()  # each indicator in one chapter
    chapters = [_area_chapter(view, area, found, config, words, parent_name, elsewhere) for area in AREAS]
    chapters = [c for c in chapters if c.sections]
    if referrals is not None:
        chapters.insert(min(2, len(chapters)), referrals)
    rules = manifest.get("disclosure_rules", {})
    return Report(
        lang=view.lang, labels=words,
        title=config.title.get(view.lang) or words["title"].format(year=view.last),
        subtitle=words["subtitle"].format(unit=unit_name),
        release_line=words["release"].format(release=release.name, date=created),
        source=words["source"].format(release=release.name, date=created),
        summary_intro=words["summary_intro"].format(year=view.last),
        key_figures=words["key_figures"].format(year=view.last),
        summary=[_said(f, view.lang) for f in top(found, SUMMARY)],
        organisation=_organisation(view, words), introduction=render_text(config, "introduction", view),
        chapters=chapters, definitions=_definitions(view, words),
        symbols=[(s, t[view.lang]) for s, t in view.meta.get("symbols", {}).items()],
        disclosure=words["disclosure_text"].format(threshold=rules.get("threshold", 5)),
        completeness=_completeness(view, words), batches=_batches(view, manifest, words),
    )  # fmt: skip


def _area_chapter(view: View, area: str, found: list[Finding], config: ReportConfig, words: dict[str, Any],
                  parent_name: str, elsewhere: set[str]) -> Chapter:  # fmt: skip
    ids = sorted(i for i, m in view.indicators.items() if m.get("area") == area and view.has(i))
    ids = [i for i in ids if i not in elsewhere]
    title = view.meta.get("areas", {}).get(area, {}).get(view.lang, area)
    about = [f for f in found if f.area == area and f.indicator not in elsewhere]
    return Chapter(
        id=area,
        title=title,
        tiles=tiles(view, ids, words),
        findings=[_said(f, view.lang) for f in top(about, PER_CHAPTER)],
        sections=[section(view, i, words, parent_name) for i in ids],
        commentary=render_text(config, area, view),
    )


def _referrals_chapter(view: View, found: list[Finding], config: ReportConfig, words: dict[str, Any],
                       parent_name: str) -> Chapter | None:  # fmt: skip
    present = [
        t for i, label in REFERRAL_TABLES for t in breakdown_tables(view, i, words[label].format(year=view.last))
    ]
    if not present:
        return None
    shares = [i for i in REFERRAL_SHARES if i in view.indicators and view.has(i)]
    about = [f for f in found if f.indicator in REFERRAL_SHARES]
    key_figures = tiles(view, shares, words)
    return Chapter(
        id="referrals", title=words["referrals"], intro=words["referrals_intro"], tiles=key_figures,
        findings=[_said(f, view.lang) for f in top(about, PER_CHAPTER)],
        sections=[section(view, i, words, parent_name) for i in shares], tables=present,
        commentary=render_text(config, "referrals", view),
    )  # fmt: skip


def _said(found: Finding, lang: str) -> Said:
    keys = " ".join(cell_key(c) for c in found.cells)
    return Said(found.sentence[lang], keys, found.kind, found.verdict)


def _organisation(view: View, words: dict[str, Any]) -> list[str]:
    names = [view.name(c) for c in view.children]
    if not names:
        return []
    count = in_words(len(names), view.lang)
    template = words["organisation_text"] if len(names) > 1 else words["organisation_one"]
    text = [template.format(unit=view.name(view.unit), count=count, names=", ".join(names))]
    starts = sorted({str(view.units[c].get("valid_from") or "")[:4] for c in view.children} - {""})
    if starts and int(starts[-1]) > view.years[0]:
        text.append(words["reorganisation"].format(start=starts[-1]))
    return text


def _definitions(view: View, words: dict[str, Any]) -> list[dict[str, str]]:
    out = []
    for indicator, meta in sorted(view.indicators.items()):
        if not view.has(indicator):
            continue
        out.append({
            "id": indicator, "title": meta["title"][view.lang], "definition": meta["definition"][view.lang],
            "unit_of_measure": meta["unit_of_measure"][view.lang], "statistic": str(meta.get("statistic", "")),
            "source": meta.get("source", {}).get(view.lang, ""), "law": str(meta.get("legal", "")),
        })  # fmt: skip
    return out


def _completeness(view: View, words: dict[str, Any]) -> Table | None:
    """Per unit and year, how many cells are estimated or incomplete."""
    cells = view.cells[view.cells["unit_code"].isin([view.unit, *view.children])]
    marked = cells[cells["status"].isin(["approximate", "incomplete"])]
    if marked.empty:
        return None
    counts = marked.groupby(["unit_code", "period", "status"]).size()
    rows = []
    for unit in [view.unit, *view.children]:
        shown = []
        for year in view.years:
            parts = [f"{int(counts.get((unit, year, s), 0))} {words[k]}"
                     for s, k in (("approximate", "estimated"), ("incomplete", "incomplete"))
                     if counts.get((unit, year, s), 0)]  # fmt: skip
            shown.append(Shown(", ".join(parts) or "–", ""))
        rows.append((view.name(unit), shown))
    return Table(words["completeness"], [str(y) for y in view.years], rows)


def _batches(view: View, manifest: dict[str, Any], words: dict[str, Any]) -> Table | None:
    """Rows read, loaded and quarantined per batch (from the release's manifest): the batches of every
    municipality (the synthetic loads) and those of the unit's own municipalities."""
    own = {view.unit, *view.children}
    batches = [b for b in manifest.get("batches", []) if "rows_read" in b]
    batches = [b for b in batches if not _code(b) or _code(b) in own]
    if not batches:
        return None
    rows = []
    for b in sorted(batches, key=lambda b: (str(b["table"]), str(b["batch_id"]))):
        counts = [number(int(b[k]), 0, view.lang) for k in ("rows_read", "rows_loaded", "rows_quarantined")]
        where = view.name(_code(b)) if _code(b) else "–"
        rows.append((str(b["table"]), [Shown(v, "") for v in (where, *counts)]))
    columns = list(words["batch_columns"])
    return Table(words["quarantine"], columns[1:], rows, first_column=columns[0])


def _code(batch: dict[str, Any]) -> str:
    code = batch.get("municipality_code")
    return code if isinstance(code, str) and code else ""
