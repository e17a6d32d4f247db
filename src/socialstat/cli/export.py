"""The export command: a release as open data files."""

from __future__ import annotations

from pathlib import Path

import click

from socialstat.cli.common import RELEASES_FOLDER, reports_errors


@click.command("export")
@click.argument("name")
@click.option(
    "--format", "formats", default="csv,xlsx,parquet,jsonstat,px", show_default=True,
    help="Comma-separated formats: csv, xlsx, parquet, jsonstat, px.",
)  # fmt: skip
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), required=True, help="Folder to write.")
@click.option("--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Labels' language.")
@click.option("--licence", default=None, help="Licence text for the export's metadata (default: CC BY 4.0).")
@click.option("--releases", **RELEASES_FOLDER)
@reports_errors
def export(name: str, formats: str, out: Path, lang: str, licence: str | None, releases: Path) -> None:
    """Export a release as open data (reads the release only, never the store).

    \b
    Example:
      socialstat export 2024 --format csv,xlsx,jsonstat --out open-data/2024
    """
    from socialstat.export import export_release
    from socialstat.export.run import DEFAULT_LICENCE
    from socialstat.release import find_release

    chosen = [f.strip() for f in formats.split(",") if f.strip()]
    done = export_release(
        find_release(name, releases), out, formats=chosen, lang=lang, licence=licence or DEFAULT_LICENCE
    )
    click.echo(f"Exported release {name} to {done.path}: {done.count} files ({', '.join(chosen)})")


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(export)
