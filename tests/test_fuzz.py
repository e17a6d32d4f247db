"""The fuzz harnesses (fuzz/): every seed and every input that once found a bug (tests/data/fuzz/<target>/) goes
through its harness again; hypothesis properties of the PX and JSON-stat writers and the YAML loaders; and one
short run under atheris, so the harnesses keep starting."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd
import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import script_module

pytest.importorskip("atheris")  # atheris 3.0 has no build for Python 3.12 and later

from socialstat.disclosure.rules import load_rules, parse_rules
from socialstat.errors import PxError, SpecificationError
from socialstat.export.jsonstat import check_jsonstat, datasets
from socialstat.export.long import COLUMNS, TOTAL
from socialstat.indicators.spec import parse_indicator
from socialstat.ingest.profile import load_profile, parse_profile
from socialstat.ingest.read import ExtractError, read_extract
from socialstat.px import PxSpec, PxVariable, write_px

ROOT = Path(__file__).resolve().parents[1]
FUZZ = ROOT / "fuzz"
REGRESSIONS = Path(__file__).parent / "data" / "fuzz"
TARGETS = ["identity", "extract_csv", "extract_excel", "px_read", "px_write", "jsonstat", "yaml"]


def harness(target: str) -> ModuleType:
    """fuzz/fuzz_<target>.py as a module (atheris imported, not started)."""
    return script_module(FUZZ / f"fuzz_{target}.py")


def refusal(kind: type[Exception], call: Callable[..., Any], *args: Any) -> Exception | None:
    """The `kind` error `call(*args)` raised, or None when it returned (any other exception propagates)."""
    try:
        call(*args)
    except kind as err:
        return err
    return None


def _inputs() -> list[Any]:
    found = []
    for target in TARGETS:
        for folder in (FUZZ / "seeds" / target, REGRESSIONS / target):
            for path in sorted(folder.glob("*")) if folder.is_dir() else []:
                found.append(pytest.param(target, path, id=f"{folder.parent.name}/{target}/{path.name}"))
    return found


def _replace(document: Any, path: list[int], value: Any) -> Any:
    """`document` with the node chosen by `path` (indexes into mappings' keys or lists, modulo) replaced."""
    if not path or not isinstance(document, dict | list) or not document:
        return value
    if isinstance(document, dict):
        key = list(document)[path[0] % len(document)]
        return {**document, key: _replace(document[key], path[1:], value)}
    k = path[0] % len(document)
    return [*document[:k], _replace(document[k], path[1:], value), *document[k + 1 :]]


def test_every_target_has_a_harness_and_seeds() -> None:
    assert {p.stem.removeprefix("fuzz_") for p in FUZZ.glob("fuzz_*.py")} >= set(TARGETS)
    for target in TARGETS:
        assert any((FUZZ / "seeds" / target).iterdir()), target
    assert sum(p.stat().st_size for p in (FUZZ / "seeds").rglob("*") if p.is_file()) < 2_000_000


@pytest.mark.parametrize(("target", "path"), _inputs())
def test_seeds_and_regressions_pass_their_harness(target: str, path: Path) -> None:
    harness(target).one_input(path.read_bytes())  # raises only on a bug


def test_the_regressions_give_clear_errors(tmp_path: Path) -> None:
    """The inputs kept as regressions give the error their fix added, naming the file."""
    csv = tmp_path / "extract.csv"
    csv.write_bytes((REGRESSIONS / "extract_csv" / "cr-in-header.csv").read_bytes())
    with pytest.raises(ExtractError, match=r"extract\.csv: the header on line 1 is not one CSV line"):
        read_extract(csv, load_profile("procapita-interventions"))
    bomb, nested = REGRESSIONS / "yaml" / "alias-bomb.yaml", REGRESSIONS / "yaml" / "nested-500.yaml"
    with pytest.raises(SpecificationError, match=r"alias-bomb\.yaml: more than 100000 values"):
        load_profile(bomb)
    with pytest.raises(SpecificationError, match=r"nested-500\.yaml: cannot read the disclosure rules"):
        load_rules(str(nested))
    with pytest.raises(SpecificationError, match=r"fuzz\.yaml: an indicator must be a mapping"):
        parse_indicator(None, "fuzz.yaml")  # type: ignore[arg-type]  # an empty file
    table_null = yaml.safe_load((REGRESSIONS / "yaml" / "indicator-table-null.yaml").read_text("utf-8"))
    with pytest.raises(SpecificationError, match=r"fuzz\.yaml \(BU07\) numerator: None is not a table"):
        parse_indicator(table_null, "fuzz.yaml")


# ---------------------------------------------------------------- properties: the PX writer

TEXT = st.text(st.characters(blacklist_categories=("Cs",)), max_size=6)
VALUE = st.one_of(st.none(), st.floats(allow_infinity=False), st.integers(-(10**12), 10**12).map(float))
SYMBOL = st.sampled_from([None, None, ".", "..", "...", "-"])


@st.composite
def px_specs(draw: st.DrawFn) -> PxSpec:
    languages = tuple(draw(st.lists(st.sampled_from(["sv", "en", "fi"]), min_size=1, max_size=3, unique=True)))
    names = draw(st.lists(st.text("abcåäö ", min_size=1, max_size=5), min_size=1, max_size=4, unique=True))
    variables = []
    for name in names:
        size = draw(st.integers(1, 3))
        labels = {lang: draw(st.lists(TEXT, min_size=size, max_size=size)) for lang in languages}
        codes = draw(st.one_of(st.none(), st.lists(TEXT, min_size=size, max_size=size)))
        variables.append(PxVariable({lang: f"{name}{lang}" for lang in languages}, labels, codes, draw(st.booleans())))
    cells = math.prod(len(v.labels[languages[0]]) for v in variables)
    n_stub = draw(st.integers(0, len(variables)))
    texts = st.dictionaries(st.sampled_from(languages), TEXT)
    return PxSpec(
        matrix=draw(TEXT), languages=languages, title=draw(texts), contents=draw(texts), units=draw(texts),
        subject_code=draw(TEXT), subject_area=draw(texts), stub=variables[:n_stub], heading=variables[n_stub:],
        values=draw(st.lists(VALUE, min_size=cells, max_size=cells)),
        symbols=draw(st.lists(SYMBOL, min_size=cells, max_size=cells)), notes=draw(texts),
    )  # fmt: skip


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(spec=px_specs())
def test_written_px_specs_read_back_in_every_language(tmp_path: Path, spec: PxSpec) -> None:
    path = tmp_path / "table.px"
    err = refusal(PxError, write_px, path, spec)
    if err is not None:
        assert "NUL" in str(err)  # the only thing refused among these specs
        return
    for lang in spec.languages:
        harness("px_write").check_frame(path, spec, lang)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"stub": []}, None),  # a heading alone: no STUB line is written (`STUB=;` is not PX)
        ({"languages": ("sv", "s v")}, "must be distinct codes"),
        ({"decimals": 16}, "DECIMALS must be a whole number from 0 to 15"),
        ({"values": [math.inf], "symbols": [None]}, "a cell is infinite"),
        ({"heading": [PxVariable({"sv": "value"}, {"sv": ["x"]})]}, r"columns \['value'\] clash"),
        ({"heading": [PxVariable({"sv": "år"}, {"sv": []})], "values": [], "symbols": []}, "at least one value"),
        ({"title": {"sv": "a\x00b"}}, "NUL character"),
        (  # a KeyError before: the names were checked as a strict subset of the languages
            {
                "languages": ("sv", "en"),
                "heading": [PxVariable({"sv": "år", "de": "Jahr"}, {"sv": ["1"], "en": ["1"]})],
            },
            "names and labels are needed in every language",
        ),
    ],
)
def test_the_px_writer_refuses_what_it_cannot_write(
    tmp_path: Path, change: dict[str, Any], message: str | None
) -> None:
    year = PxVariable({"sv": "år"}, {"sv": ["2024"]}, ["2024"], time=True)
    base: dict[str, Any] = {
        "matrix": "X", "languages": ("sv",), "title": {"sv": "T"}, "contents": {}, "units": {}, "subject_code": "X",
        "subject_area": {}, "stub": [], "heading": [year], "values": [1.0], "symbols": [None],
    }  # fmt: skip
    spec = PxSpec(**{**base, **change})
    if message is None:
        write_px(tmp_path / "x.px", spec)
        harness("px_write").check_frame(tmp_path / "x.px", spec, "sv")
    else:
        with pytest.raises(PxError, match=message):
            write_px(tmp_path / "x.px", spec)


