"""Commands for releases: create one from the store, list them, show one."""

from __future__ import annotations

from pathlib import Path

import click

from socialstat.cli.common import db_option, reports_errors

out_option = click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("releases"),
    show_default=True,
    help="Folder of releases.",
)


@click.group()
def release() -> None:
    """Releases: the protected, immutable folders that every output reads (never the store)."""


@release.command("create")
@click.option("--year", type=int, required=True, help="The release's year (the last year it covers).")
@click.option("--name", default=None, help="The release's name (default: the year).")
@click.option("--first-year", type=int, default=None, help="First year covered (default: nine years before).")
@click.option(
    "--structure", "structures", multiple=True, help="Unit structures (repeatable; default: GR and Göteborg)."
)
@click.option("--indicator", "ids", multiple=True, help="Only these indicators (repeatable; default: all).")
@out_option
@db_option
@reports_errors
def release_create(
    year: int, name: str | None, first_year: int | None, structures: tuple[str, ...], ids: tuple[str, ...],
    out: Path, db: str | None,
) -> None:  # fmt: skip
    """Compute the catalogue, protect it with the disclosure rules and write an immutable release folder.

    \b
    Example:
      socialstat release create --year 2024 --name 2024-demo
    """
    from socialstat.release import DEFAULT_STRUCTURES, create_release
    from socialstat.store import open_store

    with open_store(db) as store:
        made = create_release(
            store, year=year, name=name, out=out, structures=structures or DEFAULT_STRUCTURES, first_year=first_year,
            ids=list(ids) or None,
        )  # fmt: skip
    counts = made.manifest["cells"]
    click.echo(
        f"Release {made.name} in {made.path}: {counts['total']} cells, {counts['suppressed']} suppressed; "
        f"content {made.manifest['content_sha256'][:16]}"
    )


@release.command("list")
@out_option
@reports_errors
def release_list(out: Path) -> None:
    """List the releases, oldest first.

    \b
    Example:
      socialstat release list
    """
    from socialstat.release import list_releases

    found = list_releases(out)
    if not found:
        click.echo(f"No releases in {out}.")
    for r in found:
        m = r.manifest
        click.echo(
            f"{r.name:<20} year {m['year']}  {m['years'][0]}-{m['years'][1]}  "
            f"{m['cells']['total']:>8} cells  {m['created_at']}"
        )


@release.command("show")
@click.argument("name")
@out_option
@reports_errors
def release_show(name: str, out: Path) -> None:
    """Show a release's manifest.

    \b
    Example:
      socialstat release show 2024-demo
    """
    import json

    from socialstat.release import read_release

    click.echo(json.dumps(read_release(out / name).manifest, indent=2, ensure_ascii=False))


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(release)
