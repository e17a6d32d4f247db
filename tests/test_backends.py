"""The backend suite: the same data on DuckDB, PostgreSQL and Spark give the same results.

A throwaway PostgreSQL 15 server (socialstat.store.local) and a local Spark session are started once for the
module. Where one cannot start, its tests skip with the reason, except when SOCIALSTAT_REQUIRE_BACKENDS=1 (set by
.ci/run): then they fail, so CI never passes without all three backends.

The whole catalogue is computed on each backend for Göteborg's municipality, administrations and districts (Spark:
the municipality and districts; districts take costs split between units by population weights, a division in the
backend) and compared with DuckDB's: counts exactly, values and limits to 1e-9 relative. A release made on each is
identical cell for cell. A load that fails midway leaves each store as it was (Spark's undo included).
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
from collections.abc import Iterator
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from socialstat.errors import ConfigurationError, StoreError
from socialstat.indicators import compute
from socialstat.ingest import load_profile
from socialstat.ingest.run import ingest_files
from socialstat.model import validate
from socialstat.pseudonym import Pseudonymiser
from socialstat.release import create_release
from socialstat.store import Store, connect, init_store, load_canonical
from socialstat.store.batches import list_batches, withdraw_batch
from socialstat.store.local import throwaway_postgres
from socialstat.synth import generate, parse_years
from socialstat.synth.extracts import write_extracts
from socialstat.text import swedish_sort_key

REQUIRED = os.environ.get("SOCIALSTAT_REQUIRE_BACKENDS") == "1"
YEARS = parse_years("2023-2024")
STRUCTURES = ("municipalities", "goteborg-administrations", "goteborg-districts")
ON_SPARK = ("municipalities", "goteborg-districts")  # Spark pays ~45 s per structure in fixed costs
KEY = ["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"]
EXACT = ["persons", "method", "status"]
COUNTS = ["numerator", "denominator"]  # exact where whole numbers; sums of kronor or weighted costs to 1e-9
CLOSE = ["value", "lower", "upper"]


def unavailable(reason: str) -> None:
    """Skip with the reason, or fail when every backend is required (CI)."""
    if REQUIRED:
        pytest.fail(f"{reason}; SOCIALSTAT_REQUIRE_BACKENDS=1 requires every backend")
    pytest.skip(reason)


@pytest.fixture(scope="module")
def canonical(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("backends") / "canonical"
    generate("goteborg", YEARS, 11, out)
    return out


@pytest.fixture(scope="module")
def postgres_url() -> Iterator[str]:
    with ExitStack() as stack:
        try:
            url = stack.enter_context(throwaway_postgres())
        except StoreError as exc:
            unavailable(f"PostgreSQL cannot start: {exc}")
        yield url


@pytest.fixture(scope="module")
def spark_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    if shutil.which("java") is None:
        unavailable("Spark needs Java, and there is no java on PATH")
    try:
        import pyspark  # noqa: F401
    except ImportError:
        unavailable("pyspark is not installed (pip install -e '.[spark]')")
    folder = tmp_path_factory.mktemp("spark")
    url = f"spark://local[2]?warehouse={folder}&shuffle_partitions=2&driver_memory=2g"
    try:
        connect(url).close()
    except StoreError as exc:
        unavailable(f"Spark cannot start: {exc}")
    return url


@pytest.fixture(scope="module")
def stores(
    canonical: Path, postgres_url: str, spark_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, Store]]:
    """The same canonical data loaded into a store of each backend."""
    urls = {
        "duckdb": f"duckdb:///{tmp_path_factory.mktemp('duck') / 'store.duckdb'}",
        "postgresql": postgres_url,
        "spark": spark_url,
    }
    opened: dict[str, Store] = {}
    try:
        for kind, url in urls.items():
            opened[kind] = init_store(url)
            load_canonical(opened[kind], canonical)
        yield opened
    finally:
        for store in opened.values():
            store.close()


@pytest.fixture(scope="module")
def results(stores: dict[str, Store]) -> dict[str, pd.DataFrame]:
    """The whole catalogue for every structure (Spark: two of them), per backend."""
    found = {}
    for kind, store in stores.items():
        structures = ON_SPARK if kind == "spark" else STRUCTURES
        cells = pd.concat([compute(store, structure=s, years=YEARS) for s in structures])
        found[kind] = cells.sort_values(KEY).reset_index(drop=True)
    return found


def differences(expected: pd.DataFrame, actual: pd.DataFrame) -> dict[str, int]:
    """Cells that differ per column: exact columns exactly, values and limits beyond 1e-9 relative."""
    assert list(actual[KEY].itertuples(index=False)) == list(expected[KEY].itertuples(index=False))
    found = {}
    for column in EXACT:
        same = (expected[column] == actual[column]) | (expected[column].isna() & actual[column].isna())
        found[column] = int((~same).sum())
    for column in COUNTS + CLOSE:
        a, b = expected[column].to_numpy(float), actual[column].to_numpy(float)
        same = np.isclose(a, b, rtol=1e-9, atol=0) | (np.isnan(a) & np.isnan(b))
        if column in COUNTS:
            whole = np.isfinite(a) & (a == np.round(a))
            same = np.where(whole, a == b, same)
        found[column] = int((~same).sum())
    return {c: n for c, n in found.items() if n}


@pytest.mark.parametrize("kind", ["postgresql", "spark"])
def test_whole_catalogue_is_identical_to_duckdb(results: dict[str, pd.DataFrame], kind: str) -> None:
    expected, actual = results["duckdb"], results[kind]
    expected = expected[expected.structure.isin(set(actual.structure))].reset_index(drop=True)
    assert expected.indicator.nunique() >= 50
    assert set(expected.structure) == set(ON_SPARK if kind == "spark" else STRUCTURES)
    assert (expected.value > 0).sum() > 5_000  # real numbers, not a grid of zeros
    approximate = expected[expected.status == "approximate"]
    assert len(approximate) > 0  # figures split between districts: the division PostgreSQL would truncate
    assert list(actual.columns) == list(expected.columns)
    assert {c: str(actual[c].dtype) for c in actual} == {c: str(expected[c].dtype) for c in expected}
    assert differences(expected, actual) == {}


def test_the_engines_known_differences_are_handled(stores: dict[str, Store]) -> None:
    """Each silent difference, probed on every backend in the form the engine uses: the same answer everywhere."""
    import ibis

    answers = {}
    for kind, store in stores.items():
        t = store.table("population").limit(3)
        ones = t.population * 0 + 1  # an integer column
        nothing = t.filter(t.population < 0)
        answers[kind] = {
            "int / int": t.aggregate(v=ones.sum() / (t.population.count() + 1)).execute().v[0],
            "int / literal": t.aggregate(v=t.population.count() / 4).execute().v[0],
            "sum of no rows": validate._scalar(nothing.population.sum()),
            "age": t.select(v=ibis.date(2024, 1, 1).year() - (t.year * 0 + 2010)).execute().v[0],  # year - birth year
            "days": t.select(v=ibis.date(2024, 3, 1).delta(ibis.date(2023, 2, 28), unit="day")).execute().v[0],
        }
    assert answers["duckdb"] == {"int / int": 0.75, "int / literal": 0.75, "sum of no rows": 0, "age": 14, "days": 367}
    assert answers["postgresql"] == answers["duckdb"]
    assert answers["spark"] == answers["duckdb"]
    names = sorted(["Öckerö", "Ale", "Ärla", "Åmål"], key=swedish_sort_key)
    assert names == ["Ale", "Åmål", "Ärla", "Öckerö"]  # sorted in Python: no backend sorts Swedish


def test_a_release_is_identical_on_every_backend(stores: dict[str, Store], tmp_path: Path) -> None:
    cells = {}
    for kind, store in stores.items():
        release = create_release(
            store, year=2024, name=f"r-{kind}", out=tmp_path / kind, structures=("goteborg-districts",),
            first_year=2023, ids=["BU01", "EB01", "KO01", "MB03", "VI03"],
        )  # fmt: skip
        cells[kind] = pd.read_parquet(release.path / "cells.parquet")
        assert release.manifest["audit"]["cells_exposed"] == 0
    assert (cells["duckdb"]["symbol"] == "..").any()  # disclosure control had work to do
    for kind in ("postgresql", "spark"):
        pd.testing.assert_frame_equal(cells[kind], cells["duckdb"])


@pytest.mark.parametrize("kind", ["duckdb", "postgresql", "spark"])
def test_a_failed_load_leaves_nothing_behind(
    stores: dict[str, Store], kind: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = stores[kind]
    generate("1407", parse_years("2024"), 5, tmp_path / "more")  # another municipality: loads cleanly
    counted = ("population", "units", "persons", "referrals", "batches")
    before = {t: int(store.table(t).count().execute()) for t in counted}
    tables = stored_tables(store)
    inserted: list[str] = []
    original = Store.insert

    def failing(self: Store, name: str, data: object, **kw: object) -> int:
        if name == "referrals":
            raise RuntimeError("the disk is full")  # after population, units and persons were written
        inserted.append(name)
        return original(self, name, data, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Store, "insert", failing)
    with pytest.raises(RuntimeError, match="disk is full"):
        load_canonical(store, tmp_path / "more")
    monkeypatch.undo()
    assert "persons" in inserted
    after = {t: int(store.table(t).count().execute()) for t in before}
    assert after == before
    assert stored_tables(store) == tables
    if kind == "spark":  # the copies of the overwritten tables are gone too
        folder = Path(store.backend._session.conf.get("spark.sql.warehouse.dir").removeprefix("file:")).parent
        assert not list(folder.glob("undo-*"))


def test_ingest_and_withdraw_on_postgresql_as_on_duckdb(postgres_url: str, tmp_path: Path) -> None:
    """Extracts of two systems, with defects, ingested into both: the same rows loaded and quarantined, the same
    reconciliation; then a batch withdrawn from both."""
    today = dt.date(2026, 11, 23)
    generate("1407", parse_years("2023-2024"), 7, tmp_path)
    profiles = ["treserva-referrals", "viva-assistance"]
    write_extracts(tmp_path, profiles, tmp_path / "x", defect_rate=0.05, seed=3, today=today)
    key = Pseudonymiser(b"a test secret for the backend suite, not for production")
    found = {}
    with throwaway_postgres() as fresh:  # the module's server holds the canonical load: a second, empty one
        urls = (("duckdb", f"duckdb:///{tmp_path / 'ingest.duckdb'}"), ("postgresql", fresh))
        for kind, url in urls:
            found[kind] = _ingest_and_withdraw(url, tmp_path / "x", profiles, key, today)
    duck, pg = found["duckdb"], found["postgresql"]
    assert duck[1] == pg[1]
    assert all(b[3] for b in duck[1])  # balanced
    assert sum(b[2] for b in duck[1]) > 0  # defects quarantined
    for table, frame in duck[0].items():
        assert len(frame) > 0, table
        pd.testing.assert_frame_equal(pg[0][table], frame, obj=table)
    assert duck[2] == pg[2]


Ingested = tuple[dict[str, pd.DataFrame], list[tuple[int, int, int, bool]], dict[str, int]]


def _ingest_and_withdraw(url: str, extracts: Path, profiles: list[str], key: Pseudonymiser, today: dt.date) -> Ingested:
    with init_store(url) as store:
        reports = [
            ingest_files(store, sorted((extracts / p).iterdir()), load_profile(p), "1407", key, today=today)
            for p in profiles
        ]
        tables = ("referrals", "referral_reasons", "assistance_payments", "persons", "quarantine")
        rows = {t: store.table(t).drop("batch_id").execute().astype(str) for t in tables}
        rows = {t: f.sort_values(list(f.columns)).reset_index(drop=True) for t, f in rows.items()}
        balance = [(f.rows_read, f.rows_loaded, f.rows_quarantined, f.balanced) for r in reports for f in r.files]
        withdrawn = withdraw_batch(store, str(list_batches(store).batch_id.iloc[-1]))
    return rows, balance, withdrawn


def test_ingest_runs_on_a_shared_server_take_turns(postgres_url: str) -> None:
    from socialstat.ingest.stage import Stage

    with init_store(postgres_url) as store, connect(postgres_url) as watcher:

        def waits() -> bool:
            """Would another session's ingest have to wait?"""
            with watcher.backend.con.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(hashtext('socialstat:ingest'))")
                got = bool(cursor.fetchone()[0])
                if got:
                    cursor.execute("SELECT pg_advisory_unlock(hashtext('socialstat:ingest'))")
                return not got

        stage = Stage(store)
        try:
            assert waits()
        finally:
            stage.drop()
        assert not waits()


