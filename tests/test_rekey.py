"""Re-keying a store: every key replaced by the new key of the same identity number, in one transaction; refused
(and nothing changed) when a key in the store has no number in the list; the numbers and secrets never shown."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from click.testing import CliRunner

from socialstat.cli import cli
from socialstat.errors import StoreError
from socialstat.identity import parse_identity_number
from socialstat.ingest import list_profiles, load_profile
from socialstat.ingest.read import read_extract
from socialstat.ingest.run import ingest_files
from socialstat.pseudonym import Pseudonymiser, load_secret, new_key_file
from socialstat.store import Store, init_store, open_store
from socialstat.store.rekey import personal_columns, rekey_store
from socialstat.synth import generate, parse_years
from socialstat.synth.extracts import split_municipality, write_extracts

TODAY = dt.date(2026, 11, 23)


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Öckerö's extracts in all four profiles, ingested under an old key into a store (copied per test)."""
    root = tmp_path_factory.mktemp("rekey")
    generate("1407", parse_years("2023-2024"), 5, root / "canonical")
    split_municipality(root / "canonical", "1407", root / "source")
    write_extracts(root / "source", list_profiles(), root / "extracts", defect_rate=0.0, seed=5)
    old, new = new_key_file(root / "old.key"), new_key_file(root / "new.key")
    numbers: set[str] = set()
    with init_store(f"duckdb:///{root / 'store.duckdb'}") as store:
        for name in list_profiles():
            profile = load_profile(name)
            files = sorted((root / "extracts" / name).glob("1407.*"))
            ingest_files(store, files, profile, "1407", Pseudonymiser(load_secret(key_file=old)), today=TODAY)
            for file in files:
                for chunk in read_extract(file, profile)[1]:
                    numbers.update(n for n in chunk[profile.identity_column].to_pylist() if n is not None)
    (root / "numbers.txt").write_text("\n".join(sorted(numbers)) + "\n", encoding="utf-8")
    return {"root": root, "old": old, "new": new, "numbers": root / "numbers.txt"}


def _keys(store: Store) -> dict[str, list[str]]:
    return {
        f"{table}.{column}": sorted(map(str, store.table(table)[column].execute()))
        for table, columns in personal_columns(store).items()
        for column in columns
    }


def _copy(world: dict[str, Path], tmp_path: Path) -> str:
    path = tmp_path / "store.duckdb"
    path.write_bytes((world["root"] / "store.duckdb").read_bytes())
    return f"duckdb:///{path}"


