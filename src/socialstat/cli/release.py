"""Commands for releases: create one from the store, list, show and compare them, and audit one."""

from __future__ import annotations

from pathlib import Path

import click

from socialstat.cli.common import RELEASES_FOLDER, db_option, reports_errors

out_option = click.option("--out", **RELEASES_FOLDER)


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
@click.option(
    "--rules",
    type=click.Path(exists=True, dir_okay=False),
    default=None,
    help="Disclosure rules (YAML like the shipped rules.yaml: threshold, rates_follow_counts, rounding, symbols).",
)
@out_option
@db_option
@reports_errors
def release_create(
    year: int, name: str | None, first_year: int | None, structures: tuple[str, ...], ids: tuple[str, ...],
    rules: str | None, out: Path, db: str | None,
) -> None:  # fmt: skip
    """Compute the catalogue, protect it with the disclosure rules and write an immutable release folder.

    \b
    Example:
      socialstat release create --year 2024 --name 2024-demo
    """
    from socialstat.disclosure import load_rules
    from socialstat.release import DEFAULT_STRUCTURES, create_release
    from socialstat.store import open_store

    chosen = load_rules(rules)
    with open_store(db) as store:
        made = create_release(
            store, year=year, name=name, out=out, structures=structures or DEFAULT_STRUCTURES, first_year=first_year,
            ids=list(ids) or None, rules=chosen,
        )  # fmt: skip
    counts, audit = made.manifest["cells"], made.manifest["audit"]
    click.echo(
        f"Release {made.name} in {made.path}: {counts['total']} cells, {counts['suppressed']} suppressed; "
        f"audit {'passed' if audit['passed'] else 'FAILED'}; content {made.manifest['content_sha256'][:16]}"
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

    from socialstat.release import find_release

    click.echo(json.dumps(find_release(name, out).manifest, indent=2, ensure_ascii=False))


@release.command("diff")
@click.argument("before")
@click.argument("after")
@click.option("--cells", type=click.Path(dir_okay=False, path_type=Path), help="Write every changed cell as CSV.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@out_option
@reports_errors
def release_diff(before: str, after: str, cells: Path | None, as_json: bool, out: Path) -> None:
    """Which cells changed between two releases, and why (the revision note).

    \b
    Example:
      socialstat release diff 2023 2024 --cells revisions.csv
    """
    import json

    from socialstat.release import diff_releases, find_release

    found = diff_releases(find_release(before, out), find_release(after, out))
    if cells is not None:
        found.cells.to_csv(cells, index=False, encoding="utf-8")
    click.echo(json.dumps(found.summary(), indent=2, ensure_ascii=False) if as_json else "\n".join(found.lines()))


@click.command()
@click.argument("name")
@click.option(
    "--cells", "show", type=int, default=0, help="Also print the N narrowest suppressed cells (confidential)."
)
@out_option
@db_option
@reports_errors
def audit(name: str, show: int, out: Path, db: str | None) -> None:
    """Audit a release: the interval a reader can narrow each suppressed cell to, from everything it and the
    previous release publish. Exits 1 if any cell on 1-4 persons can be narrowed below the threshold.

    The per-cell record (rule, primary or secondary, interval) is confidential and stays in the store
    (table disclosure_record); this prints counts, the cells that fail, and with --cells the narrowest cells
    (for the analyst's terminal: never publish them).

    \b
    Example:
      socialstat audit 2024 --cells 10
    """
    import sys

    from socialstat.release import audit_release, find_release, previous_release
    from socialstat.store import open_store

    chosen = find_release(name, out)
    previous = previous_release(chosen)
    with open_store(db) as store:
        result = audit_release(store, chosen, previous.cells() if previous else None)
    click.echo("\n".join(result.lines()))
    if show > 0:
        click.echo("\n".join(result.narrowest(show)))
    if not result.passed:
        sys.exit(1)


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(release)
    group.add_command(audit)
