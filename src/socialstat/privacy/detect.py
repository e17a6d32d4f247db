"""What the privacy scan looks for in a piece of text: identity numbers, person keys, the secret, field names.

* **Identity numbers**: a valid personnummer or samordningsnummer (`socialstat.identity`: real date, Luhn check
  digit, serial not 000) in any common form — 10 or 12 digits, with ``-``, ``+``, one space or no separator — that
  is not part of a longer run of digits or the decimals of a number (``3,`` followed by ten digits is a decimal).
  In a 12-digit run the 10-digit tail is tried too. Only valid numbers are findings: a masked ``811218-****`` or an
  invalid number is not personal data.
* **Person keys**: anything shaped like a key of `socialstat.pseudonym` (a UUID, 8-4-4-4-12 hex digits). Nothing
  socialstat publishes carries a UUID, so every one is reported.
* **The secret**: the pseudonymisation secret itself, when the scan is given it.
* **Fields**: a column name, JSON key or header cell that is a free-text or identity field (fields.yaml, the
  shipped profiles' identity and dropped columns, the model's personal columns).

A finding shows only a masked form (``YYMMDD-****``, ``1a2b3c4d-****``): the scan never repeats what it found.
"""

from __future__ import annotations

import datetime
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache
from importlib import resources

import yaml

from socialstat.errors import InvalidIdentityNumber
from socialstat.identity import parse_identity_number
from socialstat.ingest import list_profiles, load_profile, normalise
from socialstat.model import load_model

IDENTITY_NUMBER = "identity_number"
PERSON_KEY = "person_key"
SECRET = "secret"
FIELD = "free_text_field"
UNREADABLE = "unreadable"  # a file the scan could not open (a damaged archive): not known to be clean
KINDS = (IDENTITY_NUMBER, PERSON_KEY, SECRET, FIELD, UNREADABLE)

# Separators: as written, with a no-break space or an en dash, or percent-encoded in a URL.
_SEPARATOR = r"(-|\+| |\u00a0|\u2013|%20|%2[BbDd])?"
# Not after a digit, nor after a digit and a decimal point (the decimals of a float); not before
# a digit. A comma after a digit does not exclude: it is the delimiter of CSV rows quoted in messages and logs.
_CANDIDATE = re.compile(r"(?<![0-9])(?<![0-9]\.)((?:[0-9]{2})?[0-9]{6})" + _SEPARATOR + r"([0-9]{4})(?![0-9])")
_ANY = re.compile(r"(?<![0-9])((?:[0-9]{2})?[0-9]{6})" + _SEPARATOR + r"([0-9]{4})(?![0-9])")  # for redact
_SEPARATORS = {None: "", "-": "-", "+": "+", "%2B": "+", "%2b": "+"}  # the rest stand for a hyphen
_DECIMAL = re.compile(r"\s*[-+]?[0-9]+[.,][0-9]+\s*")  # a cell that is a number with decimals (7766,9004)
_HASH = re.compile(r"[0-9A-Fa-f]{32,}")  # a hash (SHA-256 in manifests): its digits are not a number
_UUID = re.compile(
    r"(?<![0-9A-Fa-f])([0-9A-Fa-f]{8})-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}(?![0-9A-Fa-f])"
)


@dataclass(frozen=True)
class Hit:
    """One thing found in a piece of text: its kind, a masked form and a note (e.g. the kind of number)."""

    kind: str
    shown: str
    note: str = ""


def identity_numbers(text: str, today: datetime.date | None = None) -> Iterator[Hit]:
    """Every valid identity number in `text`, masked."""
    for m in _CANDIDATE.finditer(_HASH.sub(" ", text) if len(text) >= 32 else text):
        date, sep, tail = m.group(1), m.group(2), m.group(3)
        forms = [date + _SEPARATORS.get(sep, "-") + tail]
        if len(date) == 8:
            forms.append(date[2:] + tail)
        for form in forms:
            try:
                number = parse_identity_number(form, today=today)
            except InvalidIdentityNumber:
                continue
            yield Hit(IDENTITY_NUMBER, date[-6:] + "-****", number.kind)
            break


def person_keys(text: str) -> Iterator[Hit]:
    """Every UUID-shaped string in `text`, masked to its first eight hex digits."""
    for m in _UUID.finditer(text):
        yield Hit(PERSON_KEY, m.group(1).lower() + "-****")


def secret(text: str, value: str | None) -> Iterator[Hit]:
    """The secret, if `text` holds it."""
    if value and value in text:
        yield Hit(SECRET, "********")


def in_text(text: str, key_secret: str | None = None, today: datetime.date | None = None) -> list[Hit]:
    """Everything found in free text (a line, a cell, a value)."""
    if not any(c.isdigit() for c in text) or _DECIMAL.fullmatch(text):
        return list(secret(text, key_secret))
    keys = list(person_keys(text))
    numbers = text if not keys else _UUID.sub(" ", text)  # the digits of a key are not an identity number
    return [*identity_numbers(numbers, today), *keys, *secret(text, key_secret)]


@cache
def field_names() -> dict[str, str]:
    """The names of free-text and identity fields (normalised) -> the name as listed."""
    raw = yaml.safe_load(resources.files("socialstat.privacy").joinpath("fields.yaml").read_text(encoding="utf-8"))
    names = [*raw["free_text"], *raw["identity"]]
    for name in list_profiles():
        profile = load_profile(name)
        names += [profile.identity_column, *profile.drop]
    for table in load_model().tables.values():
        names += list(table.personal_columns)
    return {normalise(n): n for n in names}


def field(name: str) -> Hit | None:
    """A finding if `name` (a column name, key or header cell) is a free-text or identity field."""
    listed = field_names().get(normalise(name)) if len(name) < 60 else None
    return Hit(FIELD, listed) if listed else None


def redact(text: str, key_secret: str | None = None, today: datetime.date | None = None) -> str:
    """`text` with every valid identity number, person key and the secret replaced by its masked form: for
    messages and tracebacks that may quote data (a library's error message repeating a value)."""
    for value in (key_secret, *_loaded_secrets()):
        if value:
            text = text.replace(value, "********")
    text = _UUID.sub(lambda m: m.group(1).lower() + "-****", text)

    def mask(m: re.Match[str]) -> str:
        number = m.group(1) + _SEPARATORS.get(m.group(2), "-") + m.group(3)
        return next((h.shown for h in identity_numbers(number, today)), m.group(0))

    return _ANY.sub(mask, text)


def _loaded_secrets() -> tuple[str, ...]:
    from socialstat.pseudonym import loaded_secrets

    return loaded_secrets()


def redacted(text: str) -> str:
    """`redact` with the secret in $SOCIALSTAT_KEY, if set: for every message and log line socialstat prints (a
    second line of defence: its own messages never hold these, a library's message quoting a value might)."""
    from socialstat.pseudonym import KEY_ENV, MIN_SECRET_CHARS

    secret = os.environ.get(KEY_ENV, "").strip()
    return redact(text, secret if len(secret) >= MIN_SECRET_CHARS else None)