def test_every_key_becomes_the_new_key_of_the_same_person(world: dict[str, Path], tmp_path: Path) -> None:
    url = _copy(world, tmp_path)
    old = Pseudonymiser(load_secret(key_file=world["old"]))
    new = Pseudonymiser(load_secret(key_file=world["new"]))
    canonical = [parse_identity_number(n, today=TODAY).canonical for n in world["numbers"].read_text().split()]
    translate = {old.key(c): new.key(c) for c in canonical}
    with open_store(url) as store:
        before = _keys(store)
        assert sum(map(len, before.values())) > 1000
        assert any(k.endswith("household_key") and v for k, v in before.items())
    result = CliRunner().invoke(
        cli, ["key", "rekey", str(world["numbers"]), "--key-file", str(world["old"]),
              "--new-key-file", str(world["new"]), "--db", url],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "keys replaced:" in result.output
    with open_store(url) as store:
        after = _keys(store)
    assert after == {where: sorted(translate[k] if k != "None" else k for k in keys) for where, keys in before.items()}
    for secret in (*canonical, world["old"].read_text().strip(), world["new"].read_text().strip()):
        assert secret not in result.output


def test_new_data_under_the_new_key_links_to_the_same_persons(world: dict[str, Path], tmp_path: Path) -> None:
    url = _copy(world, tmp_path)
    numbers = world["numbers"].read_text().split()
    new = Pseudonymiser(load_secret(key_file=world["new"]))
    with open_store(url) as store:
        rekey_store(store, numbers, Pseudonymiser(load_secret(key_file=world["old"])), new, today=TODAY)
        persons = int(store.table("persons").count().execute())
        profile = load_profile("treserva-referrals")
        (file,) = sorted((world["root"] / "extracts" / "treserva-referrals").glob("1407.*"))
        # The same persons' new cases (the case numbers changed): loaded, and not one new person.
        again = tmp_path / "again.csv"
        again.write_bytes(file.read_bytes().replace(b";1407-R", b";1407-N"))
        (result,) = ingest_files(store, [again], profile, "1407", new, today=TODAY).files
        assert result.rows_loaded > 100
        assert result.new_persons == 0
        assert int(store.table("persons").count().execute()) == persons
        # Under the old key the same file would bring them all in as strangers.
        stranger = tmp_path / "stranger.csv"
        stranger.write_bytes(file.read_bytes().replace(b";1407-R", b";1407-S"))
        old = Pseudonymiser(load_secret(key_file=world["old"]))
        assert ingest_files(store, [stranger], profile, "1407", old, today=TODAY).files[0].new_persons > 100


def test_a_key_without_a_number_stops_it_and_nothing_changes(world: dict[str, Path], tmp_path: Path) -> None:
    url = _copy(world, tmp_path)
    numbers = world["numbers"].read_text().split()
    old = Pseudonymiser(load_secret(key_file=world["old"]))
    new = Pseudonymiser(load_secret(key_file=world["new"]))
    with open_store(url) as store:
        before = _keys(store)
        with pytest.raises(StoreError, match=r"nothing was re-keyed: .*persons\.person_key: 1\b") as caught:
            rekey_store(store, [*numbers[1:], "19000101-0000"], old, new, today=TODAY)
        assert numbers[0] not in str(caught.value)
        assert _keys(store) == before
        with pytest.raises(StoreError, match="the new key is the old key"):
            rekey_store(store, numbers, old, old, today=TODAY)
        with pytest.raises(StoreError, match="nothing was re-keyed"):  # the store's keys were not made with `new`
            rekey_store(store, numbers, new, old, today=TODAY)
        assert _keys(store) == before


def test_no_command_takes_the_key_itself() -> None:
    import click

    def options(command: click.Command, path: str) -> list[tuple[str, str]]:
        found = [(path, opt) for p in command.params for opt in p.opts if isinstance(p, click.Option)]
        if isinstance(command, click.Group):
            for name, sub in command.commands.items():
                found += options(sub, f"{path} {name}")
        return found

    every = options(cli, "socialstat")
    assert len(every) > 50
    taking_a_key = [(c, o) for c, o in every if any(w in o for w in ("key", "secret")) and not o.endswith("-file")]
    assert taking_a_key == []


def test_a_failure_midway_undoes_every_table(
    world: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A key that would turn NULL in the last table rewritten (as if an ingest had added it after the check):
    # the tables already rewritten are put back too.
    import ibis

    import socialstat.store.rekey as rekey

    url = _copy(world, tmp_path)
    numbers = world["numbers"].read_text().split()
    real = rekey._rekeyed
    with open_store(url) as store:
        last = [t for t in personal_columns(store) if store.table(t).count().execute()][-1]

        def losing_a_key(table: ibis.Table, columns: tuple[str, ...], keys: ibis.Table) -> ibis.Table:
            out = real(table, columns, keys)
            if table.get_name().endswith(last):
                out = out.mutate(**{columns[0]: ibis.null(out[columns[0]].type())})
            return out

        monkeypatch.setattr(rekey, "_rekeyed", losing_a_key)
        before = _keys(store)
        old = Pseudonymiser(load_secret(key_file=world["old"]))
        new = Pseudonymiser(load_secret(key_file=world["new"]))
        with pytest.raises(StoreError, match="nothing was re-keyed"):  # (the store's NOT NULL may see it first)
            rekey_store(store, numbers, old, new, today=TODAY)
        assert _keys(store) == before
