"""Commands that bring data in: source profiles, the key, ingest, batches, reference imports."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from socialstat.cli.common import db_option, reports_errors
from socialstat.errors import LoadError

if TYPE_CHECKING:
    from socialstat.ingest.read import Progress


@click.group()
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


@click.group()
def key() -> None:
    """The pseudonymisation key: make a key file, re-key the store (the key is never given on the command line)."""


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


@key.command("rekey")
@click.argument("numbers", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="The old key file, the store's keys were made with (default: the key in $SOCIALSTAT_KEY).",
)
@click.option(
    "--new-key-file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    required=True,
    help="The new key file (make one with: socialstat key new FILE).",
)
@db_option
@reports_errors
def key_rekey(numbers: Path, key_file: Path | None, new_key_file: Path, db: str | None) -> None:
    """Re-key the store: every key replaced by the new key of the same person, in one transaction.

    NUMBERS is a text file with the identity number of every person in the store, one per line (any common form),
    e.g. the identity column of the extracts the store was ingested from. If any key in the store has no number
    in it, nothing is changed. Delete NUMBERS afterwards, and destroy the old key file.

    \b
    Example:
      socialstat key rekey persons.txt --key-file old.key --new-key-file new.key
    """
    from socialstat.pseudonym import Pseudonymiser, load_secret
    from socialstat.store import open_store
    from socialstat.store.rekey import rekey_store

    old = Pseudonymiser(load_secret(key_file=key_file))
    new = Pseudonymiser(load_secret(key_file=new_key_file))
    with open(numbers, encoding="utf-8-sig") as lines, open_store(db) as store:
        report = rekey_store(store, lines, old, new)
    for line in report.lines():
        click.echo(line)


@click.command()
@click.argument("files", nargs=-1, required=True, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--profile", "profile_name", required=True, help="A shipped profile name or a profile .yaml file.")
@click.option("--municipality", required=True, help="The municipality the extracts are from (code, e.g. 1480).")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Pseudonymisation key file (default: the key in $SOCIALSTAT_KEY). Never the key itself.",
)
@click.option(
    "--max-reject-rate",
    type=float,
    default=None,
    help="Refuse the whole run (nothing is loaded) when a file's share of quarantined rows is above this, e.g. 0.05.",
)
@click.option(
    "--report",
    "report_file",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the reconciliation as JSON here (default: ingest-<UTC time>.json in the working folder).",
)
@click.option("--progress/--no-progress", default=None, help="Progress bars (default: when on a terminal).")
@db_option
@reports_errors
def ingest(
    files: tuple[Path, ...],
    profile_name: str,
    municipality: str,
    key_file: Path | None,
    max_reject_rate: float | None,
    report_file: Path | None,
    progress: bool | None,
    db: str | None,
) -> None:
    """Load extract FILES into the store under a source profile: each file one batch, all files or none.

    Every row is loaded or quarantined with its reasons; the reconciliation (rows read = loaded + quarantined)
    is printed and written as JSON. A file already loaded (same content) loads nothing new.

    \b
    Example:
      socialstat key new ~/.config/socialstat/key
      socialstat ingest aktualiseringar-2024.csv --profile treserva-referrals --municipality 1480 \\
          --key-file ~/.config/socialstat/key --max-reject-rate 0.05
    """
    import datetime as dt

    from socialstat.ingest import load_profile
    from socialstat.ingest.run import RejectRateExceeded, ingest_files
    from socialstat.pseudonym import Pseudonymiser, load_secret
    from socialstat.store import open_store

    pseudonymiser = Pseudonymiser(load_secret(key_file=key_file))
    chosen = load_profile(profile_name)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    report_file = report_file or Path(f"ingest-{stamp}.json")
    bars = _ProgressBars(enabled=progress)
    with open_store(db) as store:
        try:
            report = ingest_files(
                store, files, chosen, municipality, pseudonymiser, max_reject_rate=max_reject_rate,
                progress=bars.update,
            )  # fmt: skip
        except RejectRateExceeded as exc:
            bars.close()  # before the report, so it is not drawn over
            _write_report(exc.report.as_dict(), exc.report.lines(), report_file)
            raise
        finally:
            bars.close()
    _write_report(report.as_dict(), report.lines(), report_file)


def _write_report(data: dict[str, object], lines: list[str], path: Path) -> None:
    for line in lines:
        click.echo(line)
    path.write_text(json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    click.echo(f"Reconciliation written to {path}")


class _ProgressBars:
    """One click progress bar per file (bytes for CSV, rows for Excel and Parquet), on a terminal only."""

    def __init__(self, *, enabled: bool | None) -> None:
        self.enabled = sys.stderr.isatty() if enabled is None else enabled
        self.name: str | None = None
        self.bar: Any = None
        self.shown = 0

    def update(self, name: str, progress: Progress) -> None:
        if not self.enabled:
            return
        if name != self.name:
            self.close()
            self.bar = click.progressbar(length=max(progress.total, 1), label=name, file=sys.stderr)
            self.bar.__enter__()
            self.name, self.shown = name, 0
        self.bar.update(progress.done - self.shown)
        self.shown = progress.done

    def close(self) -> None:
        if self.bar is not None:
            self.bar.__exit__(None, None, None)
        self.name, self.bar = None, None


@click.group()
def batch() -> None:
    """Batches: what was loaded, from which file; withdraw a batch to take its rows out again."""


@batch.command("list")
@click.option("--all/--loaded", "include_withdrawn", default=True, help="Include withdrawn batches (default).")
@db_option
@reports_errors
def batch_list(include_withdrawn: bool, db: str | None) -> None:
    """List the batches in the store, oldest first, with their reconciliation.

    \b
    Example:
      socialstat batch list
    """
    from socialstat.store import open_store
    from socialstat.store.batches import list_batches

    with open_store(db) as store:
        frame = list_batches(store, include_withdrawn=include_withdrawn)
    if frame.empty:
        click.echo("No batches in the store.")
        return
    click.echo(f"{'batch':<38} {'table':<20} {'read':>9} {'loaded':>9} {'quarant.':>9}  {'status':<9} source")
    for r in frame.itertuples(index=False):
        click.echo(
            f"{r.batch_id:<38} {r.table_name:<20} {r.rows_read:>9} {r.rows_loaded:>9} {r.rows_quarantined:>9}  "
            f"{r.status:<9} {r.source} ({r.profile}, {r.loaded_at:%Y-%m-%d %H:%M} UTC)"
        )


@batch.command("withdraw")
@click.argument("batch_id")
@db_option
@reports_errors
def batch_withdraw(batch_id: str, db: str | None) -> None:
    """Take batch BATCH_ID out of the store: its rows and quarantine rows are deleted, its record is kept.

    \b
    Example:
      socialstat batch withdraw referrals-3f2a9c0b1d4e5f60
    """
    from socialstat.store import open_store
    from socialstat.store.batches import withdraw_batch

    with open_store(db) as store:
        deleted = withdraw_batch(store, batch_id)
    shown = ", ".join(f"{table} {n}" for table, n in deleted.items()) or "no rows"
    click.echo(f"Withdrew batch {batch_id}: deleted {shown}.")


@click.group()
def population() -> None:
    """Population figures: import SCB's files (replacing the synthetic or earlier figures of the same key)."""


