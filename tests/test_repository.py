"""Repository hygiene: no identity number outside Skatteverket's test series is ever committed."""

from __future__ import annotations

import re
import subprocess
from importlib import resources
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CANDIDATE = re.compile(r"(?<![0-9A-Za-z])(?:19|20)?(\d{6})[-+]?(\d{4})(?![0-9A-Za-z])")


def luhn_ok(ten: str) -> bool:
    total = 0
    for i, ch in enumerate(ten[:9]):
        v = int(ch) * (2 - i % 2)
        total += v - 9 if v > 9 else v
    return (10 - total % 10) % 10 == int(ten[9])


def looks_like_identity_number(ten: str) -> bool:
    """A valid date part (day + 60 for samordningsnummer), a serial other than 000 (never issued) and a valid
    check digit."""
    month, day = int(ten[2:4]), int(ten[4:6])
    return 1 <= month <= 12 and (1 <= day <= 31 or 61 <= day <= 91) and ten[6:9] != "000" and luhn_ok(ten)


def test_detector_finds_a_valid_number_and_ignores_others() -> None:
    assert looks_like_identity_number("9001019802")  # Skatteverket test number 18900101-9802
    assert not looks_like_identity_number("9001019803")  # wrong check digit
    assert not looks_like_identity_number("9013019802")  # no month 13
    nine = "150916000"  # serial 000 is never issued, even with the right check digit (computed here)
    assert luhn_ok(nine + str(next(d for d in range(10) if luhn_ok(nine + str(d)))))
    assert not looks_like_identity_number(nine + str(next(d for d in range(10) if luhn_ok(nine + str(d)))))


def test_no_identity_numbers_are_committed() -> None:
    allowed = set()
    for name in ("skatteverket_test_personnummer.txt", "skatteverket_test_samordningsnummer.txt"):
        text = resources.files("socialstat.reference").joinpath("data", name).read_text(encoding="ascii")
        allowed.update(line.strip()[2:] for line in text.splitlines() if line.strip())
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout.split()
    files += [str(p.relative_to(ROOT)) for p in (ROOT / "tests").rglob("*.py")]  # not yet committed test files too
    found = []
    for name in sorted(set(files)):
        path = ROOT / name
        if not path.is_file() or path.suffix in {".parquet", ".duckdb", ".png", ".pdf"}:
            continue
        text = path.read_text(encoding="utf-8", errors="ignore")
        for m in CANDIDATE.finditer(text):
            ten = m.group(1) + m.group(2)
            if looks_like_identity_number(ten) and ten not in allowed:
                found.append(f"{name}: {m.group(0)}")
    assert found == [], "identity numbers outside Skatteverket's test series: " + ", ".join(found[:10])
