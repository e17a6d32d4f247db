"""The report and site commands: a release's Socialtjänstrapport in HTML and PDF, and its static website."""

from __future__ import annotations

from pathlib import Path

import click

from socialstat.cli.common import RELEASES_FOLDER, reports_errors


@click.command("report")
@click.argument("name")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write.")
@click.option(
    "--unit", default="göteborg", show_default=True,
    help="The municipality (with its administrations) or region (with its municipalities), by code or name.",
)  # fmt: skip
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="The report's language.")
@click.option("--format", "formats", default="html,pdf", show_default=True, help="Comma-separated: html, pdf.")
@click.option("--config", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="The analysts' text (YAML; see socialstat/report/example.yaml).")  # fmt: skip
@click.option("--releases", **RELEASES_FOLDER)
@reports_errors
def report(name: str, out: Path, unit: str, lang: str, formats: str, config: Path | None, releases: Path) -> None:
    """Render the annual report of a release (reads the release only, never the store).

    \b
    Example:
      socialstat report 2024 --out report-2024 --unit göteborg --config report-2024.yaml
    """
    from socialstat.release import find_release
    from socialstat.report import render_report

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    done = render_report(find_release(name, releases), out, unit=unit, lang=lang, formats=chosen, config=config)
    for path in done.files:
        click.echo(f"Wrote {path}")
    click.echo(f"Rendered in {done.seconds:.1f} s.")


@click.command("site")
@click.argument("name")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write.")
@click.option("--unit", default="göteborg", show_default=True, help="The municipality or region, by code or name.")
@click.option("--releases", **RELEASES_FOLDER)
@reports_errors
def site(name: str, out: Path, unit: str, releases: Path) -> None:
    """Build the static website of a release: open OUT/index.html in a browser, or serve the folder.

    \b
    Example:
      socialstat site 2024 --out site-2024
      python -m http.server --directory site-2024 8080
    """
    from socialstat.release import find_release
    from socialstat.site import build_site

    done = build_site(find_release(name, releases), out, unit=unit)
    click.echo(f"Built {done.pages} pages in {done.path} in {done.seconds:.1f} s; open {done.path / 'index.html'}")


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(report)
    group.add_command(site)
