"""The command-line interface: each command parses options, calls one library function and reports.

socialstat's own errors become a one-line message and exit code 1 here, at the edge; nothing else
catches them. Run `socialstat COMMAND --help` for each command's options and an example.
"""

from __future__ import annotations

import sys
import traceback
from pathlib import Path

import click

from socialstat import __version__
from socialstat.cli.common import db_option, reports_errors
from socialstat.privacy.detect import redacted


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
    default="goteborg",
    show_default=True,
    help="Which municipalities to generate: goteborg, gr, sweden, or one municipality's code (e.g. 1407).",
)
@click.option("--years", default="2015-2024", show_default=True, help="Years, e.g. 2015-2024.")
@click.option("--seed", type=int, default=1, show_default=True, help="Random seed; the same seed gives the same data.")
@click.option(
    "--out",
    type=click.Path(file_okay=False, path_type=Path),
    required=True,
    help="Folder for the canonical Parquet files.",
)
@click.option(
    "--extracts",
    "extract_profiles",
    multiple=True,
    metavar="PROFILE",
    help="Also write the data as this profile's extract files, one per municipality, in OUT/extracts/ (repeatable).",
)
@click.option(
    "--defect-rate",
    type=float,
    default=0.0,
    show_default=True,
    help="Share of extract rows given a realistic defect (listed in OUT/extracts/manifest.json).",
)
@reports_errors
def synth(preset: str, years: str, seed: int, out: Path, extract_profiles: tuple[str, ...], defect_rate: float) -> None:
    """Write synthetic canonical data (Parquet, one file per table), calibrated to published figures.

    With --extracts, also write it as case-management extracts (identity numbers from Skatteverket's test
    series only) for `socialstat ingest`.

    \b
    Example:
      socialstat synth --preset gr --years 2015-2024 --seed 1 --out canonical/
      socialstat synth --preset 1407 --years 2023-2024 --out small/ --extracts treserva-referrals --defect-rate 0.02
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
    if extract_profiles:
        from socialstat.synth.extracts import write_extracts

        written = write_extracts(out, list(extract_profiles), out / "extracts", defect_rate=defect_rate, seed=seed)
        for r in written:
            click.echo(
                f"  {r.path.relative_to(out)}: {r.rows_written} rows, {len(r.defects)} with defects, "
                f"{r.rows_left_out} left out (no test identity number left for the person)"
            )
        click.echo(f"Extracts and their manifest in {out / 'extracts'}")


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
    """Run the main job on the embedded default: synthetic Göteborg and GR 2015–2024 → store → release.

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
    made = result.release.manifest
    click.echo(
        f"  release (published):      {result.release.path}: {made['cells']['total']} cells, "
        f"{made['cells']['suppressed']} suppressed, audit {'passed' if made['audit']['passed'] else 'FAILED'}"
    )
    click.echo(f"  open data (exports):      {result.export.path}: {result.export.count} files")
    click.echo(f"  serve it (PxWeb API):     socialstat serve {result.release.path}")
    if result.findings_file is not None:
        click.echo(f"  findings (Göteborg):      {result.findings_file}")
        for i, finding in enumerate(result.findings, start=1):
            click.echo(f"    {i:>2}. {finding.sentence['sv']}")
    if result.report is not None:
        for path in result.report.files:
            click.echo(f"  {'report (' + path.suffix[1:].upper() + '):':<26}{path}")
    if result.site is not None:
        click.echo(f"  site (open in a browser): {result.site.path / 'index.html'}")
        click.echo(f"    or serve it:            python -m http.server --directory {result.site.path} 8080")
    if result.ingest is not None:
        click.echo(f"  extracts (ingested):      {result.out / 'extracts'}")
        click.echo(f"  ingest reconciliation:    {result.ingest_file}")
        for f in result.ingest.files:
            counts = f"read {f.rows_read} = loaded {f.rows_loaded} + quarantined {f.rows_quarantined}"
            click.echo(f"    {f.file} → {f.table}: {counts}")
    if result.privacy is not None:
        scanned = f"{result.privacy.files} files, {result.privacy.bytes / 1e6:.0f} MB"
        click.echo(f"  privacy scan (outputs):   clean ({scanned}): {result.privacy_file}")
    click.echo(f"Generated in {result.synth.seconds:.1f} s.")


def _write_or_print(text: str, out: Path | None) -> None:
    """Write generated text to `out`, or to standard output when no file is given."""
    if out:
        out.write_text(text, encoding="utf-8")
        click.echo(f"Wrote {out}")
    else:
        click.echo(text, nl=False)


from socialstat.cli import analysis as _analysis  # noqa: E402
from socialstat.cli import export as _export  # noqa: E402
from socialstat.cli import ingest as _ingest  # noqa: E402  (its commands join the group above)
from socialstat.cli import privacy as _privacy  # noqa: E402
from socialstat.cli import release as _release  # noqa: E402
from socialstat.cli import report as _report  # noqa: E402

_ingest.register(cli)
_release.register(cli)
_export.register(cli)
_analysis.register(cli)
_report.register(cli)
_privacy.register(cli)


def main() -> None:
    """Entry point of the `socialstat` command. An exception that is not socialstat's own is a bug: its
    traceback is shown with identity numbers, keys and the secret masked (a library's message may quote data)."""
    try:
        cli(prog_name="socialstat")
    except Exception as exc:
        click.echo(redacted("".join(traceback.format_exception(exc))), err=True, nl=False)
        click.echo("socialstat: an unexpected error (traceback above, personal data masked); report it", err=True)
        sys.exit(2)
