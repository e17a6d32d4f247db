"""The ingest benchmark's own parts, on a small file: its extract ingests and balances, and the yardstick (DuckDB
alone) loads every row of it into the canonical tables, so the numbers in docs/benchmarks.md stay measurable."""

from __future__ import annotations

from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from conftest import script_module

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    return script_module(ROOT / "benchmarks" / "bench_ingest.py")


@pytest.fixture(scope="module")
def extract(bench: ModuleType, tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("bench") / "referrals.csv"
    bench.write_extract(path, 3_000)
    return path


def test_ingest_of_the_benchmark_extract_balances(bench: ModuleType, extract: Path, tmp_path: Path) -> None:
    result = bench._run(bench.INGEST, extract, tmp_path / "store.duckdb")
    assert result["read"] == 3_000
    assert result["balanced"] is True
    assert 0 < result["quarantined"] < 300  # 1 % of rows get an unknown code
    assert not (tmp_path / "store.duckdb").exists()  # each run's store is removed


def test_the_yardstick_loads_every_row_and_its_reasons(bench: ModuleType, extract: Path, tmp_path: Path) -> None:
    store = tmp_path / "store.duckdb"
    result = bench._run(bench.NATIVE, extract, store, keep=True)
    assert result["rows"] == 3_000
    with duckdb.connect(str(store), read_only=True) as con:
        reasons = con.execute("SELECT count(*), count(DISTINCT referral_id) FROM referral_reasons").fetchone()
        referral = con.execute("SELECT * FROM referrals WHERE referral_id = 'R0'").fetchone()
    assert reasons is not None
    assert reasons[1] == 3_000  # every referral has a reason
    assert reasons[0] > 3_000  # and some have two
    assert referral is not None
    assert referral[2] == "1480"
    assert referral[4] is not None  # its date, read
