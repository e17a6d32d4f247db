"""`socialstat site`: a static website of a release that anyone can open, from a file share or a web server.

Pages in Swedish and English (`sv/`, `en/`): a start page with the key findings and key-figure tiles, a page per
indicator (a time series with the units selectable and 95 % bands, a comparison of the units, the table with
status symbols, the definition, downloads), and a page per unit (its profile against its parent). Each page
carries its own data as JSON in a script element, so it works from `file://` (no fetching) as well as over HTTP;
the charts are Vega-Lite, drawn by the vendored vega-embed (assets/vendor), every one with a table beside it.
The release is read only; every number shown comes from a published cell.
"""

from __future__ import annotations

import csv
import datetime as dt
import json
import shutil
import time
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import jinja2
import yaml

from socialstat.analysis import release_findings, top
from socialstat.analysis.words import number as format_number
from socialstat.errors import ReportError, SiteError
from socialstat.folders import LANGUAGES, check_replaceable, write_whole
from socialstat.report.view import COMPARED, View, cell_key


@dataclass(frozen=True)
class BuiltSite:
    """Where the site went, how many pages, and how long it took."""

    path: Path
    pages: int
    seconds: float


@cache
def labels() -> dict[str, Any]:
    """The site's fixed words (labels.yaml), by language."""
    text = resources.files("socialstat.site").joinpath("labels.yaml").read_text(encoding="utf-8")
    return dict(yaml.safe_load(text))


