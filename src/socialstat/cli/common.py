"""What every command shares: the store option and the error handler."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from socialstat.errors import SocialstatError
from socialstat.privacy.detect import redacted

F = TypeVar("F", bound=Callable[..., Any])

db_option = click.option(
    "--db",
    "db",
    envvar="SOCIALSTAT_DB",
    default=None,
    metavar="URL",
    help="Store URL: duckdb:///socialstat.duckdb, postgresql://user@host/db or spark://local[2]?warehouse=DIR "
    "(default: $SOCIALSTAT_DB, else ./socialstat.duckdb).",
)


RELEASES_FOLDER: dict[str, Any] = {  # the folder of releases, for every command that reads or writes them
    "type": click.Path(file_okay=False, path_type=Path),
    "default": Path("releases"),
    "show_default": True,
    "help": "Folder of releases.",
}


def reports_errors(func: F) -> F:
    """Turn socialstat's exceptions into a clean message and exit code 1."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except SocialstatError as exc:  # ValidationError included: its message lists every problem
            click.echo(f"Error: {redacted(str(exc))}", err=True)
            sys.exit(1)

    return wrapper  # type: ignore[return-value]
