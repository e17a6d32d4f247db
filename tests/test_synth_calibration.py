"""The synthetic data against published figures, with the tolerance each comparison allows.

Expected values are the published figures of the project's reference facts (Göteborg's Socialtjänstrapport
2022 and earlier reports, Göteborgsregionen's mapping of aktualiseringar 2017–2018, Socialstyrelsen via
regionfakta, SCB via GR), written out here so that a change to the generator's parameters cannot move them.
"""

from __future__ import annotations

import duckdb
import pytest

GBG = "1480"


def one(con: duckdb.DuckDBPyConnection, sql: str) -> float:
    row = con.execute(sql).fetchone()
    assert row is not None
    return float(row[0])


def share_0_20_with_referral(con: duckdb.DuckDBPyConnection, year: int, municipality: str | None) -> float:
    where = f"municipality_code = '{municipality}'" if municipality else "true"
    area_filter = f"a.municipality_code = '{municipality}'" if municipality else "true"
    return one(
        con,
        f"""SELECT (SELECT count(DISTINCT person_key) FROM referrals WHERE year(received_date) = {year} AND {where})
                 / (SELECT sum(population) FROM population p JOIN areas a USING (area_code)
                    WHERE p.year = {year} AND p.age <= 20 AND {area_filter})""",
    )


@pytest.mark.parametrize(("year", "published"), [(2018, 0.089), (2019, 0.084)])
def test_goteborg_share_of_0_20_with_a_referral(gr_sql: duckdb.DuckDBPyConnection, year: int, published: float) -> None:
    # Göteborg: 8.9 % (2018) and 8.4 % (2019) of all aged 0–20 had at least one aktualisering.
    assert share_0_20_with_referral(gr_sql, year, GBG) == pytest.approx(published, abs=0.003)


@pytest.mark.parametrize("year", [2017, 2018])
def test_gr_share_of_0_20_with_a_referral(gr_sql: duckdb.DuckDBPyConnection, year: int) -> None:
    # GR: 8.6 % of the population aged 0–20 (2017 and 2018).
    assert share_0_20_with_referral(gr_sql, year, None) == pytest.approx(0.086, abs=0.005)


@pytest.mark.parametrize(("kind", "published"), [("report", 0.83), ("application", 0.09), ("other_information", 0.08)])
def test_gr_referral_kind_mix_2018(gr_sql: duckdb.DuckDBPyConnection, kind: str, published: float) -> None:
    share = one(gr_sql, f"SELECT avg((kind = '{kind}')::INT) FROM referrals WHERE year(received_date) = 2018")
    assert share == pytest.approx(published, abs=0.01)


