"""What every command shares: the store option and the error handler."""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from socialstat.errors import SocialstatError

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


def redacted(text: str) -> str:
    """`text` with identity numbers, person keys and the secret in $SOCIALSTAT_KEY masked (a second line of
    defence: socialstat's own messages never hold them, a library's message quoting a value might)."""
    import os

    from socialstat.privacy.detect import redact
    from socialstat.pseudonym import KEY_ENV, MIN_SECRET_CHARS

    secret = os.environ.get(KEY_ENV, "").strip()
    return redact(text, secret if len(secret) >= MIN_SECRET_CHARS else None)
