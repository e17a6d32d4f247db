"""End to end: synthetic extracts in every shipped profile's format → ingest → the generator's own rows.

The generator writes a small municipality (Öckerö, 2023–2024) as canonical Parquet and as each profile's
extract; ingest must give back the canonical rows exactly (person keys are the ingest's HMAC of the test
identity number the extract gave the person). With defects, exactly the defective lines are quarantined, each
with the reason the generator recorded, and every loaded row is still one of the generator's.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pandas as pd
import pytest

from socialstat.ingest import list_profiles, load_profile
from socialstat.ingest.run import ingest_files
from socialstat.ingest.write import assign_numbers
from socialstat.pseudonym import Pseudonymiser
from socialstat.store import init_store
from socialstat.synth import generate, parse_years
from socialstat.synth.extracts import write_extracts

SECRET = b"a test secret for the round trip, not for production"
TODAY = dt.date(2026, 11, 23)
MUNICIPALITY = "1407"


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    generate(MUNICIPALITY, parse_years("2023-2024"), 7, out)
    write_extracts(out, list_profiles(), out / "clean", today=TODAY)
    write_extracts(out, list_profiles(), out / "defects", defect_rate=0.05, seed=3, today=TODAY)
    return out


def _ingest(tmp_path: Path, synthetic: Path, kind: str, name: str) -> tuple[object, object]:
    profile = load_profile(name)
    (path,) = (synthetic / kind / name).iterdir()
    store = init_store(f"duckdb:///{tmp_path / 'store.duckdb'}")
    report = ingest_files(store, [path], profile, MUNICIPALITY, Pseudonymiser(SECRET), today=TODAY)
    return store, report


def _expected(synthetic: Path, table: str) -> tuple[pd.DataFrame, pd.Series]:
    """The generator's rows of `table` for persons that have a test number, with ingest's keys."""
    persons = pd.read_parquet(synthetic / "persons.parquet")
    numbers = assign_numbers(persons).dropna()
    pseudonymiser = Pseudonymiser(SECRET)
    keys = numbers.map(pseudonymiser.key)
    rows = pd.read_parquet(synthetic / f"{table}.parquet")
    return rows, keys


def _date_text(value: object) -> object:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    return value.isoformat() if isinstance(value, dt.date) else value


def _canonical(frame: pd.DataFrame, key: list[str]) -> pd.DataFrame:
    frame = frame.drop(columns=["batch_id"], errors="ignore").astype(object).where(frame.notna(), None)
    for column in frame.columns:
        frame[column] = frame[column].map(_date_text)
        frame[column] = frame[column].map(lambda v: str(v) if v is not None else None)
    return frame.sort_values(key).reset_index(drop=True)


@pytest.mark.parametrize("name", ["treserva-referrals", "lifecare-investigations", "procapita-interventions",
                                  "viva-assistance"])  # fmt: skip
def test_a_clean_extract_gives_back_the_generators_rows(name: str, synthetic: Path, tmp_path: Path) -> None:
    profile = load_profile(name)
    table = profile.table
    person = table.personal_columns[0]
    store, report = _ingest(tmp_path, synthetic, "clean", name)
    (result,) = report.files  # type: ignore[attr-defined]
    assert result.rows_quarantined == 0, result.reasons
    rows, keys = _expected(synthetic, table.name)
    rows = rows[rows[person].isin(keys.index)].assign(**{person: lambda f: f[person].map(keys)})
    key = list(table.key)
    loaded = store.table(table.name).execute()
    assert len(loaded) == len(rows) == result.rows_loaded > 100
    pd.testing.assert_frame_equal(_canonical(loaded, key), _canonical(rows[loaded.columns.drop("batch_id")], key))

    persons = pd.read_parquet(synthetic / "persons.parquet")
    persons = persons[persons["person_key"].isin(keys.index)].assign(person_key=lambda f: f["person_key"].map(keys))
    persons = persons[persons["person_key"].isin(set(rows[person]))]
    stored = store.table("persons").execute()
    pd.testing.assert_frame_equal(_canonical(stored, ["person_key"]), _canonical(persons, ["person_key"]))
    if table.name == "referrals":
        reasons = pd.read_parquet(synthetic / "referral_reasons.parquet")
        reasons = reasons[reasons["referral_id"].isin(set(rows["referral_id"]))]
        stored_reasons = store.table("referral_reasons").execute()
        key = ["referral_id", "reason"]
        pd.testing.assert_frame_equal(_canonical(stored_reasons, key), _canonical(reasons, key))
    store.close()  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["treserva-referrals", "lifecare-investigations", "procapita-interventions",
                                  "viva-assistance"])  # fmt: skip
def test_exactly_the_defective_lines_are_quarantined(name: str, synthetic: Path, tmp_path: Path) -> None:
    profile = load_profile(name)
    table = profile.table
    manifest = json.loads((synthetic / "defects" / "manifest.json").read_text(encoding="utf-8"))
    (entry,) = [e for e in manifest if e["file"].startswith(name)]
    defects = {int(line): reason for line, reason in entry["defects"].items()}
    assert len(defects) > 10
    store, report = _ingest(tmp_path, synthetic, "defects", name)
    (result,) = report.files  # type: ignore[attr-defined]
    assert result.balanced
    assert result.rows_read == entry["rows_written"]
    quarantine = store.table("quarantine").execute().set_index("line")["reasons"]
    assert sorted(quarantine.index) == sorted(defects)
    for line, reason in defects.items():
        assert reason in quarantine[line].split(","), (line, reason, quarantine[line])

    person = table.personal_columns[0]
    rows, keys = _expected(synthetic, table.name)
    rows = rows[rows[person].isin(keys.index)].assign(**{person: lambda f: f[person].map(keys)})
    key = list(table.key)
    loaded = _canonical(store.table(table.name).execute(), key)
    generated = _canonical(rows[list(loaded.columns)], key)
    assert len(loaded) == result.rows_loaded == entry["rows_written"] - len(defects)
    merged = loaded.merge(generated, how="left", indicator=True)
    assert (merged["_merge"] == "both").all()  # every loaded row is exactly one of the generator's
    store.close()  # type: ignore[attr-defined]


def test_extracts_use_only_skatteverket_test_numbers(synthetic: Path) -> None:
    data = Path(__file__).resolve().parents[1] / "src/socialstat/reference/data"
    allowed = set((data / "skatteverket_test_personnummer.txt").read_text().split())
    allowed |= set((data / "skatteverket_test_samordningsnummer.txt").read_text().split())
    profile = load_profile("treserva-referrals")
    path = synthetic / "clean" / profile.name / f"{MUNICIPALITY}.csv"
    written = pd.read_csv(path, sep=";", encoding="cp1252", dtype=str)[profile.identity_column]
    assert set(written.str.replace("-", "")) <= allowed
    assert written.nunique() > 100