def test_gr_share_leading_to_no_investigation_2017(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # GR 2017: 36 % of aktualiseringar led to no investigation (the issue allows 36–38 %).
    share = one(
        gr_sql, "SELECT avg((decision = 'no_investigation')::INT) FROM referrals WHERE year(received_date) = 2017"
    )
    assert 0.34 <= share <= 0.40


def test_gr_boys_share_2017(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # GR 2017: girls 38 %, boys 62 % of the children.
    share = one(
        gr_sql,
        """SELECT avg((p.sex = 'M')::INT) FROM (SELECT DISTINCT person_key FROM referrals
           WHERE year(received_date) = 2017) r JOIN persons p USING (person_key)""",
    )
    assert share == pytest.approx(0.62, abs=0.03)


def test_most_referred_children_are_14_to_18(gr_sql: duckdb.DuckDBPyConnection) -> None:
    rows = gr_sql.execute(
        """SELECT CASE WHEN age <= 5 THEN '0-5' WHEN age <= 13 THEN '6-13' WHEN age <= 18 THEN '14-18'
                       ELSE '19-20' END, count(*)
           FROM (SELECT 2017 - p.birth_year AS age FROM referrals r JOIN persons p USING (person_key)
                 WHERE year(r.received_date) = 2017) GROUP BY 1 ORDER BY 2 DESC"""
    ).fetchall()
    assert rows[0][0] == "14-18"


def test_neglect_is_the_most_common_reason(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # GR: the most common reason for an anmälan is deficient care (bristande omsorg).
    top = gr_sql.execute(
        """SELECT reason FROM referral_reasons JOIN referrals USING (referral_id) WHERE kind = 'report'
           GROUP BY 1 ORDER BY count(*) DESC LIMIT 1"""
    ).fetchall()
    assert top == [("neglect",)]


def test_referrals_per_child_are_heavy_tailed(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # Göteborg: 4 of 10 referred children had several; one tenth of all aktualiseringar concerned
    # 177 children with 9–33 each.
    several, tail_share, most, tail_children = gr_sql.execute(
        """SELECT avg((n >= 2)::INT), sum(CASE WHEN n >= 9 THEN n ELSE 0 END) / sum(n), max(n), sum((n >= 9)::INT)
           FROM (SELECT person_key, count(*) AS n FROM referrals
                 WHERE year(received_date) = 2018 AND municipality_code = '1480' GROUP BY 1)"""
    ).fetchall()[0]
    assert several == pytest.approx(0.40, abs=0.04)
    assert tail_share == pytest.approx(0.10, abs=0.04)
    assert most <= 33
    assert 120 <= tail_children <= 240


def test_a_third_of_children_known_before_mostly_within_a_year(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # Göteborg 2022: one third of children with a new case had been known before, most within the last year.
    known, last_year = gr_sql.execute(
        """WITH c AS (SELECT DISTINCT person_key FROM referrals
                      WHERE year(received_date) = 2022 AND municipality_code = '1480'),
                b AS (SELECT person_key, max(received_date) AS last FROM referrals
                      WHERE year(received_date) < 2022 GROUP BY 1)
           SELECT avg((b.person_key IS NOT NULL)::INT), avg((b.last >= DATE '2021-01-01')::INT)
           FROM c LEFT JOIN b USING (person_key)"""
    ).fetchall()[0]
    assert known == pytest.approx(1 / 3, abs=0.04)
    assert last_year > known / 2


def test_school_term_seasonality(gr_sql: duckdb.DuckDBPyConnection) -> None:
    by_month = dict(gr_sql.execute("SELECT month(received_date), count(*) FROM referrals GROUP BY 1").fetchall())
    term = sum(by_month[m] for m in (2, 3, 4, 5, 9, 10, 11)) / 7
    assert by_month[7] < 0.65 * term
    assert by_month[9] > by_month[8]


def test_some_assessments_and_investigations_run_late(gr_sql: duckdb.DuckDBPyConnection) -> None:
    late_assessment = one(
        gr_sql, "SELECT avg((decision_date - received_date > 14)::INT) FROM referrals WHERE decision_date IS NOT NULL"
    )
    late_investigation = one(
        gr_sql,
        """SELECT avg((end_date - start_date > 120)::INT) FROM investigations
           WHERE target_group = 'children_youth' AND end_date IS NOT NULL""",
    )
    assert 0.05 <= late_assessment <= 0.25
    assert 0.10 <= late_investigation <= 0.35


def _rates_by_administration(
    con: duckdb.DuckDBPyConnection, table: str, key: str, period: str, ages: str
) -> dict[str, float]:
    return dict(
        con.execute(
            f"""WITH au AS (SELECT area_code, unit_code FROM area_units WHERE valid_from = DATE '2021-01-01'
                            AND unit_code LIKE '1480-A-%'),
                     pop AS (SELECT unit_code, sum(population) AS n FROM population JOIN au USING (area_code)
                             WHERE year = 2022 AND {ages} GROUP BY 1)
                SELECT unit_code, count(DISTINCT {key}) / any_value(pop.n)
                FROM {table} JOIN au USING (area_code) JOIN pop USING (unit_code)
                WHERE year({period}) = 2022 GROUP BY 1"""
        ).fetchall()
    )


def test_nordost_has_higher_referral_and_assistance_rates(gr_sql: duckdb.DuckDBPyConnection) -> None:
    assistance = _rates_by_administration(gr_sql, "assistance_payments", "household_key", "month", "true")
    referrals = _rates_by_administration(gr_sql, "referrals", "person_key", "received_date", "age <= 20")
    assert assistance["1480-A-NO"] > 1.5 * max(assistance["1480-A-CE"], assistance["1480-A-SV"])
    assert referrals["1480-A-NO"] > 1.25 * sum(referrals.values()) / len(referrals)


@pytest.mark.parametrize(
    ("year", "households", "paid_mnkr"),
    [(2016, 18_800, 1_024), (2017, 17_300, 970), (2018, 16_300, 944), (2019, 15_000, 865)],
)
def test_goteborg_assistance_households_and_amounts(
    gr_sql: duckdb.DuckDBPyConnection, year: int, households: int, paid_mnkr: int
) -> None:
    n, paid = gr_sql.execute(
        f"""SELECT count(DISTINCT household_key), sum(amount_sek) / 1e6 FROM assistance_payments
            WHERE municipality_code = '1480' AND year(month) = {year}"""
    ).fetchall()[0]
    assert n == pytest.approx(households, rel=0.01)
    assert paid == pytest.approx(paid_mnkr, rel=0.001)


def test_goteborg_assistance_2019_monthly_households_and_children(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # 2019: about 9 500 households a month on average; 5 300 children in assistance households in December.
    monthly = one(
        gr_sql, "SELECT count(*) / 12 FROM assistance_payments WHERE municipality_code = '1480' AND year(month) = 2019"
    )
    children = one(
        gr_sql,
        "SELECT sum(children) FROM assistance_payments WHERE municipality_code = '1480' AND month = DATE '2019-12-01'",
    )
    assert monthly == pytest.approx(9_500, rel=0.05)
    assert children == pytest.approx(5_300, rel=0.10)


def test_assistance_falls_while_the_long_term_share_rises(gr_sql: duckdb.DuckDBPyConnection) -> None:
    rows = gr_sql.execute(
        """SELECT y, count(*), avg((n >= 10)::INT) FROM (SELECT year(month) AS y, household_key, count(*) AS n
           FROM assistance_payments WHERE municipality_code = '1480' GROUP BY 1, 2) GROUP BY 1 ORDER BY 1"""
    ).fetchall()
    by_year = {y: (n, share) for y, n, share in rows}
    for a, b in [(2016, 2017), (2017, 2018), (2018, 2019)]:
        assert by_year[b][0] < by_year[a][0]
        assert by_year[b][1] > by_year[a][1]


def test_assistance_applicants_are_persons_with_the_age_profile_of_recipients(
    gr_sql: duckdb.DuckDBPyConnection,
) -> None:
    missing = one(
        gr_sql,
        """SELECT count(DISTINCT household_key) FROM assistance_payments a
           WHERE NOT EXISTS (SELECT 1 FROM persons p WHERE p.person_key = a.household_key)""",
    )
    assert missing == 0
    # New households (no payment the year before): applicant_age gives 0.17 young adults 18–24 to households
    # without children and 0.06 (the 20–24 band) to those with children: about 0.13 over all types.
    young, single_women_female = gr_sql.execute(
        """WITH h AS (SELECT household_key, min(month) AS first, any_value(household_type) AS t
                      FROM assistance_payments GROUP BY 1)
           SELECT avg((year(h.first) - p.birth_year BETWEEN 18 AND 24)::INT),
                  avg(CASE WHEN h.t LIKE 'single_woman%' THEN (p.sex = 'F')::INT END)
           FROM h JOIN persons p ON p.person_key = h.household_key WHERE year(h.first) >= 2017"""
    ).fetchall()[0]
    assert young == pytest.approx(0.17 * 0.62 + 0.06 * 0.38, abs=0.02)  # 38 % of household types have children
    assert single_women_female == 1.0


@pytest.mark.parametrize(("year", "persons"), [(2019, 5_015), (2020, 3_733), (2021, 3_161), (2022, 3_221)])
def test_goteborg_homelessness_survey(gr_sql: duckdb.DuckDBPyConnection, year: int, persons: int) -> None:
    n = one(
        gr_sql, f"SELECT count(*) FROM homelessness_survey WHERE municipality_code = '1480' AND survey_year = {year}"
    )
    assert n == persons


def test_goteborg_homelessness_2022_details(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # 2022: 2 359 households, 697 children, 296 families with children (13 %); 15 % homeless under a year,
    # 20 % over ten years.
    households, children, families, under_1y, over_10y = gr_sql.execute(
        """SELECT count(DISTINCT household_key), sum(is_child::INT),
                  count(DISTINCT CASE WHEN household_with_children THEN household_key END),
                  avg((duration = 'under_1y')::INT), avg((duration = 'over_10y')::INT)
           FROM homelessness_survey WHERE municipality_code = '1480' AND survey_year = 2022"""
    ).fetchall()[0]
    assert (households, children, families) == (2_359, 697, 296)
    assert under_1y == pytest.approx(0.15, abs=0.04)
    assert over_10y == pytest.approx(0.20, abs=0.04)


def test_about_1000_children_with_interventions_for_violence_2022(gr_sql: duckdb.DuckDBPyConnection) -> None:
    n = one(
        gr_sql,
        """SELECT count(DISTINCT i.person_key) FROM interventions i JOIN persons p USING (person_key)
           WHERE i.municipality_code = '1480' AND i.reason_violence AND 2022 - p.birth_year < 18
             AND i.start_date <= DATE '2022-12-31' AND (i.end_date IS NULL OR i.end_date >= DATE '2022-01-01')""",
    )
    assert n == pytest.approx(1_000, rel=0.05)


def test_placements_foster_care_share_and_sol_share(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # Sweden 2022: 26 500 children placed during the year, 68 % under SoL, familjehem 72 %.
    foster, sol = gr_sql.execute(
        """SELECT avg((category = 'foster_care')::INT), avg((legal_basis = 'sol')::INT) FROM (
             SELECT DISTINCT ON (person_key) person_key, category, legal_basis FROM interventions
             WHERE category IN ('foster_care', 'residential_care_hvb', 'supported_housing', 'secure_unit_sis')
               AND start_date <= DATE '2022-12-31' AND (end_date IS NULL OR end_date >= DATE '2022-01-01')
             ORDER BY person_key, start_date)"""
    ).fetchall()[0]
    assert foster == pytest.approx(0.72, abs=0.06)
    assert sol == pytest.approx(0.68, abs=0.06)


def test_exit_programmes_rise(gr_sql: duckdb.DuckDBPyConnection) -> None:
    first, last = gr_sql.execute(
        """SELECT sum((year(start_date) = 2015)::INT), sum((year(start_date) = 2024)::INT) FROM interventions
           WHERE category = 'exit_programme' AND municipality_code = '1480'"""
    ).fetchall()[0]
    assert last > 2.5 * first


def test_goteborg_ifo_cost_per_inhabitant_2020_and_total_2022(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # IFO cost per inhabitant 2020: Göteborg 7 400 kr; IFO cost 2022 about 4.2 billion.
    per_inhabitant = one(
        gr_sql,
        """SELECT sum(cost_sek) / (SELECT sum(population) FROM population p JOIN areas a USING (area_code)
                                   WHERE a.municipality_code = '1480' AND p.year = 2020)
           FROM costs WHERE unit_code LIKE '1480-%' AND year = 2020""",
    )
    total = one(gr_sql, "SELECT sum(cost_sek) / 1e9 FROM costs WHERE unit_code LIKE '1480-%' AND year = 2022")
    assert per_inhabitant == pytest.approx(7_400, rel=0.05)
    assert total == pytest.approx(4.2, rel=0.08)


def test_assistance_cost_equals_the_payments(gr_sql: duckdb.DuckDBPyConnection) -> None:
    costs = one(gr_sql, "SELECT sum(cost_sek) FROM costs WHERE service_area = 'economic_assistance'")
    paid = one(gr_sql, "SELECT sum(amount_sek) FROM assistance_payments")
    assert costs == pytest.approx(paid, rel=1e-12)


def test_lvm_on_1_november_matches_the_national_level(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # Sweden: 300–380 adults under LVM on 1 November (2014–2018): about 3.5 per 100 000 inhabitants.
    n = one(
        gr_sql,
        """SELECT count(*) FROM interventions WHERE category = 'lvm_care' AND start_date <= DATE '2018-11-01'
           AND (end_date IS NULL OR end_date >= DATE '2018-11-01')""",
    )
    pop = one(gr_sql, "SELECT sum(population) FROM population WHERE year = 2018")
    assert 1.5 <= n / pop * 100_000 <= 7.0


def test_children_placed_during_2022_per_1000(gr_sql: duckdb.DuckDBPyConnection) -> None:
    # Sweden 2022: 26 500 children and young people placed during the year, about 10 per 1 000 aged 0–20.
    placed = one(
        gr_sql,
        """SELECT count(DISTINCT person_key) FROM interventions
           WHERE category IN ('foster_care', 'residential_care_hvb', 'supported_housing', 'secure_unit_sis')
             AND start_date <= DATE '2022-12-31' AND (end_date IS NULL OR end_date >= DATE '2022-01-01')""",
    )
    pop = one(gr_sql, "SELECT sum(population) FROM population WHERE year = 2022 AND age <= 20")
    assert 5 <= placed / pop * 1000 <= 12
