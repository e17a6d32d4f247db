"""Parse Swedish personal identity numbers: personnummer, samordningsnummer and (optionally) reserve numbers.

The numbers are Skatteverket's (folkbokföringslagen 1991:481, 18 § personnummer, 18 a § samordningsnummer). The
rules below follow the personnummer project's shared specification (github.com/personnummer/meta, spec v3.1,
commit c44a844, MIT), whose test vectors are in tests/data/personnummer/. docs/reference/identity-numbers.md
explains every rule.

* Forms: ``YYMMDD-NNNC``, ``YYMMDD+NNNC``, ``YYMMDDNNNC``, ``YYYYMMDD-NNNC``, ``YYYYMMDD+NNNC``, ``YYYYMMDDNNNC``.
  Surrounding whitespace is stripped; any other separator (an inner space, a dot) is invalid.
* Century of the 10-digit forms: the most recent one that does not put the birth date after ``today``; ``+``
  (aged 100 or more) takes 100 years more. In the 12-digit forms the century is explicit and ``+`` is ignored.
* Check digit: Luhn over the ten digits YYMMDDNNNC, never over the century. Serial ``000`` is invalid.
* A samordningsnummer has 60 added to the day. A month of 20 or more is an organisationsnummer, not a person.
* The birth date must exist, must not be after ``today`` and must not be before 1800.

Unknown-date policy (our decision; the upstream library rejects these): Skatteverket issues samordningsnummer
with month ``00`` (birth month unknown) and/or day part ``60`` (birth day unknown). Such a number is accepted as a
samordningsnummer with ``birth_date=None``; ``birth_year`` comes from the number. A day part that gives a day the
month does not have (``91`` in April, i.e. 31 April) is rejected as ``identity_date``. A zero month or day in a
personnummer (day part below 60) is rejected as ``identity_unknown_date``.

Reserve numbers (``allow_reserve=True`` only, a source-profile setting): interim numbers (``YYMMDD-TNNC``, a
letter from T R S U W X J K L M N as the first serial character, counted as 1 in the Luhn sum) and local numbers
``YYYYMMDD[-]XNN…`` matching ``^\\d{8}-?([A-Z]{1,2}\\d{2,3}|\\d{4})$`` with a real, past date (one letter and three
digits always follow the interim rules, so ``E221`` is rejected; sex from the last digit). The all-digit
variant is used only when the number fails as a personnummer (wrong check digit, serial 000), so with
``allow_reserve=True`` such a number is returned as a reserve number instead of rejected.

Privacy: the number is personal data. Error messages carry a reason code and no digit at all, ``repr`` shows
only kind, birth year and sex, and `masked` shows only the date part.
"""

from __future__ import annotations

import calendar
import datetime
import re
from dataclasses import dataclass
from typing import NoReturn

from socialstat.errors import InvalidIdentityNumber

__all__ = ["IdentityNumber", "luhn_check_digit", "masked", "parse_identity_number"]

PERSONNUMMER = "personnummer"
SAMORDNINGSNUMMER = "samordningsnummer"
RESERVE = "reserve"

INTERIM_LETTERS = frozenset("TRSUWXJKLMN")  # spec v3.1; other letters are not issued
EARLIEST_YEAR = 1800

_NUMBER = re.compile(r"(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+]?)(?P<serial>\d{3})(?P<check>\d)", re.ASCII)
_INTERIM = re.compile(
    r"(?P<century>\d{2})?(?P<date>\d{6})(?P<sep>[-+]?)(?P<letter>[A-Z])(?P<serial>\d{2})(?P<check>\d)", re.ASCII
)
_RESERVE = re.compile(r"(?P<date>\d{8})-?(?P<suffix>[A-Z]{1,2}\d{2,3}|\d{4})", re.ASCII)
_BAD_SEPARATOR = re.compile(r"(?:\d{2})?(?P<date>\d{6})[^0-9A-Za-z]+[0-9A-Z]{4}", re.ASCII)


