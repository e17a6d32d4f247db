"""Crash safety: `socialstat ingest`, `release create` and `export` killed with SIGKILL at random moments leave the
store and the output folders consistent — no partial batch, reconciliation balanced, no half-written release or
export listed or served — and a rerun completes with exactly what an uninterrupted run gives.

The moments are drawn (seeded) from an uninterrupted run measured first: half anywhere in it, start-up included,
half in the part that writes (from the moment the store's write-ahead log or the hidden output folder appears);
each test requires that at least half of its kills struck a running process."""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from socialstat.api import create_app
from socialstat.errors import ReleaseError
from socialstat.folders import clear_leftovers
from socialstat.ingest import list_profiles
from socialstat.release import list_releases, read_release
from socialstat.store import init_store, load_canonical, open_store
from socialstat.synth import generate, parse_years
from socialstat.synth.extracts import split_municipality, write_extracts

pytestmark = pytest.mark.slow
KILLS = 6
MICRODATA = ("referrals", "referral_reasons", "investigations", "interventions", "assistance_payments", "persons")
ENV = {**os.environ, "SOCIALSTAT_KEY": "a test secret for the crash tests, not for production"}
PROFILE = "treserva-referrals"


def _socialstat(*args: str) -> list[str]:
    return [sys.executable, "-m", "socialstat", *args]


