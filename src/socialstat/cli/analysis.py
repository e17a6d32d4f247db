"""Analysis commands: the findings of a release, in Swedish or English, as sentences or JSON."""

from __future__ import annotations

import json
from pathlib import Path

import click

from socialstat.cli.common import RELEASES_FOLDER, reports_errors


@click.command("findings")
@click.argument("name")
@click.option(
    "--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="The sentences' language."
)
@click.option("--unit", default=None, help="Only this unit and the units under it (a code or a name, e.g. Göteborg).")
@click.option("--top", type=click.IntRange(0), default=10, show_default=True, help="How many (0: every finding).")
@click.option("--json", "as_json", is_flag=True, help="Structured findings as JSON (both languages' sentences).")
@click.option("--releases", **RELEASES_FOLDER)
@reports_errors
def findings(name: str, lang: str, unit: str | None, top: int, as_json: bool, releases: Path) -> None:
    """What a release shows: changes, trends, comparisons and key figures, most important first.

    Reads the release only. No finding rests on a suppressed cell, and a change that is not statistically
    significant is never called an increase or a decrease.

    \b
    Example:
      socialstat findings 2024 --unit Göteborg --top 10
      socialstat findings 2024 --lang en --json > findings.json
    """
    from socialstat.analysis import release_findings
    from socialstat.analysis import top as most_important
    from socialstat.release import find_release

    release = find_release(name, releases)
    found = release_findings(release, unit=unit)
    chosen = most_important(found, top) if top else found
    if as_json:
        payload = {"release": release.manifest.get("name", name), "unit": unit, "count": len(found),
                   "findings": [f.to_dict() for f in chosen]}  # fmt: skip
        click.echo(json.dumps(payload, ensure_ascii=False, indent=2))
        return
    for i, finding in enumerate(chosen, start=1):
        click.echo(f"{i}. {finding.sentence[lang]}")


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(findings)
