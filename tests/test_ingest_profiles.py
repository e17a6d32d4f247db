"""Source profiles: the shipped ones are valid and complete; broken ones fail before any file is read."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from socialstat.errors import SpecificationError
from socialstat.ingest import list_profiles, load_profile, normalise, parse_profile
from socialstat.model import load_model


def test_four_profiles_cover_the_four_extract_kinds_with_different_conventions() -> None:
    profiles = [load_profile(n) for n in list_profiles()]
    assert sorted(p.extract for p in profiles) == [
        "assistance_payments",
        "interventions",
        "investigations",
        "referrals",
    ]
    assert {p.file.format for p in profiles} == {"csv", "excel"}
    assert {p.file.encoding for p in profiles} >= {"windows-1252", "utf-8-sig", "utf-8"}
    assert {p.file.delimiter for p in profiles if p.file.format == "csv"} == {";", ","}
    assert {p.area_match for p in profiles} == {"name", "code"}


@pytest.mark.parametrize("name", list_profiles())
def test_every_canonical_code_has_a_source_label(name: str) -> None:
    # So that every canonical value can be written in the system's own terms (generated extracts) and read back.
    profile = load_profile(name)
    model = load_model()
    for column, lookup in profile.values.items():
        codes = "referral_reason" if column == "reason" else profile.table.column(column).codes
        assert set(lookup.values()) == set(model.codes(codes or "").values()), (name, column)
    for column in profile.table.columns:
        if column.codes and column.name in profile.columns:
            assert column.name in profile.values, (name, column.name)


@pytest.mark.parametrize("name", list_profiles())
def test_free_text_columns_are_dropped_unread(name: str) -> None:
    profile = load_profile(name)
    assert profile.drop
    assert not {normalise(d) for d in profile.drop} & {normalise(c) for c in profile.read_columns}


def test_labels_match_whatever_their_case_and_spacing() -> None:
    profile = load_profile("treserva-referrals")
    assert profile.values["kind"][normalise("  ANMÄLAN ")] == "report"
    assert profile.values["reporter"][normalise("Privatperson/anhörig")] == "private_relative"
    assert profile.booleans[normalise("Ja")] is True


def _raw(name: str) -> dict[str, Any]:
    path = Path(__file__).resolve().parents[1] / "src/socialstat/ingest/profiles" / f"{name}.yaml"
    return dict(yaml.safe_load(path.read_text(encoding="utf-8")))


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda p: p.update(extract="placements"), "extract must be one of"),
        (lambda p: p["file"].update(format="dbase"), "file.format must be one of"),
        (lambda p: p["file"].update(encoding="klingon-8"), "not a known encoding"),
        (lambda p: p["file"].update(delimiter=","), "single, different characters"),
        (lambda p: p["file"].update(header_row=0), "header_row must be a whole number"),
        (lambda p: p["columns"].pop("received_date"), "required columns of referrals have no source column"),
        (lambda p: p["columns"].update(colour="Färg"), "not columns of referrals"),
        (lambda p: p["columns"].update(person_key="Personnummer"), "filled by ingest"),
        (lambda p: p["columns"].update(decision_date="Ärendenummer"), "read the same source header"),
        (lambda p: p["values"]["kind"].update(phone=["Telefon"]), "'phone' is not a code of referral_kind"),
        (lambda p: p["values"]["kind"].update(application=["Anmälan"]), "maps to both"),
        (lambda p: p.update(drop=["Personnummer"]), "drop lists columns that are also read"),
        (lambda p: p.update(area={"match": "name"}), "area needs a column"),
        (lambda p: p.pop("reasons"), "needs reasons"),
        (lambda p: p.pop("identity"), "identity.column must be a non-empty text"),
        (lambda p: p.update(constants={"kind": "report"}), "given both as a source column and as a constant"),
        (lambda p: (p["columns"].pop("kind"), p.update(constants={"kind": "phone"})), "'phone' is not a code"),
    ],
)
def test_broken_profiles_are_rejected_naming_the_file_and_field(change: Any, message: str) -> None:
    raw = copy.deepcopy(_raw("treserva-referrals"))
    change(raw)
    with pytest.raises(SpecificationError, match=message) as info:
        parse_profile(raw, "my-profile.yaml")
    assert str(info.value).startswith("my-profile.yaml: ")


def test_a_profile_file_by_path_and_unknown_names(tmp_path: Path) -> None:
    path = tmp_path / "mine.yaml"
    raw = _raw("viva-assistance") | {"name": "mine"}
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    assert load_profile(path).name == "mine"
    with pytest.raises(SpecificationError, match="unknown profile 'nosuch'; shipped: "):
        load_profile("nosuch")
    (tmp_path / "bad.yaml").write_bytes(b"name: [unclosed")
    with pytest.raises(SpecificationError, match=r"bad\.yaml: cannot read the profile"):
        load_profile(tmp_path / "bad.yaml")


def test_cli_lists_and_shows_profiles(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from socialstat.cli import cli

    runner = CliRunner()
    listed = runner.invoke(cli, ["profile", "list"])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == list_profiles()
    shown = runner.invoke(cli, ["profile", "show", "treserva-referrals"])
    assert shown.exit_code == 0
    assert "encoding windows-1252, delimiter ';'" in shown.output
    assert "reason             <- 'Skäl 1', 'Skäl 2', 'Skäl 3'" in shown.output
    assert "dropped unread: 'Namn', 'Adress', 'Handläggare', 'Anteckning', 'Fritext'" in shown.output
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(_raw("treserva-referrals") | {"extract": "placements"}), encoding="utf-8")
    failed = runner.invoke(cli, ["profile", "show", str(broken)])
    assert failed.exit_code == 1
    assert "Error: broken.yaml: extract must be one of" in failed.output
