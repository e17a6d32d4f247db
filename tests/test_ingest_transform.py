"""From extract rows to canonical rows and quarantine: every row ends in exactly one, with its reasons."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from socialstat.ingest import load_profile
from socialstat.ingest.transform import Context
from socialstat.ingest.transform import transform as arrow_transform
from socialstat.pseudonym import Pseudonymiser

SECRET = b"a test secret, not for production use"
# Skatteverket test personnummer (src/socialstat/reference/data/skatteverket_test_personnummer.txt).
A, B = "18900101-9802", "189001029819"
COLUMNS = ["Ärendenummer", "Personnummer", "Inkommet datum", "Aktualiseringstyp", "Anmälare",
           "Beslut förhandsbedömning", "Beslutsdatum", "Stadsområde", "Skäl 1", "Skäl 2", "Skäl 3"]  # fmt: skip


@dataclass
class Frames:
    """A transformation's outcome with its Arrow tables as frames, for asserting."""

    rows: pd.DataFrame
    persons: pd.DataFrame
    reasons: pd.DataFrame | None
    quarantine: pd.DataFrame
    origin: pd.DataFrame


def transform(chunk: pd.DataFrame, context: Context) -> Frames:
    """The transformation (of a frame of text cells, as the tests write them), as frames."""
    r = arrow_transform(chunk, context)
    reasons = r.reasons.to_pandas() if r.reasons is not None else None
    return Frames(r.rows.to_pandas(), r.persons, reasons, r.quarantine, r.origin.to_pandas())