# ---------------------------------------------------------------- properties: the JSON-stat writer

NUMBER = st.one_of(st.just(math.nan), st.floats(allow_nan=False, allow_infinity=False))


@st.composite
def long_tables(draw: st.DrawFn) -> pd.DataFrame:
    units = draw(st.lists(st.text(max_size=4), min_size=1, max_size=3, unique=True))
    names = {u: draw(st.one_of(st.none(), st.just(math.nan), st.text(max_size=4))) for u in units}
    keys = draw(
        st.lists(
            st.tuples(st.sampled_from(units), st.integers(2015, 2017),
                      st.sampled_from([("total", TOTAL), ("sex", "F"), ("sex", "M"), ("kind", "x"), ("kind", "")])),
            min_size=1, max_size=20, unique=True,
        )
    )  # fmt: skip
    rows = []
    for unit, period, (breakdown, value) in keys:
        row: dict[str, Any] = dict.fromkeys(COLUMNS)
        row.update(indicator="A1", structure="kommun", unit_code=unit, unit_name=names[unit], unit_name_en=None,
                   unit_level=draw(st.sampled_from([None, 1, 2])), period=period, breakdown=breakdown,
                   breakdown_value=value, value=draw(NUMBER), lower=draw(NUMBER), upper=draw(NUMBER),
                   status=draw(st.sampled_from([None, math.nan, "..", "-"])))  # fmt: skip
        rows.append(row)
    return pd.DataFrame(rows, columns=COLUMNS)