@dataclass(frozen=True, repr=False)
class IdentityNumber:
    """A parsed identity number. ``repr``/``str`` never show the number itself (it is personal data).

    ``canonical`` is ``YYYYMMDDNNNC`` (12 digits) for personnummer and samordningsnummer; for a reserve number it is
    the 8-digit date followed by the suffix as written (``20000101T220``).
    """

    birth_date: datetime.date | None
    birth_year: int
    sex: str
    kind: str
    canonical: str

    def __repr__(self) -> str:
        return f"IdentityNumber(kind={self.kind!r}, birth_year={self.birth_year}, sex={self.sex!r})"


def _fail(reason: str, message: str) -> NoReturn:
    """Raise `InvalidIdentityNumber` with ``[reason] message`` and ``err.reason``; the message names no digit."""
    err = InvalidIdentityNumber(f"[{reason}] {message}")
    err.reason = reason  # type: ignore[attr-defined]  # errors.py defines no attribute; set on the instance
    raise err


def luhn_check_digit(nine_digits: str) -> int:
    """The Luhn check digit of nine digits: weights 2,1,2,…, digit sums of products, (10 − sum mod 10) mod 10."""
    if len(nine_digits) != 9 or not nine_digits.isascii() or not nine_digits.isdigit():
        _fail("identity_format", "the check digit is computed over exactly nine digits")
    total = 0
    for i, ch in enumerate(nine_digits):
        product = int(ch) * (2 - i % 2)
        total += product - 9 if product > 9 else product
    return (10 - total % 10) % 10


def _birth_year(century: str | None, yy: int, month: int, day: int, sep: str, today: datetime.date) -> int:
    """The explicit century, or the latest one not putting (year, month, day) after today; ``+`` = 100 more years.

    An unknown month or day (0) counts as the earliest possible, so it never pushes the date into the future.
    """
    if century is not None:
        return int(century) * 100 + yy
    year = today.year // 100 * 100 + yy
    if (year, month, day) > (today.year, today.month, today.day):
        year -= 100
    return year - 100 if sep == "+" else year


def _check_date(year: int, month: int, day: int, today: datetime.date) -> datetime.date | None:
    """The birth date (None when month or day is 0, unknown), checked to exist and not be after ``today``."""
    if year < EARLIEST_YEAR:
        _fail("identity_date", "the birth year is before the earliest year accepted")
    if (year, month, day) > (today.year, today.month, today.day):
        _fail("identity_future", "the birth date is after today")
    if month == 0 or day == 0:
        return None
    if day > calendar.monthrange(year, month)[1]:
        _fail("identity_date", "the birth date does not exist in the calendar")
    return datetime.date(year, month, day)


def _sex(digit: str) -> str:
    return "M" if int(digit) % 2 else "F"


def _parse_number(m: re.Match[str], today: datetime.date) -> IdentityNumber:
    """A personnummer or samordningsnummer from a `_NUMBER` match."""
    date6, serial, check = m["date"], m["serial"], m["check"]
    yy, month, day_part = int(date6[:2]), int(date6[2:4]), int(date6[4:6])
    if month >= 20:
        _fail("identity_organisation_number", "a month part of twenty or more marks an organisation number")
    if luhn_check_digit(date6 + serial) != int(check):
        _fail("identity_check_digit", "the check digit does not match")
    if serial == "000":
        _fail("identity_serial", "the serial number must not be all zeros")
    kind = SAMORDNINGSNUMMER if day_part >= 60 else PERSONNUMMER
    day = day_part - 60 if kind == SAMORDNINGSNUMMER else day_part
    if month > 12:
        _fail("identity_date", "the month is not a calendar month")
    if day > 31:
        _fail("identity_date", "the day part is not a day of the month (plus sixty for a samordningsnummer)")
    if kind == PERSONNUMMER and (month == 0 or day == 0):
        _fail("identity_unknown_date", "an unknown birth month or day is accepted only in a samordningsnummer")
    year = _birth_year(m["century"], yy, month, day, m["sep"], today)
    birth_date = _check_date(year, month, day, today)
    return IdentityNumber(birth_date, year, _sex(serial[2]), kind, f"{year:04d}{date6[2:]}{serial}{check}")