def _chunk(rows: list[list[str | None]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=COLUMNS, dtype=object)
    frame["_line"] = range(2, 2 + len(frame))
    return frame


def _context() -> Context:
    return Context(
        load_profile("treserva-referrals"),
        Pseudonymiser(SECRET),
        "1480",
        {"hjällbo": "1480-ANG-01", "1480-ang-01": "1480-ANG-01"},
        today=dt.date(2026, 11, 23),
    )


GOOD = ["R1", A, "2021-03-04", "anmälan", "Skola", "Utredning inleds", "2021-03-10", "Hjällbo", "Skolproblem",
        "Förälders missbruk", None]  # fmt: skip


def test_a_good_row_becomes_canonical_with_a_key_and_its_reasons() -> None:
    result = transform(_chunk([GOOD]), _context())
    assert result.quarantine.empty
    row = result.rows.iloc[0].to_dict()
    assert row["referral_id"] == "R1"
    assert row["kind"] == "report"
    assert row["reporter"] == "school"
    assert row["decision"] == "investigation_opened"
    assert row["received_date"] == dt.date(2021, 3, 4)
    assert row["area_code"] == "1480-ANG-01"
    assert row["municipality_code"] == "1480"
    assert str(row["person_key"]) == Pseudonymiser(SECRET).key("189001019802")  # a UUID, as the store keeps it
    assert A not in str(result.rows.to_dict())
    assert sorted(result.reasons["reason"]) == ["parent_substance_abuse", "school_problems"]
    persons = result.persons.iloc[0]
    assert (persons["birth_year"], persons["sex"], persons["identity_kind"]) == (1890, "F", "personnummer")


def test_every_bad_row_is_quarantined_with_all_its_reasons_and_nothing_is_lost() -> None:
    bad_identity = ["R2", "18900101-9803", *GOOD[2:]]  # wrong check digit
    unknown_kind = ["R3", B, "2021-03-04", "Telefonsamtal", *GOOD[4:]]
    bad_date_and_area = ["R4", B, "2021-02-30", "Anmälan", "Skola", None, None, "Atlantis", "Skolproblem", None, None]
    decided_early = ["R5", B, "2021-03-04", "Anmälan", "Skola", "Utredning inleds", "2021-03-01", "Hjällbo",
                     "Skolproblem", None, None]  # fmt: skip
    no_reason = ["R6", B, *GOOD[2:8], None, None, None]
    chunk = _chunk([GOOD, bad_identity, unknown_kind, bad_date_and_area, decided_early, no_reason])
    result = transform(chunk, _context())
    assert len(result.rows) + len(result.quarantine) == len(chunk)
    assert list(result.rows["referral_id"]) == ["R1"]
    reasons = dict(zip(result.quarantine["line"], result.quarantine["reasons"], strict=True))
    assert reasons == {
        3: "identity_check_digit:Personnummer",
        4: "unknown_code:kind",
        5: "invalid_date:received_date,unknown_area:Stadsområde",  # 30 February; no such area
        6: "decision_before_receipt:decision_date",
        7: "missing_reason",
    }
    assert list(result.quarantine["identity"]) == ["900101-****"] + ["900102-****"] * 4
    assert "9803" not in result.quarantine.to_string()
    assert set(result.reasons["referral_id"]) == {"R1"}  # reasons of quarantined referrals are set aside too


def test_duplicate_keys_are_both_set_aside_and_future_dates_refused() -> None:
    future = ["R7", B, "2027-01-01", *GOOD[3:]]
    result = transform(_chunk([GOOD, GOOD, future]), _context())
    assert result.rows.empty
    assert list(result.quarantine["reasons"]) == [
        "duplicate_key",
        "duplicate_key",
        "future_date:received_date,decision_before_receipt:decision_date",  # decided 2021 on a 2027 referral
    ]


def _assistance(rows: list[list[str]]) -> Frames:
    """Rows of a Viva assistance extract, transformed."""
    columns = ["Sökande personnummer", "Avser månad", "Utbetalt belopp", "Hushållstyp", "Försörjningshinder",
               "Antal vuxna", "Antal barn", "Område"]  # fmt: skip
    chunk = pd.DataFrame(rows, columns=columns, dtype=object)
    chunk["_line"] = range(2, 2 + len(rows))
    context = Context(
        load_profile("viva-assistance"), Pseudonymiser(SECRET), "1480", {"1480-ang-01": "1480-ANG-01"},
        today=dt.date(2026, 11, 23),
    )  # fmt: skip
    return transform(chunk, context)


def test_assistance_amounts_months_and_the_applicant_as_household_key() -> None:
    result = _assistance([
        [A, "2022-03", "12 345,50", "Ensamstående kvinna med barn", "Arbetslös", "1", "2", "1480-ANG-01"],
        [B, "2022-03", "-5,00", "Sammanboende utan barn", "Övrigt", "2", "0", "1480-ANG-01"],  # negative amount
        [B, "2022-04", "1 000", "Sammanboende utan barn", "Övrigt", "2,5", "0", "1480-ANG-01"],  # half an adult
    ])  # fmt: skip
    row = result.rows.iloc[0]
    assert row["amount_sek"] == 12345.5
    assert row["month"] == dt.date(2022, 3, 1)
    assert (row["household_type"], row["obstacle"], row["children"]) == ("single_woman_with_children", "unemployed", 2)
    assert str(row["household_key"]) == Pseudonymiser(SECRET).key("189001019802")
    assert list(result.quarantine["reasons"]) == ["out_of_range:amount_sek", "invalid_number:adults"]


def test_every_rule_is_documented() -> None:
    from pathlib import Path

    from socialstat.ingest.transform import IDENTITY_RULES, RULES

    doc = (Path(__file__).resolve().parents[1] / "docs/reference/validation-rules.md").read_text(encoding="utf-8")
    assert [r for r in (*RULES, *IDENTITY_RULES) if f"| `{r}` |" not in doc] == []


def test_an_extract_without_areas_needs_a_municipality_that_is_its_own_area() -> None:
    from dataclasses import replace

    profile = replace(load_profile("viva-assistance"), area_column=None, area_match="municipality")
    columns = ["Sökande personnummer", "Avser månad", "Utbetalt belopp", "Hushållstyp", "Försörjningshinder",
               "Antal vuxna", "Antal barn"]  # fmt: skip
    chunk = pd.DataFrame([[A, "2022-03", "100", "Sammanboende utan barn", "Övrigt", "2", "0"]], columns=columns)
    chunk["_line"] = [2]
    small = Context(profile, Pseudonymiser(SECRET), "1401", {"1401": "1401"}, today=dt.date(2026, 11, 23))
    assert transform(chunk, small).rows.loc[0, "area_code"] == "1401"
    goteborg = Context(profile, Pseudonymiser(SECRET), "1480", {"1480-ang-01": "1480-ANG-01"})
    assert list(transform(chunk, goteborg).quarantine["reasons"]) == ["unknown_area:municipality_code"]


_DATA = Path(__file__).resolve().parents[1] / "src/socialstat/reference/data"
_NUMBERS = (_DATA / "skatteverket_test_personnummer.txt").read_text().split()[::997]
_cells = st.one_of(st.none(), st.text(max_size=12), st.sampled_from(["Anmälan", "Skola", "2021-03-04", "Hjällbo", ""]))
_identity = st.one_of(st.none(), st.text(max_size=14), st.sampled_from(_NUMBERS).map(lambda n: f"{n[:8]}-{n[8:]}"))


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(_identity, st.lists(_cells, min_size=len(COLUMNS) - 1, max_size=len(COLUMNS) - 1)),
                min_size=1, max_size=20))  # fmt: skip
