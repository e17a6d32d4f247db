"""The command-line interface: each command parses options, calls one library function and reports.

socialstat's own errors become a one-line message and exit code 1 here, at the edge; nothing else
catches them. Run `socialstat COMMAND --help` for each command's options and an example.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from socialstat import __version__
from socialstat.errors import SocialstatError

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db",
    envvar="SOCIALSTAT_DB",
    default=None,
    metavar="URL",
    help="Store URL, e.g. duckdb:///socialstat.duckdb (default: $SOCIALSTAT_DB, else ./socialstat.duckdb).",
)


def reports_errors(func: F) -> F:
    """Turn socialstat's exceptions into a clean message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SocialstatError as exc:  # ValidationError included: its message lists every problem
            click.echo(f"Error: {exc}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="socialstat")
def cli() -> None:
    """socialstat: statistics from Swedish social services case records, privacy-safe by design.

    \b
    Example (the demo, step by step):
      socialstat synth --preset gr --years 2015-2024 --seed 1 --out canonical/
      socialstat init
      socialstat load-canonical canonical/
      socialstat summary
    """


@cli.command()
@db_option
@reports_errors
def init(db: str | None) -> None:
    """Create the store's tables (idempotent; refuses a store of another schema version).

    \b
    Example:
      socialstat init --db duckdb:///socialstat.duckdb
    """
    from socialstat.store import init_store

    with init_store(db) as store:
        click.echo(f"Store ready: {store.url} ({len(store.tables())} tables)")


@cli.command()
@click.option(
    "--preset",
    type=click.Choice(["goteborg", "gr", "sweden"]),
    default="goteborg",
    show_default=True,
    help="Which municipalities to generate.",
)
@click.option("--years", default="2015-2024", show_default=True, help="Years, e.g. 2015-2024.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed; the same seed gives the same data.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the canonical Parquet files.",
)
@reports_errors
def synth(preset: str, years: str, seed: int, out: Path) -> None:
    """Write synthetic canonical data (Parquet, one file per table), calibrated to published figures.

    \b
    Example:
      socialstat synth --preset gr --years 2015-2024 --seed 1 --out canonical/
    """
    from socialstat.synth import generate, parse_years

    done: list[str] = []

    def progress(code: str) -> None:
        done.append(code)
        if len(done) % 25 == 0:
            click.echo(f"  ... {len(done)} municipalities generated", err=True)

    report = generate(preset, parse_years(years), seed, out, progress=progress)
    for table, n in report.rows.items():
        click.echo(f"  {table:<22} {n:>12,}".replace(",", " "))
    click.echo(f"Wrote {out} in {report.seconds:.1f} s (preset {preset}, years {years}, seed {seed})")


@cli.command("load-canonical")
@click.argument("directory", type=click.Path(file_okay=False, exists=True, path_type=Path))
@db_option
@reports_errors
def load_canonical_cmd(directory: Path, db: str | None) -> None:
    """Load canonical Parquet from DIRECTORY into the store, atomically (all tables or none).

    \b
    Example:
      socialstat load-canonical canonical/ --db duckdb:///socialstat.duckdb
    """
    from socialstat.store import load_canonical, open_store

    with open_store(db) as store:
        report = load_canonical(store, directory)
    for t in report.tables:
        click.echo(f"  {t.table:<22} {t.rows_loaded:>12,}  {t.batch_id or '(reference)'}".replace(",", " "))
    click.echo(f"Loaded {report.rows_loaded:,} rows from {directory}".replace(",", " "))


@cli.command()
@db_option
@click.option("--table", default="referrals", show_default=True, help="Microdata table to break down by unit and year.")
@reports_errors
def summary(db: str | None, table: str) -> None:
    """Print rows per table, and one table's rows per municipality, unit and year.

    \b
    Example:
      socialstat summary --table assistance_payments
    """
    from socialstat.store import format_summary, open_store, summarize

    with open_store(db) as store:
        click.echo(format_summary(summarize(store), table=table))


@cli.group()
def schema() -> None:
    """The canonical model: write its documentation (docs/data-model.md)."""


@schema.command("docs")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file instead of standard output.",
)
def schema_docs(out: Path | None) -> None:
    """Render the canonical model as Markdown (the source of docs/data-model.md).

    \b
    Example:
      socialstat schema docs --out docs/data-model.md
    """
    from socialstat.model.docs import render_data_model

    _write_or_print(render_data_model() + "\n", out)


