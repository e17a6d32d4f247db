"""Shared fixtures: one synthetic GR data set and one loaded store per test session (generated, never committed)."""

from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType

import duckdb
import pytest

from socialstat.release import Release, create_release
from socialstat.store import Store, init_store, load_canonical
from socialstat.synth import SynthReport, generate, parse_years

SEED = 4242
CANONICAL_TABLES = (
    "units",
    "unit_crosswalk",
    "areas",
    "area_units",
    "population",
    "costs",
    "persons",
    "referrals",
    "referral_reasons",
    "investigations",
    "interventions",
    "assistance_payments",
    "homelessness_survey",
)


@pytest.fixture(scope="session")
def gr_data(tmp_path_factory: pytest.TempPathFactory) -> SynthReport:
    """Synthetic canonical data for the 13 GR municipalities, 2015–2024."""
    out = tmp_path_factory.mktemp("gr") / "canonical"
    return generate("gr", parse_years("2015-2024"), SEED, out)


@pytest.fixture(scope="session")
def gr_sql(gr_data: SynthReport) -> Iterator[duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB with a view per canonical Parquet file, for calibration queries."""
    con = duckdb.connect()
    for table in CANONICAL_TABLES:
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{gr_data.out / (table + '.parquet')}')")
    yield con
    con.close()


@pytest.fixture(scope="session")
def loaded_store(gr_data: SynthReport, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A DuckDB store file with the GR data loaded."""
    path = tmp_path_factory.mktemp("store") / "socialstat.duckdb"
    store = init_store(f"duckdb:///{path}")
    load_canonical(store, gr_data.out)
    yield store
    store.close()


@pytest.fixture
def small_data(tmp_path: Path) -> Path:
    """Göteborg, two years: small enough to generate per test."""
    out = tmp_path / "canonical"
    generate("goteborg", parse_years("2019-2020"), 7, out)
    return out


def small_release(folder: Path, name: str, ids: list[str], *, seed: int) -> Release:
    """A release of 2023-2024 for Öckerö alone (its municipality structure), from generated data: small, with
    suppressed cells, for the tests of what reads releases (exports, the API)."""
    generate("1407", parse_years("2023-2024"), seed, folder / "canonical")
    with init_store(f"duckdb:///{folder / 'store.duckdb'}") as store:
        load_canonical(store, folder / "canonical")
        return create_release(
            store, year=2024, name=name, out=folder / "releases", structures=("municipalities",),
            first_year=2023, ids=ids,
        )  # fmt: skip


def goteborg_release(folder: Path, years: str, ids: list[str], *, seed: int) -> Release:
    """A release of synthetic Göteborg alone, as a municipality and as its four social administrations: for the
    tests of the analysis and the report."""
    generate("1480", parse_years(years), seed, folder / "canonical")
    with init_store(f"duckdb:///{folder / 'store.duckdb'}") as store:
        load_canonical(store, folder / "canonical")
        return create_release(
            store, year=int(years[-4:]), name=years[-4:], out=folder / "releases", first_year=int(years[:4]),
            structures=("municipalities", "goteborg-administrations"), ids=ids,
        )  # fmt: skip


def script_module(path: Path, name: str | None = None) -> ModuleType:
    """A script of the repository (a benchmark, a fuzzing harness) imported as a module, once per process (its
    `main` is not run)."""
    name = name or path.stem
    if name not in sys.modules:
        spec = importlib.util.spec_from_file_location(name, path)
        assert spec is not None
        assert spec.loader is not None
        sys.modules[name] = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(sys.modules[name])
    return sys.modules[name]
