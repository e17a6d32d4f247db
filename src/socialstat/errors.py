"""socialstat's exceptions: one root, specific errors mixing in the built-in they resemble.

Messages name the rule, the file and the row — never personal data. Validation problems are collected as
`Problem` records (errors as data, with a reason code) and raised together in one `ValidationError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class SocialstatError(Exception):
    """Root of every error socialstat raises on purpose."""


class ConfigurationError(ValueError, SocialstatError):
    """A setting, URL or option is invalid."""


class InvalidStatisticInput(ValueError, SocialstatError):
    """An argument to a statistic breaks its rule (negative count, numerator above denominator, confidence...).

    The message names the rule and the first offending position, with at most a few values.
    """


class SpecificationError(ValueError, SocialstatError):
    """A declarative specification (schema, code list, preset) is malformed."""


class StoreError(SocialstatError):
    """The store cannot be opened, created or written."""


class SchemaVersionError(StoreError):
    """The store was created by a schema version this code does not know."""


class LoadError(StoreError):
    """A batch could not be loaded; nothing of it was kept."""


class InvalidIdentityNumber(ValueError, SocialstatError):
    """A text is not a valid Swedish personal identity number (personnummer, samordningsnummer).

    The message names the rule that failed and never repeats the number (it may be a real person's)."""


class PxError(ValueError, SocialstatError):
    """A PC-Axis (PX) file cannot be read: the message names the file, the keyword or line, and the rule."""


class ReleaseError(SocialstatError):
    """A release cannot be created or read (it exists already, its folder is not a release, ...)."""


class ExportError(SocialstatError):
    """A release cannot be exported (an unknown format, an output folder that holds something else, ...)."""


class SiteError(SocialstatError):
    """A site cannot be built (an output folder that holds something else, an unknown unit, ...)."""


class ReportError(SocialstatError):
    """A report cannot be rendered: a reference in the analysts' text to a cell that is missing or suppressed, a
    configuration that does not fit the release, an unknown unit or format (file, line and rule named)."""


class PrivacyError(SocialstatError):
    """Something that must never leave the database was found in an output (masked in the message)."""


@dataclass(frozen=True)
class Problem:
    """One validation finding: which rule (reason code) failed where, and how often.

    `examples` holds at most a few offending values, and only for columns that are not personal.
    """

    reason: str
    table: str
    column: str | None
    rows: int
    message: str
    examples: tuple[str, ...] = ()
    source: str | None = None
    first_row: int | None = None

    def __str__(self) -> str:
        where = self.source or self.table
        if self.column:
            where += f", column {self.column}"
        if self.first_row is not None:
            where += f", row {self.first_row}"
        text = f"{where}: [{self.reason}] {self.message} ({self.rows} row{'s' if self.rows != 1 else ''})"
        if self.examples:
            text += f"; e.g. {', '.join(self.examples)}"
        return text


class ValidationError(ValueError, SocialstatError):
    """Data broke one or more rules of the canonical model; carries every problem found."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = tuple(problems)
        lines = [str(p) for p in self.problems[:20]]
        if len(self.problems) > 20:
            lines.append(f"... and {len(self.problems) - 20} more problems")
        super().__init__(f"{len(self.problems)} validation problem(s):\n  " + "\n  ".join(lines))