@population.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@db_option
@reports_errors
def population_import(file: Path, db: str | None) -> None:
    """Load population by area, year, sex and age from an SCB PX file or CSV download into the store.

    Region codes must be areas of the store (a municipality's code for a municipality without sub-areas).

    \b
    Example:
      socialstat population import BE0101N1.px
    """
    from socialstat.reference import import_population
    from socialstat.store import open_store
    from socialstat.store.load import load_reference

    with open_store(db) as store:
        areas = store.table("areas").execute()
        if areas.empty:
            raise LoadError("the store has no areas yet: load units and areas first (load-canonical or ingest)")
        frame = import_population(file, areas=dict(zip(areas["area_code"], areas["municipality_code"], strict=True)))
        n = load_reference(store, "population", frame)
    years = f"{frame['year'].min()}-{frame['year'].max()}" if n else "no years"
    click.echo(f"Loaded {n} population rows ({frame['area_code'].nunique()} areas, {years}) from {file.name}")


@click.group()
def costs() -> None:
    """IFO costs: import gross costs per unit, year and service area from a CSV file."""


@costs.command("import")
@click.argument("file", type=click.Path(dir_okay=False, exists=True, path_type=Path))
@db_option
@reports_errors
def costs_import(file: Path, db: str | None) -> None:
    """Load IFO costs (unit_code, year, service_area, cost_sek) from a CSV file into the store.

    \b
    Example:
      socialstat costs import ifo-kostnader-2023.csv
    """
    from socialstat.reference import import_costs
    from socialstat.store import open_store
    from socialstat.store.load import load_reference

    frame = import_costs(file)
    with open_store(db) as store:
        units = set(store.table("units").unit_code.execute())
        unknown = sorted(set(frame["unit_code"]) - units)
        if unknown:
            raise LoadError(f"{file.name}: units the store does not have: {unknown[:10]} (load units first)")
        n = load_reference(store, "costs", frame)
    click.echo(f"Loaded {n} cost rows ({frame['unit_code'].nunique()} units) from {file.name}")


def register(group: click.Group) -> None:
    """Add this module's commands to the main group."""
    for command in (profile, key, ingest, batch, population, costs):
        group.add_command(command)