def _run(args: list[str], cwd: Path) -> None:
    done = subprocess.run(args, cwd=cwd, env=ENV, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr


def _timed(args: list[str], cwd: Path, writing: Callable[[], bool]) -> tuple[float, float]:
    """Run to completion: its seconds, and when `writing()` first held (the run began to write)."""
    start = time.monotonic()
    process = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    began = None
    while process.poll() is None:
        if began is None and writing():
            began = time.monotonic() - start
        time.sleep(0.005)
    total = time.monotonic() - start
    _, error = process.communicate()
    assert process.returncode == 0, error
    return total, began if began is not None else total


def _killed(args: list[str], cwd: Path, after: float) -> bool:
    """Start `args`, SIGKILL it `after` seconds later; whether it was still running (else it had finished)."""
    process = subprocess.Popen(args, cwd=cwd, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        process.wait(timeout=after)
        return False
    except subprocess.TimeoutExpired:
        process.send_signal(signal.SIGKILL)
        process.wait()
        return True


def _moments(total: float, began: float, seed: int) -> list[float]:
    """KILLS moments: half anywhere in the run, half while it writes."""
    rng = random.Random(seed)
    anywhere = [rng.uniform(0.05, 0.9) * total for _ in range(KILLS // 2)]
    return sorted(anywhere + [rng.uniform(began, total * 0.9) for _ in range(KILLS - KILLS // 2)])


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A loaded store without Göteborg, whose four years of cases wait as extracts (the treserva referrals: large
    files with 1 % defects), a release and an export of it."""
    root = tmp_path_factory.mktemp("crash")
    generate("goteborg", parse_years("2021-2024"), 11, root / "canonical")
    split_municipality(root / "canonical", "1480", root / "source")
    write_extracts(root / "source", list_profiles(), root / "extracts", defect_rate=0.01, seed=11)
    with init_store(f"duckdb:///{root / 'base.duckdb'}") as store:
        load_canonical(store, root / "canonical")
    return root


def _ingest_args(world: Path, db: Path) -> list[str]:
    files = sorted(str(p) for p in (world / "extracts" / PROFILE).glob("1480.*"))
    return _socialstat("ingest", *files, "--profile", PROFILE, "--municipality", "1480", "--db", f"duckdb:///{db}",
                       "--no-progress", "--report", str(db.with_suffix(".json")))  # fmt: skip


def _ingest_state(db: Path) -> dict[str, int]:
    """Row counts per table, after checking that every batch is whole and every row belongs to one."""
    with open_store(f"duckdb:///{db}") as store:
        batches = store.table("batches").execute()
        counts = {t: int(store.table(t).count().execute()) for t in (*MICRODATA, "quarantine", "batches")}
        loaded = store.table("referrals").group_by("batch_id").aggregate(n=lambda t: t.count()).execute()
        quarantined = store.table("quarantine").group_by("batch_id").aggregate(n=lambda t: t.count()).execute()
    ingested = batches[batches["profile"] == PROFILE]
    by_batch = dict(zip(loaded["batch_id"], loaded["n"], strict=True))
    kept = dict(zip(quarantined["batch_id"], quarantined["n"], strict=True))
    assert set(kept) <= set(batches["batch_id"]), "quarantine rows of no batch"
    assert set(by_batch) <= set(batches["batch_id"]), "referrals of no batch"
    for row in ingested.itertuples():
        assert row.table_name == "referrals"
        assert by_batch.get(row.batch_id, 0) == row.rows_loaded, "a partial batch"
        assert kept.get(row.batch_id, 0) == row.rows_quarantined
        assert row.rows_read == row.rows_loaded + row.rows_quarantined, "the reconciliation does not balance"
    return counts


def test_ingest_killed_at_random_moments_leaves_no_partial_batch(world: Path, tmp_path: Path) -> None:
    clean = tmp_path / "clean.duckdb"
    shutil.copy(world / "base.duckdb", clean)
    total, began = _timed(_ingest_args(world, clean), tmp_path, Path(f"{clean}.wal").exists)
    want = _ingest_state(clean)
    assert want["referrals"] > 25_000
    assert want["quarantine"] > 0
    report = json.loads(clean.with_suffix(".json").read_text())
    assert all(f["balanced"] for f in report["files"])
    base = _ingest_state(world / "base.duckdb")
    interrupted = 0
    for i, moment in enumerate(_moments(total, began, seed=1)):
        db = tmp_path / f"killed-{i}.duckdb"
        shutil.copy(world / "base.duckdb", db)
        interrupted += _killed(_ingest_args(world, db), tmp_path, moment)
        state = _ingest_state(db)  # the store opens, and each batch in it is whole
        assert state in (base, want), f"kill {i} at {moment:.1f} s left a partial run"
        _run(_ingest_args(world, db), tmp_path)  # a rerun completes ...
        assert _ingest_state(db) == want  # ... with what an uninterrupted run gives
    assert interrupted >= KILLS // 2


def _release_args(db: Path, out: Path) -> list[str]:
    return _socialstat("release", "create", "--year", "2024", "--first-year", "2023", "--name", "r2024",
                       "--structure", "municipalities", "--indicator", "BU01", "--indicator", "EB01",
                       "--out", str(out), "--db", f"duckdb:///{db}")  # fmt: skip


def _files_match_their_hashes(folder: Path, listed: dict[str, str]) -> bool:
    return all(hashlib.sha256((folder / name).read_bytes()).hexdigest() == sha for name, sha in listed.items())


def _no_half_release(out: Path) -> None:
    """Only complete releases are listed; a hidden leftover is never read or served."""
    for release in list_releases(out):
        assert _files_match_their_hashes(release.path, release.manifest["files"])
    for path in out.glob(".*") if out.exists() else []:
        with pytest.raises(ReleaseError, match="hidden folder"):
            read_release(path)
        with pytest.raises(ReleaseError):
            create_app(path)
    visible = [p.name for p in out.iterdir() if not p.name.startswith(".")] if out.exists() else []
    assert visible == [r.name for r in list_releases(out)]


def test_release_creation_killed_at_random_moments_never_leaves_a_half_release(world: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(world / "base.duckdb", db)
    total, began = _timed(_release_args(db, tmp_path / "clean"), tmp_path, lambda: (tmp_path / "clean").exists())
    (want,) = list_releases(tmp_path / "clean")
    interrupted = 0
    for i, moment in enumerate(_moments(total, began, seed=2)):
        out = tmp_path / f"killed-{i}"
        interrupted += _killed(_release_args(db, out), tmp_path, moment)
        _no_half_release(out)
        if not list_releases(out):
            _run(_release_args(db, out), tmp_path)  # a rerun completes, and clears what the killed run left
        assert [p.name for p in out.iterdir()] == ["r2024"]
        (release,) = list_releases(out)
        assert release.cells().equals(want.cells())
    assert interrupted >= KILLS // 2


def _export_args(releases: Path, out: Path) -> list[str]:
    return _socialstat("export", "r2024", "--releases", str(releases), "--out", str(out))


def test_an_export_killed_at_random_moments_is_whole_or_absent(world: Path, tmp_path: Path) -> None:
    db = tmp_path / "store.duckdb"
    shutil.copy(world / "base.duckdb", db)
    _run(_release_args(db, tmp_path / "releases"), tmp_path)
    writing = lambda: any(tmp_path.glob(".clean.partial-*"))  # noqa: E731
    total, began = _timed(_export_args(tmp_path / "releases", tmp_path / "clean"), tmp_path, writing)
    want = json.loads((tmp_path / "clean" / "export.json").read_text())["files"]

    def whole(out: Path) -> bool:
        return _files_match_their_hashes(out, json.loads((out / "export.json").read_text())["files"])

    interrupted = 0
    for i, moment in enumerate(_moments(total, began, seed=3)):
        out = tmp_path / "exports" / f"killed-{i}"
        if i % 2:  # every other kill replaces an earlier export: the old one must survive whole
            shutil.copytree(tmp_path / "clean", out)
        interrupted += _killed(_export_args(tmp_path / "releases", out), tmp_path, moment)
        assert not out.exists() or whole(out)
        if i % 2:
            assert out.exists()
        _run(_export_args(tmp_path / "releases", out), tmp_path)
        assert json.loads((out / "export.json").read_text())["files"] == want
        assert not clear_leftovers(out)  # the rerun removed what the killed run left
        assert [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")] == []
    assert interrupted >= KILLS // 2


def test_a_folder_moved_aside_by_a_killed_run_is_put_back(tmp_path: Path) -> None:
    # The moment between moving the old export aside and renaming the new one into place is too short to hit
    # with a timed kill: here is the state such a kill leaves, and what the next write does with it.
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    pid = int(gone.stdout)
    out = tmp_path / "export"
    aside, partial = tmp_path / f".export.old-{pid}-0000aaaa", tmp_path / f".export.partial-{pid}-0000bbbb"
    aside.mkdir()
    (aside / "export.json").write_text("{}")
    partial.mkdir()
    assert clear_leftovers(out) == [partial]
    assert (out / "export.json").read_text() == "{}"
    assert not aside.exists()