@settings(max_examples=60, deadline=None)
@given(long=long_tables(), lang=st.sampled_from(["sv", "en"]))
def test_json_stat_datasets_of_any_cells_are_valid_strict_json(long: pd.DataFrame, lang: str) -> None:
    fuzz = harness("jsonstat")
    for name, doc in datasets(long, fuzz.META, fuzz.MANIFEST, lang):
        breakdown = name.split("-")[-1]
        fuzz.check_dataset(doc, long[long["breakdown"].isin(["total", breakdown])])
        assert all(isinstance(label, str) for label in doc["dimension"]["unit"]["category"]["label"].values())
        assert all(status in ("..", "-") for status in doc.get("status", {}).values())


JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-2, 5) | st.floats(allow_nan=False) | st.text(max_size=3),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=3), inner, max_size=3),
    max_leaves=6,
)
VALID = json.loads((Path(__file__).parent / "data" / "jsonstat" / "oecd.json").read_text("utf-8"))


@settings(max_examples=200, deadline=None)
@given(changes=st.lists(st.tuples(st.lists(st.integers(0, 500), max_size=5), JSON), min_size=1, max_size=3))
def test_the_json_stat_checker_reports_problems_of_any_document(changes: list[tuple[list[int], Any]]) -> None:
    document = VALID
    for path, value in changes:
        document = _replace(document, path, value)
    problems = check_jsonstat(document)
    assert all(isinstance(code, str) and code.isupper() and message for code, message in problems)


# ---------------------------------------------------------------- properties: the YAML loaders

SHIPPED = ROOT / "src" / "socialstat"
DOCUMENTS = {
    "profile": yaml.safe_load((SHIPPED / "ingest" / "profiles" / "treserva-referrals.yaml").read_text("utf-8")),
    "rules": yaml.safe_load((SHIPPED / "disclosure" / "rules.yaml").read_text("utf-8")),
    "indicator": yaml.safe_load((SHIPPED / "indicators" / "catalogue" / "BU07.yaml").read_text("utf-8")),
}
SCALAR = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False), st.text(max_size=5))
YAML_VALUE = st.recursive(
    SCALAR, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=8,
)  # fmt: skip
PARSERS = {"profile": parse_profile, "rules": parse_rules, "indicator": parse_indicator}


@settings(max_examples=150, deadline=None)
@given(
    kind=st.sampled_from(sorted(DOCUMENTS)),
    changes=st.lists(st.tuples(st.lists(st.integers(0, 30), max_size=4), YAML_VALUE), min_size=1, max_size=3),
)
def test_shipped_documents_with_any_field_replaced_load_or_raise_specification_error(
    kind: str, changes: list[tuple[list[int], Any]]
) -> None:
    document = DOCUMENTS[kind]
    for path, value in changes:
        document = _replace(document, path, value)
    text = yaml.safe_dump(document, allow_unicode=True)  # what a file would hold
    err = refusal(SpecificationError, PARSERS[kind], yaml.safe_load(text), f"{kind}.yaml")
    assert err is None or str(err).startswith((f"{kind}.yaml: ", f"{kind}.yaml ("))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(document=YAML_VALUE)
def test_rules_files_of_any_yaml_load_or_raise_specification_error(tmp_path: Path, document: Any) -> None:
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(document), encoding="utf-8")
    err = refusal(SpecificationError, load_rules, str(path))
    load_rules.cache_clear()
    assert err is None or str(err).startswith("rules.yaml: ")


# ---------------------------------------------------------------- the harnesses start under atheris


def test_a_harness_runs_under_atheris(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, str(FUZZ / "fuzz_identity.py"), str(tmp_path), str(FUZZ / "seeds" / "identity"),
         "-runs=500", f"-artifact_prefix={tmp_path}/"],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr[-2000:]
    assert "Done 500 runs" in result.stderr


def test_run_py_reads_libfuzzer_counts() -> None:
    run = script_module(FUZZ / "run.py", "fuzz_run")
    log = (
        "#2\tINITED cov: 77 ft: 105 corp: 8/107b exec/s: 0 rss: 44Mb\n"
        "#200000\tDONE   cov: 113 ft: 207 corp: 39/527b lim: 1860 exec/s: 100000 rss: 44Mb\n"
        "Done 200000 runs in 2 second(s)\n"
    )
    assert run._counts(log) == {
        "runs": 200000, "seconds": 2, "coverage_edges": 113, "features": 207, "corpus_size": 39, "crashes": [],
    }  # fmt: skip
    crashed = "#96\tNEW    cov: 9 ft: 9 corp: 2/3b\nartifact_prefix='a/'; Test unit written to a/crash-12ab\n"
    assert run._counts(crashed)["crashes"] == ["crash-12ab"]