def stored_tables(store: Store) -> set[str]:
    """Every persistent table, scratch tables included (views over files being read are not the store's)."""
    return {t for t in store.backend.list_tables() if not t.startswith(("ibis_", "_parquet_"))}


def test_spark_declares_what_it_cannot_do(stores: dict[str, Store]) -> None:
    from socialstat.ingest.stage import Stage

    with pytest.raises(ConfigurationError, match="socialstat ingest is not available on the spark backend"):
        Stage(stores["spark"])
    batch = str(stores["spark"].table("batches").batch_id.execute().iloc[0])
    with pytest.raises(ConfigurationError, match="withdraw is not available on the spark backend"):
        withdraw_batch(stores["spark"], batch)


@pytest.mark.parametrize(
    "url",
    [
        "postgresql://someone:s3cret-word@127.0.0.1:1/nothing",
        "postgresql://someone:s3cret/wo?rd@127.0.0.1:1/nothing",  # characters that stop urlparse
        "pg://someone:s3cret-word@127.0.0.1:1/nothing",  # an unknown scheme
        "someone:s3cret-word@127.0.0.1/nothing",  # no scheme
    ],
)
def test_a_password_in_the_url_is_never_shown(url: str) -> None:
    with pytest.raises((StoreError, ConfigurationError)) as caught:
        connect(url)
    assert "s3cret" not in str(caught.value)
    assert "someone:***@" in str(caught.value) or "someone" not in str(caught.value)
