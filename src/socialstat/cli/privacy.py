"""`socialstat privacy-scan`: files checked for identity numbers, person keys, the secret and free-text fields."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from socialstat.cli.common import reports_errors


@click.command("privacy-scan")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also look for this pseudonymisation key (default: the key in $SOCIALSTAT_KEY, if set).",
)
@click.option("--json", "json_out", type=click.Path(dir_okay=False, path_type=Path), help="Write the findings as JSON.")
@click.option("--limit", type=int, default=50, show_default=True, help="Print at most this many findings.")
@reports_errors
def privacy_scan(paths: tuple[Path, ...], key_file: Path | None, json_out: Path | None, limit: int) -> None:
    """Look through files and folders for what must never leave the database; exit 1 on any find.

    Finds valid personnummer and samordningsnummer in any common form, person keys (UUIDs), the pseudonymisation
    key, and free-text or identity fields (column names, JSON keys, header cells), in text, CSV, JSON, HTML (with
    its data: URIs), PDF, Excel, Parquet and zip/gzip archives. Findings are shown masked.

    \b
    Example (everything the demo publishes):
      socialstat privacy-scan demo-output/releases demo-output/open-data demo-output/report demo-output/site
    """
    from socialstat.privacy import scan_paths
    from socialstat.privacy.scan import secret_to_find

    report = scan_paths(paths, key_secret=secret_to_find(key_file))
    if json_out is not None:
        json_out.write_text(json.dumps(report.as_dict(), indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    for finding in report.findings[:limit]:
        click.echo(str(finding))
    if len(report.findings) > limit:
        click.echo(f"... and {len(report.findings) - limit} more")
    verdict = "clean" if report.clean else f"{len(report.findings)} findings"
    click.echo(f"Scanned {report.files} files ({report.bytes / 1e6:.1f} MB): {verdict}.", err=not report.clean)
    if not report.clean:
        sys.exit(1)


def register(cli: click.Group) -> None:
    cli.add_command(privacy_scan)
