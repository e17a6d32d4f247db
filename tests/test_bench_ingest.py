"""The ingest benchmark's own parts, on a small file: its extract ingests and balances, and the yardstick (DuckDB
alone) loads every row of it into the canonical tables, so the numbers in docs/benchmarks.md stay measurable."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def bench() -> ModuleType:
    spec = importlib.util.spec_from_file_location("bench_ingest", ROOT / "benchmarks" / "bench_ingest.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_ingest"] = module
    spec.loader.exec_module(module)
    return module


def test_ingest_of_the_benchmark_extract_balances(bench: ModuleType, tmp_path: Path) -> None:
    extract = tmp_path / "referrals.csv"
    bench.write_extract(extract, 3_000)
    result = bench._run(bench.INGEST, extract, tmp_path / "store.duckdb")
    assert result["read"] == 3_000
    assert result["balanced"] is True
    assert 0 < result["quarantined"] < 300  # 1 % of rows get an unknown code
    assert not (tmp_path / "store.duckdb").exists()  # each run's store is removed


def test_the_yardstick_loads_every_row_and_its_reasons(bench: ModuleType, tmp_path: Path) -> None:
    extract = tmp_path / "referrals.csv"
    bench.write_extract(extract, 3_000)
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
