"""Output folders written whole or not at all: into a hidden sibling, renamed when complete.

Releases, exports and reports are read by others while they are made; a crash must never leave one half
written where a reader would find it.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from socialstat.errors import SocialstatError

T = TypeVar("T")
LANGUAGES = ("sv", "en")  # the languages of every output for people


def check_request(
    out: str | Path, kind: str, formats: Sequence[str], known: Sequence[str], lang: str, error: type[SocialstatError]
) -> Path:
    """What every writer of an output checks first: formats it knows, a language it writes (both named in the
    error), and a folder it may replace (one holding `<kind>.json`); the folder as a Path."""
    unknown = sorted(set(formats) - set(known))
    if unknown or not formats:
        raise error(f"unknown {kind} formats {unknown}; choose from {', '.join(known)}")
    if lang not in LANGUAGES:
        raise error(f"language {lang!r}: choose sv or en")
    return Path(out)


def check_replaceable(out: Path, marker: str, what: str, error: type[SocialstatError]) -> None:
    """Refuse an output folder that holds files but not `marker` (this kind of output's own file)."""
    if out.exists() and any(out.iterdir()) and not (out / marker).is_file():
        raise error(f"{out} holds files that are not {what}; choose an empty folder")


def write_whole(out: Path, write: Callable[[Path], T]) -> T:
    """Call `write(folder)` on a hidden sibling of `out`, then put it in place of `out` (an earlier one is
    replaced); on any failure the hidden folder is removed and `out` is left as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    partial = out.parent / f".{out.name}.partial-{uuid.uuid4().hex[:8]}"
    partial.mkdir()
    try:
        result = write(partial)
        if out.exists():
            shutil.rmtree(out)
        os.rename(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        raise
    return result
