"""The store: creation, schema version guard, atomic canonical loads and the summary."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pyarrow.parquet as pq
import pytest

from socialstat.errors import ConfigurationError, LoadError, SchemaVersionError, StoreError, ValidationError
from socialstat.model import load_model
from socialstat.store import BACKENDS, Store, connect, init_store, load_canonical, open_store, summarize
from socialstat.store.backends import require
from socialstat.store.connect import default_url, parse_url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("duckdb:///socialstat.duckdb", ("duckdb", "socialstat.duckdb")),
        ("duckdb:////tmp/x.duckdb", ("duckdb", "/tmp/x.duckdb")),
        ("duckdb://", ("duckdb", ":memory:")),
        ("duckdb:///:memory:", ("duckdb", ":memory:")),
        ("data/my.duckdb", ("duckdb", "data/my.duckdb")),
    ],
)
def test_parse_url(url: str, expected: tuple[str, str]) -> None:
    assert parse_url(url) == expected


def test_duckdb_settings_in_the_url(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'limited.duckdb'}?memory_limit=512MB&threads=1"
    assert parse_url(url) == ("duckdb", str(tmp_path / "limited.duckdb"))
    with connect(url) as store:
        limit = store.backend.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
        threads = store.backend.con.execute("SELECT current_setting('threads')").fetchall()[0][0]
    assert limit in ("512.0 MiB", "488.2 MiB", "512.0 MB", "488.2 MB") or limit.startswith(("48", "51"))
    assert int(threads) == 1
    with pytest.raises(ConfigurationError, match="unknown store settings"):
        connect(f"duckdb:///{tmp_path / 'x.duckdb'}?colour=blue")


def test_backend_gaps_are_declared_and_refused_clearly() -> None:
    assert parse_url("postgres://u@localhost/socialstat")[0] == "postgresql"
    assert parse_url("spark://local[2]?warehouse=/tmp/x")[0] == "spark"
    assert [k for k, info in BACKENDS.items() if not info.ingest] == ["spark"]
    with pytest.raises(ConfigurationError, match="socialstat ingest is not available on the spark backend"):
        require("spark", "ingest", "socialstat ingest")
    require("postgresql", "withdraw", "socialstat batch withdraw")
    with pytest.raises(ConfigurationError, match="unknown store backend 'mysql'"):
        parse_url("mysql://localhost/x")
    with pytest.raises(ConfigurationError, match="cannot read store URL"):
        parse_url("socialstat.sqlite")


def test_default_url_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SOCIALSTAT_DB", raising=False)
    assert default_url() == "duckdb:///socialstat.duckdb"
    monkeypatch.setenv("SOCIALSTAT_DB", "duckdb:///elsewhere.duckdb")
    assert default_url() == "duckdb:///elsewhere.duckdb"


def test_init_creates_every_table_and_records_the_version(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    with init_store(url) as store:
        assert set(store.tables()) == set(load_model().tables)
        meta = store.table("schema_meta").execute()
        assert meta.to_dict("records") == [{"key": "schema_version", "value": "4"}]
    with init_store(url) as again:  # idempotent
        assert again.table("schema_meta").count().execute() == 1


def test_opening_an_unknown_schema_version_fails(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 's.duckdb'}"
    init_store(url).close()
    with connect(url) as store:
        store.backend.con.execute("UPDATE schema_meta SET value = '99' WHERE key = 'schema_version'")
    with pytest.raises(SchemaVersionError, match="schema version 99, but this socialstat knows version 4"):
        open_store(url)
    with pytest.raises(SchemaVersionError):
        init_store(url)


def test_opening_a_store_that_was_never_initialised_fails(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="run `socialstat init` first"):
        open_store(f"duckdb:///{tmp_path / 'new.duckdb'}")
    with pytest.raises(StoreError, match="does not exist"):
        connect(f"duckdb:///{tmp_path / 'missing-folder' / 'x.duckdb'}")


def test_init_refuses_a_database_of_someone_else(tmp_path: Path) -> None:
    url = f"duckdb:///{tmp_path / 'other.duckdb'}"
    with connect(url) as store:
        store.backend.con.execute("CREATE TABLE invoices (id INTEGER)")
    with pytest.raises(StoreError, match="not socialstat's"):
        init_store(url)


def test_load_reconciles_rows_and_records_batches(loaded_store: Store, gr_data) -> None:  # type: ignore[no-untyped-def]
    for table, rows in gr_data.rows.items():
        assert loaded_store.table(table).count().execute() == rows, table
    batches = loaded_store.table("batches").execute()
    micro = [t.name for t in load_model().tables_of_kind("microdata")]
    assert sorted(batches["table_name"]) == sorted(micro)
    assert (batches["rows_loaded"] == batches["rows_read"]).all()
    assert (batches["rows_quarantined"] == 0).all()
    for row in batches.itertuples():
        assert gr_data.rows[row.table_name] == row.rows_loaded
        assert row.source.startswith("canonical/")
        per_batch = loaded_store.table(row.table_name).filter(lambda t, b=row.batch_id: t.batch_id == b).count()
        assert per_batch.execute() == row.rows_loaded


def test_loading_the_same_batch_twice_is_refused(small_data: Path, tmp_path: Path) -> None:
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        load_canonical(store, small_data)
        with pytest.raises(LoadError, match="already in the store"):
            load_canonical(store, small_data)
        assert store.table("referrals").count().execute() == pq.read_metadata(small_data / "referrals.parquet").num_rows


def _corrupt(src: Path, dst: Path, table: str, column: str, value: object, row: int) -> None:
    shutil.copytree(src, dst)
    frame = pd.read_parquet(dst / f"{table}.parquet")
    frame[column] = frame[column].astype(object)
    frame.loc[row, column] = value
    frame.to_parquet(dst / f"{table}.parquet")


def test_a_bad_row_stops_the_whole_load_and_names_file_column_row_and_rule(small_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    _corrupt(small_data, bad, "referrals", "kind", "telefonsamtal", 41)
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        with pytest.raises(ValidationError) as info:
            load_canonical(store, bad)
        (problem,) = info.value.problems
        assert (problem.reason, problem.column, problem.rows, problem.first_row) == ("unknown_code", "kind", 1, 42)
        assert problem.examples == ("'telefonsamtal'",)
        assert "bad/referrals.parquet, column kind, row 42: [unknown_code]" in str(info.value)
        for table in load_model().tables.values():  # nothing at all was loaded
            if table.name != "schema_meta":
                assert store.table(table.name).count().execute() == 0, table.name


def test_problems_never_show_personal_values(small_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    _corrupt(small_data, bad, "referrals", "person_key", None, 3)
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store, pytest.raises(ValidationError) as info:
        load_canonical(store, bad)
    (problem,) = info.value.problems
    assert (problem.reason, problem.column, problem.first_row) == ("null_value", "person_key", 4)
    assert problem.examples == ()


def test_a_key_that_is_not_a_uuid_is_a_problem_shown_without_its_value(small_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    _corrupt(small_data, bad, "referrals", "person_key", "secret-text-9876", 6)
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store, pytest.raises(ValidationError) as info:
        load_canonical(store, bad)
    (problem,) = info.value.problems
    assert (problem.reason, problem.column, problem.first_row) == ("invalid_key", "person_key", 7)
    assert problem.examples == ()
    assert "9876" not in str(info.value)


def test_keys_are_stored_as_uuids(small_data: Path, tmp_path: Path) -> None:
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        load_canonical(store, small_data)
        assert store.table("persons").schema()["person_key"].is_uuid()
        assert store.table("assistance_payments").schema()["household_key"].is_uuid()


def test_duplicate_keys_and_missing_columns_are_problems(small_data: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad"
    shutil.copytree(small_data, bad)
    persons = pd.read_parquet(bad / "persons.parquet")
    pd.concat([persons, persons.head(2)], ignore_index=True).to_parquet(bad / "persons.parquet")
    pd.read_parquet(bad / "areas.parquet").drop(columns="name").to_parquet(bad / "areas.parquet")
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store, pytest.raises(ValidationError) as info:
        load_canonical(store, bad)
    reasons = {(p.table, p.reason) for p in info.value.problems}
    assert reasons == {("persons", "duplicate_key"), ("areas", "missing_column")}


def test_a_crash_inside_the_transaction_leaves_nothing(
    small_data: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import socialstat.store.load as load_module

    calls = {"n": 0}
    real = load_module.replace_reference

    def failing(store: Store, spec, rel):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if spec.name == "population":
            raise RuntimeError("disk full")
        real(store, spec, rel)

    monkeypatch.setattr(load_module, "replace_reference", failing)
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        with pytest.raises(RuntimeError, match="disk full"):
            load_canonical(store, small_data)
        assert calls["n"] > 1
        assert store.table("units").count().execute() == 0
        assert store.table("batches").count().execute() == 0


def test_reference_tables_are_replaced_by_key(small_data: Path, tmp_path: Path) -> None:
    with init_store(f"duckdb:///{tmp_path / 's.duckdb'}") as store:
        load_canonical(store, small_data)
        units_before = store.table("units").count().execute()
        again = tmp_path / "again"
        again.mkdir()
        units = pd.read_parquet(small_data / "units.parquet")
        units.loc[units["unit_code"] == "1480", "name_en"] = "Gothenburg"
        units.to_parquet(again / "units.parquet")
        load_canonical(store, again)
        after = store.table("units").execute()
        assert len(after) == units_before
        assert after.set_index("unit_code").loc["1480", "name_en"] == "Gothenburg"


def test_summary_counts_by_municipality_and_by_the_units_of_each_year(loaded_store: Store) -> None:
    summary = summarize(loaded_store)
    tables = summary.tables.set_index("table")["rows"]
    assert tables["referrals"] > 0
    mun = summary.by_municipality
    ref = mun[mun["table"] == "referrals"]
    assert set(ref["name_sv"]) >= {"Göteborg", "Ale", "Kungsbacka"}
    assert ref["rows"].sum() == tables["referrals"]
    unit = summary.by_unit[summary.by_unit["table"] == "referrals"]
    districts = unit[unit["level"] == "district"]
    admins = unit[unit["level"] == "administration"]
    assert set(districts["year"]) == set(range(2015, 2021))
    assert set(admins["year"]) == set(range(2021, 2025))
    gbg = ref[ref["municipality_code"] == "1480"].set_index("year")["rows"]
    for year in range(2015, 2025):  # every Göteborg referral falls in exactly one unit of its year
        assert unit.loc[unit["year"] == year, "rows"].sum() == gbg[year]


def test_dates_survive_the_round_trip(loaded_store: Store) -> None:
    units = loaded_store.table("units").execute().set_index("unit_code")
    assert pd.Timestamp(units.loc["1480-D-ANG", "valid_to"]).date() == dt.date(2020, 12, 31)


def test_replacing_reference_rows_keeps_more_than_a_row_group_of_other_rows(tmp_path: Path) -> None:
    # The rows kept while others are replaced are staged in a temporary table; a DuckDB/ibis defect once emptied
    # such a table inside a transaction when it held more than one row group (122 880 rows).
    from socialstat.store.load import load_reference

    n = 130_000
    frame = pd.DataFrame(
        {
            "area_code": [f"A{i // 202}" for i in range(n)],
            "year": 2020,
            "sex": ["F", "M"] * (n // 2),
            "age": [(i // 2) % 101 for i in range(n)],
            "population": 1,
            "source": "synthetic",
        }
    )
    with init_store(f"duckdb:///{tmp_path / 'big.duckdb'}") as store:
        load_reference(store, "population", frame)
        load_reference(store, "population", frame.iloc[:10].assign(population=7))
        stored = store.table("population").execute()
    assert len(stored) == n
    assert stored["population"].sum() == n + 10 * 6


def test_an_append_after_an_empty_append_in_one_transaction_is_kept_whole(tmp_path: Path) -> None:
    # DuckDB 1.4-1.5 silently drop an append of more than one row group that follows an empty append to the
    # same table in the same transaction; Store.insert never sends an empty append, and checks the count.
    n = 130_000
    rows = pd.DataFrame({"key": [f"k{i}" for i in range(n)], "value": "v"})
    with init_store(f"duckdb:///{tmp_path / 'append.duckdb'}") as store, store.transaction():
        assert store.insert("schema_meta", rows.iloc[:0]) == 0
        assert store.insert("schema_meta", store.table("schema_meta").filter(lambda t: t.key == "none")) == 0
        assert store.insert("schema_meta", rows) == n
        assert int(store.table("schema_meta").count().execute()) == n + 1
