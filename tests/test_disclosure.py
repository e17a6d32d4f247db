"""Disclosure control: primary and secondary suppression against the attacker's linear programs.

Reference patterns and intervals from sdcTable's own tests (tests/data/sdc/SOURCE.md).
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from socialstat.disclosure import (
    TOTAL,
    DisclosureRules,
    exposed,
    intervals,
    linked,
    load_rules,
    parse_rules,
    protect_table,
    protect_tables,
    with_totals,
)
from socialstat.errors import InvalidStatisticInput, SpecificationError

DATA = Path(__file__).parent / "data" / "sdc"


def _suppressed(out: pd.DataFrame, dims: list[str], status: str) -> set[str]:
    rows = out[out["status"] == status]
    return {"|".join(str(v) for v in r) for r in rows[dims].itertuples(index=False)}


def _microdata1() -> pd.DataFrame:
    micro = pd.read_csv(DATA / "microdata1.csv")
    return micro.groupby(["region", "gender"]).size().rename("freq").reset_index()


def test_the_frequency_rule_and_the_optimal_secondary_pattern_of_microdata1() -> None:
    out = protect_table(_microdata1(), ["region", "gender"], "freq", threshold=5)
    expected = pd.read_csv(DATA / "microdata1_table_expected.csv")
    assert (
        out.set_index(["region", "gender"])["freq"].to_dict()
        == expected.set_index(["region", "gender"])["freq"].to_dict()
    )
    assert _suppressed(out, ["region", "gender"], "primary") == {"A|female"}
    # sdcTable's OPT, HITAS, HYPERCUBE and SIMPLEHEURISTIC all give this rectangle (total count 40, the least).
    assert _suppressed(out, ["region", "gender"], "secondary") == {"A|male", "C|male", "C|female"}
    table = with_totals(_microdata1(), ["region", "gender"], "freq")
    hidden = [i for i in range(len(out)) if out.at[i, "status"] != "published"]
    a_female = next(i for i in hidden if table.label(i) == "A|female")
    assert intervals(table, hidden)[a_female] == (0.0, 12.0)  # as sdcTable's attack()


def test_the_textbook_trap_is_found_and_repaired() -> None:
    cells = pd.read_csv(DATA / "simpleheuristic_4x4.csv")
    table = with_totals(cells[["row", "col", "freq"]], ["row", "col"], "freq")
    labels = {table.label(i): i for i in range(len(table.cells))}
    primary = [
        labels[f"{r}|{c}"] for r, c in cells.loc[cells.status_primary == "u", ["row", "col"]].itertuples(index=False)
    ]
    # Every suppressed row and column has two suppressions, yet w|b is exactly recomputable from the margins.
    assert intervals(table, primary)[labels["w|b"]] == (47.0, 47.0)
    assert exposed(table, primary, primary, 1) == [labels["w|b"]]
    forced = [tuple(r) for r in cells.loc[cells.status_primary == "u", ["row", "col"]].itertuples(index=False)]
    out = protect_table(cells[["row", "col", "freq"]], ["row", "col"], "freq", threshold=1, primary=forced)
    assert _suppressed(out, ["row", "col"], "secondary") == {"x|d"}  # the cheapest single repair (31)
    hidden = [i for i in range(len(out)) if out.at[i, "status"] != "published"]
    assert intervals(table, hidden)[labels["w|b"]] == (0.0, 78.0)


def test_nothing_is_suppressed_without_a_primary_cell() -> None:
    cells = pd.DataFrame({"unit": ["a", "b"], "sex": ["F", "F"], "n": [10, 20]})
    assert set(protect_table(cells, ["unit", "sex"], "n")["status"]) == {"published"}


def test_zeros_are_published_and_small_totals_are_primary() -> None:
    cells = pd.DataFrame({"unit": ["a", "a", "b", "b"], "sex": ["F", "M", "F", "M"], "n": [0, 3, 0, 40]})
    out = protect_table(cells, ["unit", "sex"], "n").set_index(["unit", "sex"])["status"]
    assert out[("a", "F")] == "published"  # a zero reveals nothing and is shown as "-"
    assert out[("a", "M")] == "primary"
    assert out[("a", TOTAL)] == "primary"  # the total of a, 3, is itself under the threshold
    assert (out == "secondary").sum() >= 1


def test_the_pattern_is_the_same_whatever_the_order_of_the_rows() -> None:
    cells = _microdata1()
    first = protect_table(cells, ["region", "gender"], "freq")
    second = protect_table(cells.sample(frac=1, random_state=3), ["region", "gender"], "freq")
    pd.testing.assert_frame_equal(first, second)


def test_bad_tables_are_refused() -> None:
    cells = pd.DataFrame({"unit": ["a", "a"], "n": [1, 2]})
    with pytest.raises(InvalidStatisticInput, match="same coordinates"):
        protect_table(cells, ["unit"], "n")
    with pytest.raises(InvalidStatisticInput, match="lack the columns"):
        protect_table(cells, ["sex"], "n")
    with pytest.raises(InvalidStatisticInput, match="already holds 'Total'"):
        protect_table(pd.DataFrame({"unit": [TOTAL], "n": [4]}), ["unit"], "n")


def test_rules_are_data_with_documented_defaults() -> None:
    rules = load_rules()
    assert (rules.threshold, rules.rounding, rules.suppressed_symbol, rules.zero_symbol) == (5, 1, "..", "-")
    assert parse_rules({"threshold": 3}, "x.yaml").threshold == 3
    with pytest.raises(SpecificationError, match=r"x\.yaml: threshold must be a whole number"):
        parse_rules({"threshold": 0}, "x.yaml")
    with pytest.raises(SpecificationError, match=r"x\.yaml: unknown fields \['treshold'\]"):
        parse_rules({"treshold": 3}, "x.yaml")


_tables = st.integers(2, 4).flatmap(
    lambda rows: st.integers(2, 3).flatmap(
        lambda cols: st.tuples(
            st.just((rows, cols)),
            st.lists(st.integers(0, 25), min_size=rows * cols, max_size=rows * cols),
        )
    )
)


@settings(max_examples=40, deadline=None)
@given(_tables, st.booleans())
def test_after_protection_no_primary_cell_is_pinned_and_every_secondary_protects(
    shaped: tuple[tuple[int, int], list[int]], third_dimension: bool
) -> None:
    (rows, cols), values = shaped
    cells = pd.DataFrame(
        [(f"r{i}", f"c{j}", values[i * cols + j]) for i in range(rows) for j in range(cols)],
        columns=["row", "col", "n"],
    )
    dims = ["row", "col"]
    if third_dimension:  # a second layer with the counts reversed
        cells = pd.concat([cells.assign(k="k0"), cells.assign(k="k1", n=cells["n"].to_numpy()[::-1])])
        dims.append("k")
    out = protect_table(cells, dims, "n", threshold=5)
    table = with_totals(cells, dims, "n")
    primary = {i for i in range(len(out)) if out.at[i, "status"] == "primary"}
    hidden = {i for i in range(len(out)) if out.at[i, "status"] != "published"}
    everything = {i for i, v in enumerate(table.counts) if v > 0}
    if exposed(table, hidden, primary, 5):
        assert everything <= hidden  # only when nothing more can be suppressed
    for cell in hidden - primary:  # no secondary cell that protects nothing
        assert exposed(table, hidden - {cell}, primary, 5)


HIERARCHY = {"unit": {"d1": "M1", "d2": "M1", "d3": "M2", "d4": "M2", "M1": TOTAL, "M2": TOTAL}}
DISTRICTS = pd.DataFrame(
    [("d1", "F", 2), ("d1", "M", 30), ("d2", "F", 25), ("d2", "M", 28), ("d3", "F", 40), ("d3", "M", 33),
     ("d4", "F", 22), ("d4", "M", 27)],
    columns=["unit", "sex", "n"],
)  # fmt: skip


def test_a_hierarchy_adds_every_level_and_protects_within_the_parent() -> None:
    table = with_totals(DISTRICTS, ["unit", "sex"], "n", hierarchies=HIERARCHY)
    counts = dict(zip(map(table.label, range(len(table.cells))), table.counts, strict=True))
    assert (counts["M1|F"], counts["M2|Total"], counts["Total|Total"]) == (27.0, 122.0, 207.0)
    out = protect_table(DISTRICTS, ["unit", "sex"], "n", hierarchies=HIERARCHY)
    assert _suppressed(out, ["unit", "sex"], "primary") == {"d1|F"}
    assert _suppressed(out, ["unit", "sex"], "secondary") == {"d1|M", "d2|F", "d2|M"}  # its sibling in M1
    hidden = [i for i in range(len(out)) if out.at[i, "status"] != "published"]
    assert not exposed(table, hidden, hidden[:1], 5)


def test_linked_tables_are_protected_together_and_share_their_cells() -> None:
    by_sex = pd.DataFrame({"unit": ["a", "a", "b", "b"], "sex": ["F", "M", "F", "M"], "n": [2, 20, 15, 17]})
    by_age = pd.DataFrame({"unit": ["a", "a", "b", "b"], "age": ["0-17", "18+", "0-17", "18+"], "n": [10, 12, 16, 16]})
    out = protect_tables([(by_sex, ["unit", "sex"]), (by_age, ["unit", "age"])], "n")
    assert len(out) == 15  # 3 units x (1 + 2 sexes + 2 ages): the unit totals once, not twice
    assert _suppressed(out, ["unit", "sex", "age"], "primary") == {"a|F|Total"}
    assert _suppressed(out, ["unit", "sex", "age"], "secondary") == {"a|M|Total", "b|F|Total", "b|M|Total"}
    with pytest.raises(InvalidStatisticInput, match=r"linked tables disagree on the cell a\|Total"):
        protect_tables([(by_sex, ["unit", "sex"]), (by_age.assign(n=[10, 13, 16, 16]), ["unit", "age"])], "n")


def test_cells_a_reader_knows_from_the_previous_release_are_not_relied_on() -> None:
    cells = _microdata1()
    out = protect_tables([(cells, ["region", "gender"])], "freq", known={("C", "male"): 12})
    # C|male was published last year with the same value: the C rectangle would hide nothing; D is next best.
    assert _suppressed(out, ["region", "gender"], "secondary") == {"A|male", "D|male", "D|female"}
    revised = protect_tables([(cells, ["region", "gender"])], "freq", known={("C", "male"): 13})
    assert _suppressed(revised, ["region", "gender"], "secondary") == {"A|male", "C|male", "C|female"}


def _results(rows: list[tuple[str, str, str, float, int]], method: str = "count") -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit_code", "breakdown", "breakdown_value", "numerator", "persons"])
    return frame.assign(indicator="X01", structure="s", period=2022, denominator=float("nan"), method=method)


BY_SEX = [  # a municipality M, its districts d1 and d2, by sex; d1|F rests on 3 persons
    ("M", "total", "total", 60, 60), ("M", "sex", "F", 25, 25), ("M", "sex", "M", 35, 35),
    ("d1", "total", "total", 22, 22), ("d1", "sex", "F", 3, 3), ("d1", "sex", "M", 19, 19),
    ("d2", "total", "total", 38, 38), ("d2", "sex", "F", 22, 22), ("d2", "sex", "M", 16, 16),
]  # fmt: skip
KEY_COLUMNS = ["indicator", "structure", "unit_code", "period", "breakdown", "breakdown_value"]
UNITS = pd.DataFrame(
    {
        "unit_code": ["M", "d1", "d2"],
        "parent_code": [None, "M", "M"],
        "level": ["municipality", "district", "district"],
    }
)


def test_indicator_results_are_protected_across_units_and_breakdowns() -> None:
    from socialstat.disclosure.results import protect_results

    rows = BY_SEX
    out = protect_results(_results(rows), UNITS)
    status = out.set_index(["unit_code", "breakdown_value"])["disclosure"]
    assert status[("d1", "F")] == "primary"
    # The districts add up to M and the sexes to each total: d1|F alone would follow from d1 and M.
    assert set(status[status == "secondary"].index) == {("d1", "M"), ("d2", "F"), ("d2", "M")}
    assert set(out.loc[out["disclosure"] != "published", "symbol"]) == {".."}
    # A published cell of the previous release with the same numerator is known: the pattern avoids it.
    previous = out.assign(disclosure="published")
    again = protect_results(_results(rows), UNITS, previous=previous[previous["unit_code"] == "d2"])
    status = again.set_index(["unit_code", "breakdown_value"])["disclosure"]
    assert set(status[status == "secondary"].index) == {("d1", "M"), ("M", "F"), ("M", "M")}  # d2 is known


def test_zeros_show_a_dash_and_ratios_are_suppressed_by_their_persons() -> None:
    from socialstat.disclosure.results import protect_results

    counts = protect_results(_results([("M", "total", "total", 0, 0), ("d1", "total", "total", 0, 0)]), UNITS)
    assert list(counts["symbol"]) == ["-", "-"]
    ratio = protect_results(_results([("M", "total", "total", 123456.0, 3)], method="ratio"), UNITS)
    assert list(ratio["disclosure"]) == ["primary"]


def _shares(rows: list[tuple[str, float, float, int]], method: str) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["unit_code", "numerator", "denominator", "persons"])
    return frame.assign(
        indicator="X02", structure="s", period=2022, breakdown="total", breakdown_value="total", method=method
    )


def test_a_share_on_a_small_denominator_is_primary_unless_the_rules_say_otherwise() -> None:
    from socialstat.disclosure.results import protect_results

    shares = _shares([("M", 30, 300, 30), ("d1", 0, 4, 0), ("d2", 30, 296, 30)], "wilson")
    out = protect_results(shares, UNITS).set_index("unit_code")
    assert (out.at["d1", "disclosure"], out.at["d1", "rule"]) == ("primary", "denominator")
    # d1's numerator (0) follows from M and d2: one of them is suppressed too.
    assert "secondary" in {out.at["M", "rule"], out.at["d2", "rule"]}
    relaxed = protect_results(shares, UNITS, rules=DisclosureRules(rates_follow_counts=False))
    assert set(relaxed["disclosure"]) == {"published"}


def test_ratios_are_protected_through_the_households_they_rest_on() -> None:
    from socialstat.disclosure.results import protect_results

    # kronor per household: d1 rests on 3 households; M and d2 would give its households and kronor away.
    ratio = _shares([("M", 900_000, 60, 60), ("d1", 50_000, 3, 3), ("d2", 850_000, 57, 57)], "ratio")
    out = protect_results(ratio, UNITS).set_index("unit_code")["rule"]
    assert out["d1"] == "persons"
    assert "secondary" in {out["M"], out["d2"]}


def test_the_audit_finds_a_cell_that_subtraction_recovers() -> None:
    from socialstat.disclosure.results import audit_results

    rows = _results([("M", "total", "total", 60, 60), ("d1", "total", "total", 3, 3), ("d2", "total", "total", 57, 57)])
    alone = rows.assign(disclosure=["published", "primary", "published"], rule=["", "persons", ""])
    found = audit_results(alone, UNITS).set_index("unit_code")
    assert (found.at["d1", "lower"], found.at["d1", "upper"], bool(found.at["d1", "exposed"])) == (3, 3, True)
    paired = alone.assign(disclosure=["published", "primary", "secondary"], rule=["", "persons", "secondary"])
    found = audit_results(paired, UNITS).set_index("unit_code")
    assert (found.at["d1", "lower"], found.at["d1", "upper"]) == (0, 60)
    assert not found["exposed"].any()
    assert list(found.index) == ["d1", "d2"]  # the suppressed cells only
    # What the previous release published with the same count is known: d2 = 57 pins d1 again.
    previous = paired.assign(disclosure=["published", "primary", "published"])
    assert bool(audit_results(paired, UNITS, previous=previous).set_index("unit_code").at["d1", "exposed"])


def test_a_re_release_of_the_same_figures_keeps_its_pattern_and_passes_the_audit() -> None:
    from socialstat.disclosure.results import audit_results, protect_results

    rows = BY_SEX
    first = protect_results(_results(rows), UNITS)
    published = first.assign(numerator=first["numerator"].mask(first["disclosure"] != "published"))
    published = published.drop(columns=["disclosure", "rule"])  # as a release shows it
    second = protect_results(_results(rows), UNITS, previous=published)
    assert list(second["disclosure"]) == list(first["disclosure"])
    assert not audit_results(second, UNITS, previous=published)["exposed"].any()


def test_protection_in_parallel_processes_gives_the_same_pattern() -> None:
    from socialstat.disclosure.results import audit_results, protect_and_audit, protect_results

    rows = BY_SEX
    years = pd.concat([_results(rows).assign(period=year) for year in (2021, 2022, 2023)], ignore_index=True)
    one = protect_results(years, UNITS, workers=1)
    two = protect_results(years, UNITS, workers=2)
    assert one.equals(two)
    both, audit = protect_and_audit(years, UNITS, workers=2)  # what release create runs: one pass
    assert both.equals(one)
    assert audit.equals(audit_results(one, UNITS, workers=1))
    assert (one["disclosure"] == "secondary").sum() == 9


_cubes = st.tuples(
    st.lists(st.integers(2, 3), min_size=2, max_size=2),  # districts in each of two municipalities
    st.lists(st.integers(0, 12), min_size=3 * 2 * 3 * 2, max_size=3 * 2 * 3 * 2),  # district x sex x age
)


@settings(max_examples=25, deadline=None)
@given(_cubes)
def test_linked_hierarchical_tables_leave_no_primary_cell_pinned(cube: tuple[list[int], list[int]]) -> None:
    sizes, values = cube
    districts = [(f"d{m}{k}", f"M{m}") for m, size in enumerate(sizes) for k in range(size)]
    hierarchy = {"unit": {**dict(districts), **{m: TOTAL for _, m in districts}}}
    micro = pd.DataFrame(
        [(d, s, a) for d, _ in districts for s in ("F", "M") for a in ("0-17", "18-64", "65+")],
        columns=["unit", "sex", "age"],
    )
    micro["n"] = values[: len(micro)]
    by_sex = micro.groupby(["unit", "sex"], as_index=False)["n"].sum()
    by_age = micro.groupby(["unit", "age"], as_index=False)["n"].sum()
    tables = [(by_sex, ["unit", "sex"]), (by_age, ["unit", "age"])]
    out = protect_tables(tables, "n", threshold=5, hierarchies=hierarchy)
    table = linked(tables, "n", hierarchies=hierarchy)
    status = out["status"].tolist()
    primary = {i for i, s in enumerate(status) if s == "primary"}
    hidden = {i for i, s in enumerate(status) if s != "published"}
    if exposed(table, hidden, primary, 5):
        assert {i for i, v in enumerate(table.counts) if v > 0} <= hidden
    for cell in hidden - primary:
        assert exposed(table, hidden - {cell}, primary, 5)


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.integers(0, 30), min_size=6, max_size=6),
    st.lists(st.integers(-3, 3), min_size=6, max_size=6),
)
def test_a_release_after_a_revised_one_is_audited_against_it(counts: list[int], revisions: list[int]) -> None:
    from socialstat.disclosure.results import audit_results, protect_results

    def results(inner: list[int]) -> pd.DataFrame:
        d1, d2 = inner[:3], inner[3:]
        rows = [("M", "total", "total", sum(d1) + sum(d2))]
        rows += [("M", "kind", k, a + b) for k, a, b in zip("abc", d1, d2, strict=True)]
        for unit, values in (("d1", d1), ("d2", d2)):
            rows += [(unit, "total", "total", sum(values))]
            rows += [(unit, "kind", k, v) for k, v in zip("abc", values, strict=True)]
        return _results([(*r, r[3]) for r in rows])

    last_year = protect_results(results([max(0, c + r) for c, r in zip(counts, revisions, strict=True)]), UNITS)
    shown = last_year.assign(numerator=last_year["numerator"].mask(last_year["disclosure"] != "published"))
    shown = shown.drop(columns=["disclosure", "rule"])  # as the previous release publishes it
    now = protect_results(results(counts), UNITS, previous=shown)
    audit = audit_results(now, UNITS, previous=shown)
    if audit["exposed"].any():  # only a primary cell published before with the same count cannot be hidden again
        known = now.merge(shown, on=[*KEY_COLUMNS, "numerator"])
        primary_known = known[known["disclosure"] == "primary"]
        assert len(primary_known) > 0


def test_indicators_that_publish_the_same_count_are_protected_as_one() -> None:
    from socialstat.disclosure.results import audit_results, protect_results

    # BU01 (referrals by kind) and BU04 (by reporter) count the same referrals: their unit totals are one cell.
    totals = [("M", "total", "total", 60), ("d1", "total", "total", 22), ("d2", "total", "total", 38)]
    kinds = [("M", "kind", "a", 30), ("M", "kind", "b", 30), ("d1", "kind", "a", 11), ("d1", "kind", "b", 11),
             ("d2", "kind", "a", 19), ("d2", "kind", "b", 19)]  # fmt: skip
    reporters = [("M", "reporter", "x", 20), ("M", "reporter", "y", 40), ("d1", "reporter", "x", 2),
                 ("d1", "reporter", "y", 20), ("d2", "reporter", "x", 18), ("d2", "reporter", "y", 20)]  # fmt: skip
    bu01 = _results([(*r, r[3]) for r in totals + kinds]).assign(indicator="BU01")
    bu04 = _results([(*r, r[3]) for r in totals + reporters]).assign(indicator="BU04")
    both = pd.concat([bu01, bu04], ignore_index=True)
    out = protect_results(both, UNITS)
    hidden = out[out["disclosure"] != "published"]
    assert ("d1", "x") in set(zip(hidden["unit_code"], hidden["breakdown_value"], strict=True))
    shown = out[out["breakdown"] == "total"].pivot(index="unit_code", columns="indicator", values="disclosure")
    # A total hidden in one indicator is hidden in the other: else BU01 would give away what BU04 hides.
    assert ((shown["BU01"] == "published") == (shown["BU04"] == "published")).all()
    assert not audit_results(out, UNITS)["exposed"].any()
    # The audit sees the shared cell. Hide d1|x behind the reporters' totals: BU04 alone would be safe
    # (d1|x + d2|x = 20, d1|x anywhere in [0, 20]), but BU01 publishes d1's total, 22, and so d1|x = 2.
    pattern = {("BU04", "d1", "x"): "primary", ("BU04", "d2", "x"): "secondary",
               ("BU04", "d1", "total"): "secondary", ("BU04", "d2", "total"): "secondary"}  # fmt: skip
    keys = zip(both["indicator"], both["unit_code"], both["breakdown_value"], strict=True)
    hand = both.assign(disclosure=[pattern.get(k, "published") for k in keys])
    hand["rule"] = hand["disclosure"].map({"primary": "persons", "secondary": "secondary", "published": ""})
    found = audit_results(hand, UNITS).set_index(["indicator", "unit_code", "breakdown_value"])
    assert bool(found.at[("BU04", "d1", "x"), "exposed"])
    assert (found.at[("BU04", "d1", "x"), "lower"], found.at[("BU04", "d1", "x"), "upper"]) == (2, 2)
    also = hand["indicator"].eq("BU01") & hand["unit_code"].isin(["d1", "d2"]) & hand["breakdown"].eq("total")
    hand.loc[also, "disclosure"] = "secondary"  # not enough: BU01's kinds still add up to d1's total
    assert bool(
        audit_results(hand, UNITS)
        .set_index(["indicator", "unit_code", "breakdown_value"])
        .at[("BU04", "d1", "x"), "exposed"]
    )


def test_indicators_about_no_persons_are_never_suppressed() -> None:
    from socialstat.disclosure.results import protect_results

    # KO01 (the cost of the services per inhabitant) says `disclosure: none`: a cost on 1 row is no person.
    costs = _shares([("M", 9_000_000, 60_000, 1), ("d1", 4_000_000, 25_000, 1), ("d2", 5_000_000, 35_000, 1)], "ratio")
    assert set(protect_results(costs.assign(indicator="KO01"), UNITS)["disclosure"]) == {"published"}
    assert "primary" in set(protect_results(costs, UNITS)["disclosure"])  # any other indicator would be