@cli.group()
def profile() -> None:
    """Source profiles: how a case-management system's extract maps to the canonical model."""


@profile.command("list")
@reports_errors
def profile_list() -> None:
    """List the source profiles shipped with socialstat.

    \b
    Example:
      socialstat profile list
    """
    from socialstat.ingest import list_profiles, load_profile

    for name in list_profiles():
        p = load_profile(name)
        click.echo(f"{name:<26} {p.system:<10} {p.extract:<20} {p.file.format}")


@profile.command("show")
@click.argument("name")
@reports_errors
def profile_show(name: str) -> None:
    """Check profile NAME (a shipped name or a .yaml file) and show what it reads and drops.

    \b
    Example:
      socialstat profile show treserva-referrals
      socialstat profile show my-system-referrals.yaml
    """
    from socialstat.ingest import load_profile

    p = load_profile(name)
    f = p.file
    click.echo(f"{p.name}: {p.system}, {p.extract} -> {p.table.name} ({p.source})")
    click.echo(f"  file: {f.format}, encoding {f.encoding}, delimiter {f.delimiter!r}, decimal {f.decimal!r}, "
               f"dates {', '.join(f.date_formats)}, header row {f.header_row}")  # fmt: skip
    click.echo(
        f"  identity number: {p.identity_column!r} (reserve numbers {'allowed' if p.reserve_numbers else 'refused'})"
    )
    click.echo(f"  area: {p.area_match}" + (f" from {p.area_column!r}" if p.area_column else ""))
    for canonical, header in p.columns.items():
        mapped = f" ({len(p.values[canonical])} labels mapped)" if canonical in p.values else ""
        click.echo(f"  {canonical:<18} <- {header!r}{mapped}")
    if p.reason_columns:
        click.echo(f"  reason             <- {', '.join(map(repr, p.reason_columns))}")
    for canonical, value in p.constants.items():
        click.echo(f"  {canonical:<18} =  {value!r}")
    click.echo(f"  dropped unread: {', '.join(map(repr, p.drop)) or '(none)'}")


