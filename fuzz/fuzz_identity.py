"""Fuzz the identity-number parser: any text parses or raises InvalidIdentityNumber, whose message names no digit.

A parsed number must parse back from its canonical form to the same person (kind, birth date, sex), and
`masked` must never fail. Run: `.venv/bin/python fuzz/fuzz_identity.py fuzz/seeds/identity` (or fuzz/run.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import sys

import atheris

with atheris.instrument_imports(include=["socialstat"]) if __name__ == "__main__" else contextlib.nullcontext():
    from socialstat.identity import InvalidIdentityNumber, masked, parse_identity_number

TODAY = dt.date(2026, 1, 1)  # a fixed day, so a crash reproduces whatever the date


def one_input(data: bytes) -> None:
    """Byte 0: allow_reserve (bit 0); bytes 1-2: days before TODAY; the rest: the text (UTF-8). Raise only on
    a bug."""
    allow_reserve = bool(data[:1]) and data[0] & 1 == 1
    today = TODAY - dt.timedelta(days=int.from_bytes(data[1:3], "big"))  # up to 179 years back
    text = data[3:].decode("utf-8", errors="replace")
    masked(text)
    try:
        parsed = parse_identity_number(text, today=today, allow_reserve=allow_reserve)
    except InvalidIdentityNumber as err:
        message = str(err)
        if not message or any(ch.isdigit() for ch in message):
            raise AssertionError(f"the message is empty or holds a digit: {message!r}") from None
        return
    again = parse_identity_number(parsed.canonical, today=today, allow_reserve=allow_reserve)
    if (again.kind, again.birth_date, again.birth_year, again.sex) != (
        parsed.kind, parsed.birth_date, parsed.birth_year, parsed.sex,
    ):  # fmt: skip
        raise AssertionError(f"the canonical form parses to another person: {parsed!r} -> {again!r}")
    if parsed.canonical in repr(parsed):
        raise AssertionError("repr shows the number")


if __name__ == "__main__":
    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()
