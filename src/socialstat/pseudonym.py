"""Pseudonymisation: an identity number becomes a key, and the number itself is kept nowhere.

``key = the first 128 bits of HMAC-SHA-256(secret, canonical number)``, written as a UUID. The canonical number
is the 12-digit form of `socialstat.identity` (``YYYYMMDDNNNC``), so the same person gets the same key from
every file, system and way of writing the number. HMAC-SHA-256 may be truncated to half its length (RFC 2104,
section 5); 128 bits make a collision among even a hundred million persons vanishingly unlikely (about 1 in
10^22).

The secret comes from the environment (`SOCIALSTAT_KEY`) or from a key file (``--key-file``), never from the
code or the command line. A key file must be readable by its owner only (mode 0600 or stricter, checked on
POSIX systems); `new_key_file` writes one. Whoever holds the secret and a list of identity numbers can
recompute keys: keep it apart from the store, and use one secret for everything that must link. Re-keying a
store (a new secret) needs the identity numbers again (`socialstat.store.rekey`).

Nothing here ever puts the secret or a number in a message or a ``repr``.
"""

from __future__ import annotations

import hmac
import os
import secrets
import stat
from collections.abc import Mapping
from pathlib import Path

from socialstat.errors import ConfigurationError

KEY_ENV = "SOCIALSTAT_KEY"
MIN_SECRET_CHARS = 32  # a key file from new_key_file holds 64 hex digits (256 bits)


class Pseudonymiser:
    """Turns canonical identity numbers into keys with one secret. Its ``repr`` never shows the secret."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigurationError(
                f"the pseudonymisation secret is too short: at least {MIN_SECRET_CHARS} characters"
            )
        self._secret = secret

    def __repr__(self) -> str:
        return "Pseudonymiser(secret=<hidden>)"

    def key(self, canonical: str) -> str:
        """The key of one canonical (12-digit) identity number, as a UUID string."""
        h = hmac.digest(self._secret, canonical.encode("ascii"), "sha256")[:16].hex()
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"  # as str(uuid.UUID(bytes=...)), faster


_LOADED: set[str] = set()  # every secret this process loaded, so that `privacy.detect.redact` can mask it


def loaded_secrets() -> tuple[str, ...]:
    """The secrets this process has loaded (from the environment or key files), for masking in messages."""
    return tuple(_LOADED)


def load_secret(*, key_file: str | os.PathLike[str] | None = None, environ: Mapping[str, str] | None = None) -> bytes:
    """The secret from `key_file` if given, else from $SOCIALSTAT_KEY; a clear error if there is none.

    Surrounding whitespace is not part of the secret. A key file readable by others than its owner is refused.
    """
    if key_file is not None:
        path = Path(key_file)
        try:
            mode = path.stat().st_mode
        except OSError:
            raise ConfigurationError(f"{path}: the key file cannot be read") from None
        if os.name == "posix" and mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise ConfigurationError(
                f"{path}: the key file is open to other users (mode {stat.S_IMODE(mode):04o}); "
                f"make it private with: chmod 600 {path}"
            )
        secret = path.read_bytes().strip()
        if len(secret) < MIN_SECRET_CHARS:
            raise ConfigurationError(f"{path}: the key file holds fewer than {MIN_SECRET_CHARS} characters")
        _LOADED.add(secret.decode("utf-8", errors="replace"))
        return secret
    environ = os.environ if environ is None else environ
    value = environ.get(KEY_ENV, "").strip()
    if not value:
        raise ConfigurationError(
            f"no pseudonymisation key: set {KEY_ENV} or give --key-file (make one with: socialstat key new FILE)"
        )
    if len(value) < MIN_SECRET_CHARS:
        raise ConfigurationError(f"{KEY_ENV} is too short: at least {MIN_SECRET_CHARS} characters")
    _LOADED.add(value)
    return value.encode("utf-8")


def new_key_file(path: str | os.PathLike[str]) -> Path:
    """Write a new random secret (256 bits as 64 hex digits) to `path`, readable by its owner only.

    Refuses to overwrite: a lost or replaced secret breaks the link to every key made with the old one.
    """
    target = Path(path)
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ConfigurationError(f"{target}: exists already; a key file is never overwritten") from None
    except OSError as exc:
        raise ConfigurationError(f"{target}: cannot create the key file ({exc.strerror})") from None
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(secrets.token_hex(32) + "\n")
    return target