def _parse_interim(m: re.Match[str], today: datetime.date) -> IdentityNumber:
    """An interim (T-) number: a letter instead of the first serial digit, counted as 1 in the Luhn sum."""
    date6, letter, serial, check = m["date"], m["letter"], m["serial"], m["check"]
    if letter not in INTERIM_LETTERS:
        _fail("identity_serial", "the letter is not one used in interim numbers")
    if luhn_check_digit(date6 + "1" + serial) != int(check):
        _fail("identity_check_digit", "the check digit does not match")
    yy, month, day = int(date6[:2]), int(date6[2:4]), int(date6[4:6])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        _fail("identity_date", "the birth date does not exist in the calendar")
    year = _birth_year(m["century"], yy, month, day, m["sep"], today)
    birth_date = _check_date(year, month, day, today)
    return IdentityNumber(birth_date, year, _sex(serial[1]), RESERVE, f"{year:04d}{date6[2:]}{letter}{serial}{check}")


def _parse_reserve(m: re.Match[str], today: datetime.date) -> IdentityNumber:
    """A local reserve number: a real, past date in the first eight digits; sex from the last digit's parity."""
    date8, suffix = m["date"], m["suffix"]
    year, month, day = int(date8[:4]), int(date8[4:6]), int(date8[6:8])
    if not (1 <= month <= 12 and 1 <= day <= 31):
        _fail("identity_date", "the birth date does not exist in the calendar")
    birth_date = _check_date(year, month, day, today)
    return IdentityNumber(birth_date, year, _sex(suffix[-1]), RESERVE, date8 + suffix)


def _is_reserve(m: re.Match[str], today: datetime.date) -> bool:
    try:
        _parse_reserve(m, today)
    except InvalidIdentityNumber:
        return False
    return True


def parse_identity_number(
    text: str, *, today: datetime.date | None = None, allow_reserve: bool = False
) -> IdentityNumber:
    """Parse a personnummer or samordningsnummer (and, with ``allow_reserve``, a reserve number).

    ``today`` (default: the current date) decides the century of 10-digit forms and what counts as a future date.
    Raises `InvalidIdentityNumber` whose message starts with a reason code (``[identity_check_digit] …``), also
    set as ``err.reason``; the message never contains the input or any digit.
    """
    if not isinstance(text, str):
        _fail("identity_format", "an identity number must be given as text")
    today = today or datetime.date.today()
    s = text.strip()
    if m := _NUMBER.fullmatch(s):
        try:
            return _parse_number(m, today)
        except InvalidIdentityNumber as err:
            reserve = _RESERVE.fullmatch(s) if allow_reserve else None
            if reserve is None or not _is_reserve(reserve, today):
                raise err from None  # the personnummer's reason is the useful one
            return _parse_reserve(reserve, today)
    interim = _INTERIM.fullmatch(s)
    reserve = _RESERVE.fullmatch(s)
    if (interim or reserve) and not allow_reserve:
        _fail("identity_reserve_not_allowed", "reserve and interim numbers are not accepted for this source")
    if interim:
        return _parse_interim(interim, today)
    if reserve:
        return _parse_reserve(reserve, today)
    if _BAD_SEPARATOR.fullmatch(s):
        _fail("identity_separator", "the only separators allowed are a hyphen or a plus sign")
    _fail("identity_format", "the text does not have the form of an identity number")


_MASKABLE = (_NUMBER, _INTERIM, _BAD_SEPARATOR)


def masked(text: str) -> str:
    """The 6-digit date part and ``-****`` (``YYMMDD-****``) for diagnostics, or ``******`` if ``text`` has no
    identity-number shape. Shape only: invalid numbers are masked too, so a message can say which one failed."""
    if isinstance(text, str):
        s = text.strip()
        for pattern in _MASKABLE:
            if m := pattern.fullmatch(s):
                return m["date"] + "-****"
        if m := _RESERVE.fullmatch(s):
            return m["date"][2:] + "-****"
    return "******"