def build_site(
    release: Any, out: str | Path, *, unit: str = "1480", downloads: bool = True, export: Path | None = None
) -> BuiltSite:
    """The site of `release` about `unit` and the units under it, in folder `out`. The release's open data go to
    `downloads/release/`: a copy of `export` when it is an export of this release (`socialstat export`), else
    exported anew (CSV, Excel, JSON-stat)."""
    started = time.perf_counter()
    out = Path(out)
    check_replaceable(out, "site.json", "a socialstat site", SiteError)
    try:
        first = View(release, unit, LANGUAGES[0])
        views = {lang: first.in_language(lang) for lang in LANGUAGES}
    except ReportError as err:
        raise SiteError(str(err).replace("report: ", "site: ", 1)) from None
    found = release_findings(release, unit=views["sv"].unit)

    def write(folder: Path) -> int:
        assets = resources.files("socialstat.site").joinpath("assets")
        _copy_tree(assets, folder / "assets")
        if downloads:
            _downloads(release, folder / "downloads" / "release", export)
        pages = 0
        for view in views.values():
            pages += _write_language(folder, release, view, found, downloads)
        (folder / "index.html").write_text(_render("redirect.html.j2", target="sv/index.html"), encoding="utf-8")
        about = {"release": release.name, "release_sha256": release.manifest.get("content_sha256"),
                 "unit": views["sv"].unit, "pages": pages}  # fmt: skip
        (folder / "site.json").write_text(json.dumps(about, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return pages

    pages = write_whole(out, write)
    return BuiltSite(out, pages, time.perf_counter() - started)


def _write_language(folder: Path, release: Any, view: View, found: list[Any], downloads: bool) -> int:
    lang = view.lang
    words = labels()[lang]
    created = str(release.manifest.get("created_at", ""))[:10] or dt.date.today().isoformat()
    common = {
        "lang": lang, "L": words, "other": "en" if lang == "sv" else "sv", "release": release.name,
        "source": words["source"].format(release=release.name, date=created),
        "unit_name": view.name(view.unit), "areas": _areas(view), "units": _units(view),
        "symbols": [(s, t[lang]) for s, t in view.meta.get("symbols", {}).items()],
    }  # fmt: skip
    root = folder / lang
    (root / "indicator").mkdir(parents=True)
    (root / "unit").mkdir()
    index = _render("index.html.j2", depth=1, page="index.html", **common, **_start(view, found, words))
    (root / "index.html").write_text(index, encoding="utf-8")
    pages = 1
    (root / "area").mkdir()
    for area in common["areas"]:
        html = _render("area.html.j2", depth=2, page=f"area/{area['id']}.html", **common,
                       **_area_page(view, area, found, words))  # fmt: skip
        (root / "area" / f"{area['id']}.html").write_text(html, encoding="utf-8")
        pages += 1
        for indicator in area["indicators"]:
            context = _indicator_page(view, indicator["id"], words, folder, downloads)
            html = _render("indicator.html.j2", depth=2, page=f"indicator/{indicator['id']}.html", charts=True,
                           **common, **context)  # fmt: skip
            (root / "indicator" / f"{indicator['id']}.html").write_text(html, encoding="utf-8")
            pages += 1
    for unit in [view.unit, *view.children]:
        context = _unit_page(view, unit, found, words)
        html = _render("unit.html.j2", depth=2, page=f"unit/{unit}.html", charts=context["has_parent"], **common,
                       **context)  # fmt: skip
        (root / "unit" / f"{unit}.html").write_text(html, encoding="utf-8")
        pages += 1
    return pages


def _start(view: View, found: list[Any], words: dict[str, Any]) -> dict[str, Any]:
    tiles = []
    for indicator, meta in sorted(view.indicators.items()):
        row = view.cell(indicator, view.unit, view.last) if meta.get("key_figure") else None
        if row is not None:
            before = view.cell(indicator, view.unit, view.last - 1)
            tiles.append({"id": indicator, "title": meta["title"][view.lang], "shown": view.shown(row),
                          "unit_of_measure": meta["unit_of_measure"][view.lang],
                          "before": view.shown(before) if before is not None else None})  # fmt: skip
    said = [{"text": f.sentence[view.lang], "cells": " ".join(cell_key(c) for c in f.cells), "indicator": f.indicator}
            for f in top(found, 10)]  # fmt: skip
    return {"title": view.name(view.unit), "tiles": tiles, "findings": said,
            "findings_title": words["findings"].format(year=view.last),
            "key_title": words["key_figures"].format(year=view.last)}  # fmt: skip


def _indicator_page(view: View, indicator: str, words: dict[str, Any], folder: Path, downloads: bool) -> dict[str, Any]:
    meta = view.indicators[indicator]
    units = [view.unit, *view.children]
    series, rows = [], []
    for unit in units:
        shown, values = [], []
        for year in view.years:
            row = view.cell(indicator, unit, year)
            usable = view.usable(row)
            shown.append(view.shown(row) if row is not None else None)
            values.append(_number(row["value"]) if row is not None and not view.shown(row).suppressed else None)
            if row is not None:
                series.append({"unit": view.name(unit), "year": year,
                               "value": float(row["value"]) if usable else None,
                               "lower": _number(row.get("lower")) if usable else None,
                               "upper": _number(row.get("upper")) if usable else None})  # fmt: skip
        rows.append({"code": unit, "name": view.name(unit), "shown": shown, "values": values})
    dots = _dots(view, indicator)  # none for a count
    funnel = _funnel(view, indicator, dots) if dots else []
    title = meta["title"][view.lang]
    table_csv = None
    if downloads:
        table_csv = f"tables/{indicator}-{view.lang}.csv"
        _table_csv(folder / "downloads" / table_csv, words, view, rows)
    data = {"indicator": indicator, "series": series, "dots": dots, "funnel": funnel, "lang": view.lang,
            "axis": meta["unit_of_measure"][view.lang], "emphasis": view.name(view.unit),
            "parent": view.name(view.unit), "decimals": 0 if meta.get("statistic") == "count" else 1,
            "population": words["population"], "none": words["none_chosen"],
            "units": [view.name(u) for u in units]}  # fmt: skip
    jsonstat = []
    if downloads:
        found = sorted((folder / "downloads" / "release" / "jsonstat").glob(f"{indicator}-*.json"))
        jsonstat = [f"jsonstat/{p.name}" for p in found]
    return {
        "title": title, "indicator": indicator, "definition": meta["definition"][view.lang],
        "method": words["methods"].get(str(meta.get("statistic")), "").replace("{parent}", view.name(view.unit)),
        "area": meta.get("area", ""), "notes": view.footnotes(s for row in rows for s in row["shown"]),
        "has_band": any(p["lower"] is not None for p in series),
        "comparison_alt": "; ".join(f"{d['unit']} {d['shown']}" for d in dots),
        "outside_text": words["outside"].format(parent=view.name(view.unit)),
        "unit_of_measure": meta["unit_of_measure"][view.lang], "years": view.years, "rows": rows,
        "data": json.dumps(data, ensure_ascii=False).replace("</", "<\\/"), "has_dots": bool(dots),
        "dot_rows": dots, "trend_title": words["trend"].format(first=view.years[0], last=view.years[-1]),
        "comparison_title": words["comparison"].format(year=view.last, parent=view.name(view.unit)),
        "funnel_title": words["funnel"].format(year=view.last),
        "funnel_caption": words["funnel_caption"].format(parent=view.name(view.unit)),
        "table_csv": table_csv, "jsonstat": jsonstat, "downloads": downloads,
        "alt": _alt(view, indicator, title, series),
    }  # fmt: skip


def _dots(view: View, indicator: str) -> list[dict[str, Any]]:
    """The units under the unit against it, for the dot plot, the funnel and their table."""
    return [
        {"unit": view.name(c.unit), "value": c.value, "lower": _number(c.lower), "upper": _number(c.upper),
         "denominator": c.denominator, "denominator_text": format_number(c.denominator, 0, view.lang),
         "parent": c.parent_value, "outside": c.outside, "shown": view.shown(c.row).text, "key": cell_key(c.row)}
        for c in view.compared(indicator)
    ]  # fmt: skip


def _funnel(view: View, indicator: str, dots: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The funnel's control limits (95 and 99.8 %) around the unit's value, over the units' denominators."""
    import numpy as np

    from socialstat.stats import funnel_limits

    meta = view.indicators[indicator]
    kind = "proportion" if meta["statistic"] == "proportion" else "rate"
    sizes = [d["denominator"] for d in dots]
    grid = np.geomspace(max(min(sizes) / 2, 1.0), max(sizes) * 1.5, 40)
    points = []
    for confidence, name in ((0.95, "95 %"), (0.998, "99,8 %" if view.lang == "sv" else "99.8 %")):
        limits = funnel_limits(kind, dots[0]["parent"], grid, confidence=confidence,
                               multiplier=float(meta.get("multiplier") or 1))  # fmt: skip
        lows, highs = np.atleast_1d(limits.lower), np.atleast_1d(limits.upper)
        for n, low, high in zip(grid, lows, highs, strict=True):
            points.append({"denominator": float(n), "lower": float(low), "upper": float(high), "limit": name})
    return points


def _area_page(view: View, area: dict[str, Any], found: list[Any], words: dict[str, Any]) -> dict[str, Any]:
    """An area: its key figures, its findings and its indicators."""
    ids = [i["id"] for i in area["indicators"]]
    start = _start(view, [f for f in found if f.indicator in ids], words)
    return {"title": area["title"], "area": area, "tiles": [t for t in start["tiles"] if t["id"] in ids],
            "findings": start["findings"][:5], "findings_title": start["findings_title"],
            "key_title": start["key_title"]}  # fmt: skip


def _unit_page(view: View, unit: str, found: list[Any], words: dict[str, Any]) -> dict[str, Any]:
    """A unit's profile: each share or rate of the last year against its parent (a spine chart's ratios)."""
    parent = view.units.get(unit, {}).get("parent_code") or ""
    verdicts = {
        (f.indicator, f.unit_code): f.verdict for f in found if f.kind == "comparison" and f.breakdown == "total"
    }
    rows = []
    for indicator, meta in sorted(view.indicators.items()):
        if meta.get("statistic") not in COMPARED:
            continue
        own, theirs = view.cell(indicator, unit, view.last), view.cell(indicator, parent, view.last) if parent else None
        if not view.usable(own) or own is None:
            continue
        ratio = (
            float(own["value"]) / float(theirs["value"]) if view.usable(theirs) and theirs and theirs["value"] else None
        )
        verdict = verdicts.get((indicator, unit), "")
        rows.append({"id": indicator, "title": meta["title"][view.lang], "shown": view.shown(own),
                     "parent_shown": view.shown(theirs) if theirs is not None else None, "ratio": ratio,
                     "verdict": verdict, "verdict_text": words["verdicts"].get(verdict, "")})  # fmt: skip
    name, parent_name = view.name(unit), view.name(parent) if parent else ""
    drawn = [r for r in rows if r["ratio"] is not None]
    data = {"profile": [{"indicator": r["title"], "ratio": r["ratio"],
                         "verdict": r["verdict_text"] or words["verdicts"]["similar"]} for r in drawn],
            "lang": view.lang, "axis": words["ratio"].format(parent=parent_name),
            "verdicts": words["verdicts"]}  # fmt: skip
    alt = "; ".join(f"{r['title']} {format_number(r['ratio'], 2, view.lang)}" for r in drawn)
    return {"title": name, "code": unit, "parent_name": parent_name, "rows": rows,
            "profile_title": words["profile"].format(unit=name, parent=parent_name, year=view.last),
            "profile_intro": words["profile_intro"].format(unit=name, parent=parent_name, year=view.last),
            "data": json.dumps(data, ensure_ascii=False).replace("</", "<\\/"), "has_parent": bool(parent),
            "profile_alt": alt}  # fmt: skip


def _areas(view: View) -> list[dict[str, Any]]:
    names = view.meta.get("areas", {})
    areas = []
    for area, text in names.items():
        ids = sorted(i for i, m in view.indicators.items() if m.get("area") == area and view.has(i))
        if ids:
            listed = [{"id": i, "title": view.indicators[i]["title"][view.lang]} for i in ids]
            areas.append({"id": area, "title": text[view.lang], "indicators": listed})
    return areas


def _units(view: View) -> list[dict[str, str]]:
    return [{"code": u, "name": view.name(u)} for u in [view.unit, *view.children]]


def _alt(view: View, indicator: str, title: str, series: list[dict[str, Any]]) -> str:
    mine = [s for s in series if s["unit"] == view.name(view.unit) and s["value"] is not None]
    if not mine:
        return title
    first, last = mine[0], mine[-1]
    return (f"{title}: {view.name(view.unit)} {view.number(first['value'], indicator)} ({first['year']}) – "
            f"{view.number(last['value'], indicator)} ({last['year']}).")  # fmt: skip


def _table_csv(path: Path, words: dict[str, Any], view: View, rows: list[dict[str, Any]]) -> None:
    """The page's table as CSV (the numbers as shown, with symbols) and as Excel (numbers as numbers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    swedish = view.lang == "sv"  # Swedish Excel reads semicolons, decimal commas and a byte-order mark
    with path.open("w", encoding="utf-8-sig" if swedish else "utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";" if swedish else ",")
        writer.writerow([words["unit"], *view.years])
        for row in rows:
            cells = []
            for shown, value in zip(row["shown"], row["values"], strict=True):
                text = "" if shown is None else shown.text if value is None else format(value, ".10g")
                cells.append(text.replace(".", ",") if swedish and value is not None else text)
            writer.writerow([row["name"], *cells])
        for note in view.footnotes(s for row in rows for s in row["shown"]):
            writer.writerow([note])
    import xlsxwriter

    book = xlsxwriter.Workbook(str(path.with_suffix(".xlsx")))
    sheet = book.add_worksheet(path.stem[:31])
    sheet.write_row(0, 0, [words["unit"], *view.years])
    for i, row in enumerate(rows, start=1):
        sheet.write(i, 0, row["name"])
        for j, (shown, value) in enumerate(zip(row["shown"], row["values"], strict=True), start=1):
            if shown is not None:
                sheet.write(i, j, value if value is not None else shown.text)  # a number, or its symbol
    for k, note in enumerate(view.footnotes(s for row in rows for s in row["shown"]), start=len(rows) + 2):
        sheet.write(k, 0, note)
    book.close()


def _downloads(release: Any, target: Path, export: Path | None) -> None:
    about = export / "export.json" if export is not None else None
    made = json.loads(about.read_text(encoding="utf-8")) if about is not None and about.is_file() else {}
    if export is not None and made.get("release_sha256") == release.manifest.get("content_sha256"):
        shutil.copytree(export, target)
    else:
        from socialstat.export import export_release

        export_release(release, target, formats=["csv", "xlsx", "jsonstat"])
    files = sorted(str(p.relative_to(target)) for p in target.rglob("*") if p.is_file())
    listing = _render("files.html.j2", title=f"{release.name}", files=files)
    (target / "index.html").write_text(listing, encoding="utf-8")  # a server without directory listings too


def _copy_tree(source: Any, target: Path) -> None:
    target.mkdir(parents=True, exist_ok=True)
    for entry in source.iterdir():
        if entry.is_dir():
            _copy_tree(entry, target / entry.name)
        else:
            with resources.as_file(entry) as path:
                shutil.copyfile(path, target / entry.name)


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return None if number != number else number


@cache
def _environment() -> jinja2.Environment:
    folder = resources.files("socialstat.site").joinpath("templates")
    return jinja2.Environment(
        loader=jinja2.FunctionLoader(lambda name: folder.joinpath(name).read_text(encoding="utf-8")),
        autoescape=True, undefined=jinja2.StrictUndefined,
    )  # fmt: skip


def _render(template: str, **context: Any) -> str:
    return _environment().get_template(template).render(**context)
