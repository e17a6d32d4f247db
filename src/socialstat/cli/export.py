"""Open data commands: export a release as files, serve it over the PxWeb API 2.0."""

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


@click.command()
@click.argument("release_dir", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port to listen on.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True, help="Server processes.")
@reports_errors
def serve(release_dir: Path, host: str, port: int, workers: int) -> None:
    """Serve a release over an HTTP API that PxWeb API 2.0 clients read (read-only; never opens the store).

    \b
    Example:
      socialstat serve releases/2024 --port 8000
      curl http://127.0.0.1:8000/api/v2/tables
    """
    from socialstat.api import create_app
    from socialstat.api.server import serve as serve_app

    app = create_app(release_dir)  # also checks the folder before any worker starts
    click.echo(
        f"Serving release {release_dir} at http://{host}:{port}/api/v2 with {workers} process(es) (Ctrl-C stops)"
    )
    serve_app(release_dir, host=host, port=port, workers=workers, app=app)


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    group.add_command(export)
    group.add_command(serve)