@profile.command("check")
@click.argument("file", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", "profile_name", required=True, help="A shipped profile name or a profile .yaml file.")
@click.option("--municipality", required=True, help="The municipality the extract is from (code, e.g. 1480).")
@reports_errors
def profile_check(file: Path, profile_name: str, municipality: str) -> None:
    """Preview what FILE would load and what would be quarantined under a profile; nothing is loaded.

    \b
    Example:
      socialstat profile check aktualiseringar.csv --profile treserva-referrals --municipality 1480
    """
    from socialstat.ingest import load_profile
    from socialstat.ingest.check import check_file

    for line in check_file(file, load_profile(profile_name), municipality).lines():
        click.echo(line)


@cli.group()
def key() -> None:
    """The pseudonymisation key: make a key file (the key is never given on the command line)."""


@key.command("new")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@reports_errors
def key_new(path: Path) -> None:
    """Write a new random pseudonymisation key to PATH, readable by you only.

    Keep it outside the repository and apart from the store; use it with --key-file (or put its content in
    SOCIALSTAT_KEY). An existing file is never overwritten.

    \b
    Example:
      socialstat key new ~/.config/socialstat/key
    """
    from socialstat.pseudonym import new_key_file

    click.echo(f"Wrote a new key file: {new_key_file(path)} (mode 0600)")


@cli.group()
def indicators() -> None:
    """The indicator catalogue: list it, show one indicator, write its documentation."""


@indicators.command("list")
def indicators_list() -> None:
    """List the catalogue: id, area, statistic and Swedish title.

    \b
    Example:
      socialstat indicators list
    """
    from socialstat.indicators import load_catalogue

    for ind in load_catalogue().values():
        click.echo(f"{ind.id:<6} {ind.area:<20} {ind.statistic:<10} {ind.title.sv}")


@indicators.command("show")
@click.argument("indicator_id")
@reports_errors
def indicators_show(indicator_id: str) -> None:
    """Show one indicator's full definition.

    \b
    Example:
      socialstat indicators show BU02
    """
    from socialstat.errors import ConfigurationError
    from socialstat.indicators import load_catalogue
    from socialstat.indicators.docs import describe

    catalogue = load_catalogue()
    if indicator_id not in catalogue:
        raise ConfigurationError(f"unknown indicator {indicator_id!r}; see `socialstat indicators list`")
    click.echo(describe(catalogue[indicator_id]))


@indicators.command("docs")
@click.option("--out", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Write to this file.")
def indicators_docs(out: Path | None) -> None:
    """Render the catalogue as Markdown (the source of docs/indicators.md).

    \b
    Example:
      socialstat indicators docs --out docs/indicators.md
    """
    from socialstat.indicators.docs import render_catalogue

    _write_or_print(render_catalogue() + "\n", out)


@cli.command()
@db_option
@click.option("--years", default="2015-2024", show_default=True, help="Years, e.g. 2015-2024.")
@click.option("--structure", default="municipalities", show_default=True, help="Unit structure (docs/indicators.md).")
@click.option("--indicator", "ids", multiple=True, help="Only these indicators (repeatable); default all.")
@click.option(
    "--out", type=click.Path(dir_okay=False, path_type=Path), required=True, help="Results (.parquet or .csv)."
)
@reports_errors
def compute(db: str | None, years: str, structure: str, ids: tuple[str, ...], out: Path) -> None:
    """Compute the catalogue for every unit of a structure and every year; write the results table.

    \b
    Example:
      socialstat compute --structure goteborg-administrations --years 2015-2024 --out results.parquet
    """
    from socialstat.indicators import compute as compute_results
    from socialstat.store import open_store
    from socialstat.synth import parse_years

    with open_store(db) as store:
        results = compute_results(store, structure=structure, years=parse_years(years), ids=list(ids) or None)
    if out.suffix == ".csv":
        results.to_csv(out, index=False)
    else:
        results.to_parquet(out, index=False)
    click.echo(
        f"Wrote {len(results):,} cells of {results['indicator'].nunique()} indicators to {out}".replace(",", " ")
    )


@cli.command()
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("demo-output"),
    show_default=True,
    help="Folder for the demo's outputs.",
)
@click.option("--seed", type=int, default=None, help="Random seed (default: the demo's fixed seed).")
@reports_errors
def demo(out: Path, seed: int | None) -> None:
    """Run the main job on the embedded default: synthetic Göteborg and GR 2015–2024 → store → summary.

    \b
    Example:
      socialstat demo --out demo-output
    """
    from socialstat.pipeline import DEMO_SEED, run_demo
    from socialstat.store import format_summary

    result = run_demo(out, seed=DEMO_SEED if seed is None else seed)
    click.echo(format_summary(result.summary))
    click.echo("")
    click.echo("Outputs:")
    click.echo(f"  canonical data (Parquet): {result.canonical}")
    click.echo(f"  store (DuckDB):           {result.database}")
    click.echo(f"  summary:                  {result.summary_file}")
    click.echo(f"  indicator results:        {result.results_file}")
    click.echo(f"Generated in {result.synth.seconds:.1f} s.")


def _write_or_print(text: str, out: Path | None) -> None:
    """Write generated text to `out`, or to standard output when no file is given."""
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)


def main() -> None:
    """Entry point of the `socialstat` command."""
    cli(prog_name="socialstat")
