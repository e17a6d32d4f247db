"""The canonical model declared as data: its content, its consistency and its generated documentation."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from socialstat.errors import SpecificationError
from socialstat.model import load_model
from socialstat.model.docs import render_data_model
from socialstat.model.spec import _parse_code_lists, _parse_table

ROOT = Path(__file__).resolve().parents[1]


def test_data_model_doc_is_generated_from_the_schema() -> None:
    on_disk = (ROOT / "docs" / "data-model.md").read_text(encoding="utf-8")
    assert on_disk == render_data_model() + "\n", "docs/data-model.md is stale: run `make docs`"


def test_every_table_of_the_design_is_declared() -> None:
    expected = {
        "units", "unit_crosswalk", "areas", "area_units", "population", "costs", "persons", "referrals",
        "referral_reasons", "investigations", "interventions", "assistance_payments", "homelessness_survey",
        "batches", "quarantine", "schema_meta", "disclosure_record",
    }  # fmt: skip
    assert set(load_model().tables) == expected


def test_microdata_rows_carry_their_batch_and_personal_columns_are_marked() -> None:
    model = load_model()
    for table in model.tables_of_kind("microdata"):
        assert "batch_id" in table.column_names, table.name
    personal = {(t.name, c) for t in model.tables.values() for c in t.personal_columns}
    assert personal == {
        ("persons", "person_key"),
        ("referrals", "person_key"),
        ("investigations", "person_key"),
        ("interventions", "person_key"),
        ("assistance_payments", "household_key"),
        ("homelessness_survey", "person_key"),
        ("homelessness_survey", "household_key"),
    }


@pytest.mark.parametrize(
    ("code_list", "swedish_labels"),
    [
        ("referral_kind", {"Anmälan", "Ansökan", "Information på annat sätt"}),
        ("assessment_decision", {"Utredning inleds", "Utredning inleds inte", "Påförs pågående utredning"}),
        (
            "reporter",
            {"Polis", "Skola", "Förskola", "Hälso- och sjukvård", "Tandvård", "Socialtjänst (egen kommun)",
             "Socialtjänst (annan kommun)", "Annan myndighet", "Kriminalvård", "Ideell organisation",
             "Privatperson/anhörig", "Den enskilde själv", "Anonym", "Övrig"},
        ),
        (
            "referral_reason",
            {"Våld/övergrepp i hemmet", "Försummelse/bristande omsorg", "Relationsproblem i familjen",
             "Förälders missbruk", "Förälders psykiska ohälsa", "Hedersrelaterat våld", "Barnets eget missbruk",
             "Barnets kriminalitet", "Barnets självdestruktiva beteende/psykiska ohälsa", "Skolproblem",
             "Hot/våld från jämnåriga", "Barnet utsatt för brott", "Övrigt"},
        ),
        (
            "support_obstacle",
            {"Arbetslöshet", "Sjukskrivning", "Ohälsa utan sjukskrivning", "Föräldraledighet", "Otillräcklig inkomst",
             "Etablering/introduktion", "Övrigt"},
        ),
        (
            "legal_basis",
            {"SoL (socialtjänstlagen)", "LVU (lagen om vård av unga)", "LVM (lagen om vård av missbrukare)",
             "Annan lag"},
        ),
    ],
)  # fmt: skip
def test_code_lists_hold_the_required_codes(code_list: str, swedish_labels: set[str]) -> None:
    labels = {c.sv for c in load_model().codes(code_list).codes}
    assert labels == swedish_labels


def test_homelessness_situations_are_socialstyrelsens_four() -> None:
    codes = load_model().codes("homelessness_situation")
    assert codes.values() == ("1", "2", "3", "4")
    assert codes.label("1") == "Akut hemlöshet"
    assert codes.label("4", "en") == "Short-term housing arranged on one's own"


def test_every_intervention_category_belongs_to_a_service_area() -> None:
    model = load_model()
    areas = set(model.codes("service_area").values())
    categories = model.codes("intervention_category")
    assert {categories.attribute(c, "service_area") for c in categories.values()} == areas - {"economic_assistance"}
    assert categories.attribute("foster_care", "placement") is True
    assert categories.attribute("exit_programme", "service_area") == "criminality"


def test_unknown_lookups_raise_socialstat_errors() -> None:
    model = load_model()
    with pytest.raises(SpecificationError, match="unknown canonical table 'nope'"):
        model.table("nope")
    with pytest.raises(SpecificationError, match="unknown code list"):
        model.codes("nope")
    with pytest.raises(KeyError):
        model.codes("sex").label("X")


def test_malformed_specifications_are_rejected() -> None:
    code_lists = _parse_code_lists({"sex": {"codes": [{"code": "F", "sv": "Kvinna", "en": "Female"}]}})
    with pytest.raises(SpecificationError, match="type 'text'"):
        _parse_table("t", {"kind": "reference", "key": ["a"], "columns": {"a": {"type": "text"}}}, code_lists)
    with pytest.raises(SpecificationError, match="unknown code list 'gender'"):
        _parse_table(
            "t",
            {"kind": "reference", "key": ["a"], "columns": {"a": {"type": "string", "codes": "gender"}}},
            code_lists,
        )
    with pytest.raises(SpecificationError, match="key of 't' names unknown columns"):
        _parse_table("t", {"kind": "reference", "key": ["b"], "columns": {"a": {"type": "string"}}}, code_lists)
    with pytest.raises(SpecificationError, match="unknown fields"):
        _parse_table(
            "t", {"kind": "reference", "key": ["a"], "columns": {"a": {"type": "string", "colour": 1}}}, code_lists
        )
    with pytest.raises(SpecificationError, match="repeats a code"):
        _parse_code_lists({"x": {"codes": [{"code": "a", "sv": "a", "en": "a"}, {"code": "a", "sv": "b", "en": "b"}]}})


def test_a_label_split_by_an_unquoted_comma_is_refused() -> None:
    raw = yaml.safe_load("situation:\n  codes:\n    - {code: '1', sv: Akut, en: Acute (shelter, outdoors)}\n")
    with pytest.raises(SpecificationError, match="quote labels that hold a comma"):
        _parse_code_lists(raw)
    codes = load_model().codes("homelessness_situation")
    assert codes.label("1", "en") == "Acute homelessness (shelter, outdoors, emergency housing)"
