"""The generator's mechanics: determinism, independence of municipalities, conformity to the model, privacy."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from socialstat.errors import ConfigurationError
from socialstat.model import load_model
from socialstat.model.validate import validate_relation
from socialstat.synth import SynthReport, generate, parse_years


def content_hash(folder: Path) -> dict[str, str]:
    """A hash of each table's rows (not of the file bytes), for comparing generations."""
    out = {}
    for path in sorted(folder.glob("*.parquet")):
        table = pq.read_table(path)
        out[path.stem] = hashlib.sha256(table.to_pandas().to_csv(index=False).encode()).hexdigest()
    return out


def test_same_seed_same_data_other_seed_other_data(tmp_path: Path) -> None:
    years = parse_years("2019-2020")
    a = generate("goteborg", years, 11, tmp_path / "a")
    b = generate("goteborg", years, 11, tmp_path / "b")
    c = generate("goteborg", years, 12, tmp_path / "c")
    hash_a = content_hash(a.out)
    assert a.rows == b.rows
    assert hash_a == content_hash(b.out)
    differing = {t for t, h in content_hash(c.out).items() if hash_a[t] != h}
    assert {"referrals", "persons", "assistance_payments"} <= differing
    assert "units" not in differing  # reference structure does not depend on the seed


def test_a_municipality_does_not_depend_on_the_others(gr_data: SynthReport, tmp_path: Path) -> None:
    alone = generate("goteborg", parse_years("2015-2024"), gr_data.seed, tmp_path / "alone")
    con = duckdb.connect()
    for name in ("referrals", "assistance_payments"):
        in_gr = con.execute(
            f"SELECT count(*), sum(hash(t)) FROM read_parquet('{gr_data.out / (name + '.parquet')}') t "
            "WHERE municipality_code = '1480'"
        ).fetchall()
        own = con.execute(
            f"SELECT count(*), sum(hash(t)) FROM read_parquet('{alone.out / (name + '.parquet')}') t"
        ).fetchall()
        assert in_gr == own, name


def test_every_generated_table_conforms_to_the_model(gr_data: SynthReport) -> None:
    import ibis

    con = ibis.duckdb.connect()
    model = load_model()
    for table in model.tables.values():
        if table.kind == "system":
            continue
        rel = con.read_parquet(str(gr_data.out / f"{table.name}.parquet"))
        if "batch_id" in table.column_names:
            rel = rel.mutate(batch_id=ibis.literal("synthetic"))
        assert validate_relation(rel, table, model=model) == [], table.name


def test_every_person_referenced_exists_once(gr_sql: duckdb.DuckDBPyConnection) -> None:
    orphans = gr_sql.execute(
        """SELECT count(*) FROM (SELECT person_key FROM referrals UNION ALL SELECT person_key FROM investigations
             UNION ALL SELECT person_key FROM interventions UNION ALL SELECT person_key FROM homelessness_survey)
           WHERE person_key NOT IN (SELECT person_key FROM persons)"""
    ).fetchone()
    assert orphans == (0,)
    bad_refs = gr_sql.execute(
        """SELECT count(*) FROM investigations WHERE referral_id IS NOT NULL
           AND referral_id NOT IN (SELECT referral_id FROM referrals)"""
    ).fetchone()
    assert bad_refs == (0,)


def test_events_carry_an_area_of_their_municipality(gr_sql: duckdb.DuckDBPyConnection) -> None:
    for table in ("referrals", "investigations", "interventions", "assistance_payments", "homelessness_survey"):
        wrong = gr_sql.execute(
            f"SELECT count(*) FROM {table} t LEFT JOIN areas a USING (area_code) "
            "WHERE a.municipality_code IS DISTINCT FROM t.municipality_code"
        ).fetchone()
        assert wrong == (0,), table


def test_nothing_happens_after_the_end_of_the_data(gr_sql: duckdb.DuckDBPyConnection) -> None:
    end = "DATE '2024-12-31'"
    assert gr_sql.execute(
        f"SELECT count(*) FROM referrals WHERE received_date > {end} OR decision_date > {end}"
    ).fetchone() == (0,)
    assert gr_sql.execute(f"SELECT count(*) FROM investigations WHERE end_date > {end}").fetchone() == (0,)
    assert gr_sql.execute(
        f"SELECT count(*) FROM interventions WHERE start_date > {end} OR end_date > {end}"
    ).fetchone() == (0,)
    assert gr_sql.execute("SELECT count(*) FROM interventions WHERE end_date < start_date").fetchone() == (0,)


def test_keys_look_like_hmacs_and_no_identity_number_appears(gr_data: SynthReport) -> None:
    con = duckdb.connect()
    persons = con.execute(f"SELECT person_key FROM read_parquet('{gr_data.out / 'persons.parquet'}')").fetchall()
    uuid = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
    assert all(re.fullmatch(uuid, k) for (k,) in persons)
    # A personnummer or samordningsnummer in any common form, standing alone, in any column but the keys (whose
    # form is checked above: a key's hex groups can be all digits by chance).
    identity = r"(^|[^0-9A-Za-z])(19|20)?[0-9]{6}[-+]?[0-9]{4}([^0-9A-Za-z]|$)"
    model = load_model()
    for path in gr_data.out.glob("*.parquet"):
        keys = {c.name for c in model.table(path.stem).columns if c.type == "key"}
        for field in pq.read_schema(path):
            if field.name in keys:
                assert con.execute(
                    f"SELECT count(*) FROM read_parquet('{path}') WHERE NOT regexp_full_match({field.name}, '{uuid}')"
                ).fetchone() == (0,), f"{path.name}.{field.name}"
                continue
            if str(field.type) == "string":
                where = f"regexp_matches({field.name}, '{identity}')"
            elif str(field.type) == "int64":
                where = f"abs({field.name}) BETWEEN 100000000 AND 999999999999"
            else:
                continue
            hits = con.execute(f"SELECT count(*) FROM read_parquet('{path}') WHERE {where}").fetchone()
            assert hits == (0,), f"{path.name}.{field.name}"


@pytest.mark.parametrize("text", ["2015", "2015-2010", "1990-2000", "soon", "2015-2040"])
def test_bad_years_are_refused(text: str) -> None:
    if text == "2015":
        assert parse_years(text) == [2015]
        return
    with pytest.raises(ConfigurationError):
        parse_years(text)


def test_unknown_preset_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="unknown preset 'malmo'"):
        generate("malmo", [2020], 1, tmp_path)
