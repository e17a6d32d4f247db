"""Output folders written whole or not at all: into a hidden sibling, renamed when complete.

Releases, exports and reports are read by others while they are made; a crash must never leave one half
written where a reader would find it. The hidden siblings are named ``.NAME.partial-PID-XXXXXXXX`` (being written)
and ``.NAME.old-PID-XXXXXXXX`` (a replaced folder, moved aside before the new one takes its place, so that it is
never deleted where a reader would see it half gone). A process killed outright (SIGKILL) cannot remove its own:
the next write of the same folder removes those whose process is no longer running on this machine, and puts a
folder moved aside back if its replacement never arrived. The same goes for ``.NAME.stage-PID-XXXXXXXX``, where
ingest lets DuckDB spill its stage beside a store file (store.backends.open_stage). (Nothing is fsync'd: after
a power loss the file system's own journal decides what is left.)
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


def hidden(out: Path, kind: str) -> Path:
    """A new hidden sibling of `out` for this process: ``.NAME.KIND-PID-XXXXXXXX``."""
    return out.parent / f".{out.name}.{kind}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


def clear_leftovers(out: Path) -> list[Path]:
    """Remove the hidden siblings of `out` left by processes that are no longer running; the removed paths. A
    folder moved aside whose replacement never arrived (`out` missing) is put back instead."""
    removed = []
    for path in sorted(out.parent.glob(f".{out.name}.*-*-*")):
        kind, _, rest = path.name[len(out.name) + 2 :].partition("-")
        pid = rest.partition("-")[0]
        if kind not in {"partial", "old", "stage"} or not pid.isdigit() or _running(int(pid)):
            continue
        if kind == "old" and not out.exists():  # killed between moving it aside and putting the new one in place
            os.rename(path, out)
            continue
        shutil.rmtree(path, ignore_errors=True)
        removed.append(path)
    return removed


def _running(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process
        return True
    return True


def write_whole(out: Path, write: Callable[[Path], T]) -> T:
    """Call `write(folder)` on a hidden sibling of `out`, then put it in place of `out` (an earlier one is moved
    aside first and removed after); on any failure the hidden folder is removed and `out` is left as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    clear_leftovers(out)
    partial = hidden(out, "partial")
    partial.mkdir()
    aside = None
    try:
        result = write(partial)
        if out.exists():
            aside = hidden(out, "old")
            os.rename(out, aside)
        os.rename(partial, out)
    except BaseException:
        shutil.rmtree(partial, ignore_errors=True)
        if aside is not None and not out.exists():
            os.rename(aside, out)
        raise
    if aside is not None:
        shutil.rmtree(aside, ignore_errors=True)
    return result