def test_any_cells_reconcile_and_never_show_a_number(rows: list[tuple[str | None, list[str | None]]]) -> None:
    chunk = _chunk([[cells[0], identity, *cells[1:]] for identity, cells in rows])
    result = transform(chunk, _context())
    assert len(result.rows) + len(result.quarantine) == len(chunk)
    assert sorted(result.quarantine["line"].tolist() + result.origin["line"].tolist()) == chunk["_line"].tolist()
    shown = result.quarantine.to_string() + result.origin.to_string() + result.rows.to_string()
    for number in _NUMBERS:  # in no form: 12 digits, with a hyphen, or 10 digits
        assert number not in shown
        assert f"{number[:8]}-{number[8:]}" not in shown
        assert f"{number[2:8]}-{number[8:]}" not in shown


def test_reasons_in_one_column_split_at_a_separator() -> None:
    from dataclasses import replace

    profile = replace(load_profile("treserva-referrals"), reason_columns=("Skäl 1",), reason_separator=",")
    context = replace(_context(), profile=profile)
    rows = [
        [*GOOD[:8], " Skolproblem, Förälders missbruk ,skolproblem,, ", None, None],  # one twice, blanks between
        ["R2", B, *GOOD[2:8], "Skolproblem, Telefonsamtal", None, None],  # an unknown label
        ["R3", B, *GOOD[2:8], " , ", None, None],  # only blanks: no reason
        ["R4", B, *GOOD[2:8], "Barnets kriminalitet", None, None],
    ]
    result = transform(_chunk(rows), context)
    assert list(zip(result.reasons["referral_id"], result.reasons["reason"], strict=True)) == [
        ("R1", "school_problems"),
        ("R1", "parent_substance_abuse"),
        ("R4", "child_criminality"),
    ]
    assert list(result.quarantine["reasons"]) == ["unknown_code:reason", "missing_reason"]
    assert list(result.rows["referral_id"]) == ["R1", "R4"]


def test_dates_far_from_today_are_dates_and_infinite_amounts_no_numbers() -> None:
    far = ["R2", B, "3000-01-01", *GOOD[3:5], None, None, *GOOD[7:]]  # beyond what nanoseconds reach
    early = ["R3", B, "1600-05-05", *GOOD[3:5], None, None, *GOOD[7:]]
    result = transform(_chunk([GOOD, far, early]), _context())
    assert list(result.quarantine["reasons"]) == ["future_date:received_date", "before_birth:received_date"]
    result = _assistance([[A, f"2022-0{month}", amount, "Sammanboende utan barn", "Övrigt", "2", "0", "1480-ANG-01"]
                          for month, amount in enumerate(("inf", "-Infinity", "1e400", "12,50"), start=1)])  # fmt: skip
    assert list(result.quarantine["reasons"]) == ["invalid_number:amount_sek"] * 3
    assert list(result.rows["amount_sek"]) == [12.5]
