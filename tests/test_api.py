"""The statistics API: a real server on 127.0.0.1, read by httpx and by pxwebpy (a PxWeb API 2.0 client written by
others); every value equals the release's export, and every bad request is a 4xx in the problem format."""

from __future__ import annotations

import io
import shutil
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pandas as pd
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given, settings
from pxweb import PxApi
from schemathesis.checks import positive_data_acceptance

from conftest import small_release
from socialstat.api import create_app
from socialstat.export.long import long_cells
from socialstat.px import read_px
from socialstat.release import Release

IDS = ["BU01", "EB01"]
TABLE = "BU01-municipalities-kind"


@pytest.fixture(scope="module")
def release(tmp_path_factory: pytest.TempPathFactory) -> Release:
    return small_release(tmp_path_factory.mktemp("api"), "2024-api", IDS, seed=3)


@pytest.fixture(scope="module")
def base(release: Release) -> Iterator[str]:
    server = uvicorn.Server(uvicorn.Config(create_app(release.path), host="127.0.0.1", port=0, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}/api/v2"
    server.should_exit = True
    thread.join(timeout=10)


def _cells(release: Release, table: str) -> pd.DataFrame:
    long = long_cells(release)
    indicator, structure, breakdown = table.split("-", 2)
    mine = long[(long["indicator"] == indicator) & (long["structure"] == structure)]
    return mine[mine["breakdown"].isin(["total", breakdown])]


def test_config_tables_and_metadata(base: str) -> None:
    config = httpx.get(f"{base}/config").json()
    assert config["apiVersion"] >= "2.0.0"
    assert config["defaultLanguage"] == "sv"
    assert {lang["id"] for lang in config["languages"]} == {"sv", "en"}
    listed = httpx.get(f"{base}/tables", params={"pageSize": 1}).json()
    assert listed["page"]["totalElements"] > 1
    assert listed["page"]["totalPages"] == listed["page"]["totalElements"]
    assert len(listed["tables"]) == 1
    found = httpx.get(f"{base}/tables", params={"query": "slag", "lang": "sv"}).json()["tables"]
    assert [t["id"] for t in found] == [TABLE]
    table = httpx.get(f"{base}/tables/{TABLE}", params={"lang": "en"}).json()
    assert table["label"] == "Referrals by kind (municipalities)"
    assert (table["firstPeriod"], table["lastPeriod"]) == ("2023", "2024")
    meta = httpx.get(f"{base}/tables/{TABLE}/metadata").json()
    assert meta["id"] == ["unit", "period", "kind"]
    assert "value" not in meta
    assert meta["dimension"]["kind"]["category"]["label"]["application"] == "Ansökan"
    folders = httpx.get(f"{base}/navigation").json()["folderContents"]
    assert {f["id"] for f in folders} == {"children_youth", "economic_assistance"}
    inside = httpx.get(f"{base}/navigation/children_youth").json()["folderContents"]
    assert TABLE in {t["id"] for t in inside}
    assert httpx.get(f"{base}/openapi.json").json()["info"]["title"].startswith("socialstat")


def test_data_selections_equal_the_export(base: str, release: Release) -> None:
    cells = _cells(release, TABLE).set_index(["unit_code", "period", "breakdown_value"])
    doc = httpx.get(f"{base}/tables/{TABLE}/data", params={"valueCodes[period]": "2024"}).json()
    assert doc["size"] == [1, 1, 4]
    kinds = list(doc["dimension"]["kind"]["category"]["index"])
    for k, kind in enumerate(kinds):
        want = cells.loc[("1407", 2024, kind)]
        got = doc["value"][k]
        assert (got is None and pd.isna(want["value"])) or got == pytest.approx(want["value"])
        assert doc.get("status", {}).get(str(k), "") == want["status"]
    posted = httpx.post(
        f"{base}/tables/{TABLE}/data",
        json={"selection": [{"variableCode": "kind", "valueCodes": ["rep*"]}, {"variableCode": "period",
                                                                              "valueCodes": ["*"]}]},
    ).json()  # fmt: skip
    assert posted["size"] == [1, 2, 1]
    assert posted["value"] == [cells.loc[("1407", year, "report"), "value"] for year in (2023, 2024)]
    csv = httpx.get(f"{base}/tables/{TABLE}/data", params={"outputFormat": "csv", "lang": "en"})
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text.splitlines()[0] == "Unit,Year,kind,value,status"
    assert len(csv.text.splitlines()) == 1 + len(cells)


@pytest.mark.parametrize(
    ("method", "path", "params", "status", "detail"),
    [
        ("get", "/tables/nope", {}, 404, "no table 'nope'"),
        ("get", "/tables", {"lang": "fi"}, 400, "query.lang: Input should be 'sv' or 'en'"),
        ("get", "/tables", {"pageSize": "many"}, 400, "pageSize"),
        ("get", "/tables", {"pageSize": 0}, 400, "query.pageSize: Input should be greater than or equal to 1"),
        ("get", f"/tables/{TABLE}/data", {"valueCodes[colour]": "red"}, 400, "no variables ['colour']"),
        ("get", f"/tables/{TABLE}/data", {"valueCodes[kind]": "gossip"}, 400, "kind has no value 'gossip'"),
        ("get", f"/tables/{TABLE}/data", {"valueCodes[kind]": "a*b"}, 400, "may only start or end"),
        ("get", f"/tables/{TABLE}/data", {"outputFormat": "html"}, 400, "query.outputFormat: Input should be"),
        ("get", f"/tables/{TABLE}/data", {"select": "all"}, 400, "unknown parameter 'select'"),
        ("get", "/codelists/vs_Region", {}, 404, "no code list"),
        ("get", "/navigation/nowhere", {}, 404, "no folder"),
        ("delete", f"/tables/{TABLE}", {}, 405, "Method Not Allowed"),
        ("get", "/../../etc/passwd", {}, 404, "Not Found"),
    ],
)
def test_bad_requests_get_a_problem_not_a_crash(
    base: str, method: str, path: str, params: dict[str, object], status: int, detail: str
) -> None:
    response = httpx.request(method.upper(), f"{base}{path}", params=params)  # type: ignore[arg-type]
    assert response.status_code == status
    assert response.headers["content-type"].startswith("application/problem+json")
    problem = response.json()
    assert problem["status"] == status
    assert detail in problem["detail"]


def test_bad_bodies_get_a_problem(base: str) -> None:
    url = f"{base}/tables/{TABLE}/data"
    assert httpx.post(url, content="selection", headers={"content-type": "text/plain"}).status_code == 415
    assert httpx.post(url, content="{not json", headers={"content-type": "application/json"}).status_code == 400
    for body in ([1, 2], {"selection": "all"}, {"selection": [{"valueCodes": ["x"]}]},
                 {"selection": [{"variableCode": "kind", "valueCodes": "report"}]}):  # fmt: skip
        response = httpx.post(url, json=body)
        assert response.status_code == 400, body
        assert response.json()["title"] == "Bad request"


def test_a_pxweb_client_lists_the_tables_and_reads_the_values_of_the_export(base: str, release: Release) -> None:
    api = PxApi(url=base)
    assert TABLE in {t["id"] for t in api.all_tables()}
    rows = api.get_table_data(TABLE, value_codes={"unit": ["1407"], "period": ["*"], "kind": ["*"]}, show="code")
    cells = _cells(release, TABLE).set_index(["unit_code", "period", "breakdown_value"])
    assert len(rows) == len(cells)
    for row in rows:
        values = list(row.values())
        unit, year, kind, value = values[0], values[1], values[2], row["value"]
        want = cells.loc[(unit, int(year), kind), "value"]
        assert (value is None and pd.isna(want)) or value == pytest.approx(want)


def test_serve_refuses_a_folder_that_is_not_a_release(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from socialstat.cli import cli

    result = CliRunner().invoke(cli, ["serve", str(tmp_path)])
    assert result.exit_code == 1
    assert "not a socialstat release" in result.output


def test_the_api_keeps_to_its_openapi_document(base: str) -> None:
    # Generated requests must get documented answers: a documented status code and content type, a body of the
    # documented schema, 405 with the right Allow header, never a 5xx. Excluded: "schema-valid data is accepted",
    # because the schema cannot say which variables and value codes a table has (an unknown one is a 400).
    schema = schemathesis.openapi.from_url(f"{base}/openapi.json")
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) == 9
    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        def conforms(case: schemathesis.Case) -> None:
            case.call_and_validate(excluded_checks=[positive_data_acceptance])

        conforms()


def test_worker_processes_build_the_app_from_the_environment(release: Release, monkeypatch: pytest.MonkeyPatch) -> None:
    from socialstat.api.app import RELEASE_ENV, app_from_env

    monkeypatch.delenv(RELEASE_ENV, raising=False)
    with pytest.raises(RuntimeError, match=RELEASE_ENV):
        app_from_env()
    monkeypatch.setenv(RELEASE_ENV, str(release.path))
    assert app_from_env().title.startswith("socialstat")


def test_data_in_every_output_format_holds_the_same_cells(base: str) -> None:
    params = {"valueCodes[period]": "*", "valueCodes[kind]": "*"}
    doc = httpx.get(f"{base}/tables/{TABLE}/data", params=params).json()
    want = [None if v is None else float(v) for v in doc["value"]]
    symbols = [doc.get("status", {}).get(str(k), "") for k in range(len(want))]

    def fetched(output: str) -> bytes:
        response = httpx.get(f"{base}/tables/{TABLE}/data", params={**params, "outputFormat": output})
        assert response.status_code == 200, response.text
        return response.content

    parquet = pd.read_parquet(io.BytesIO(fetched("parquet")))
    excel = pd.read_excel(io.BytesIO(fetched("xlsx")), engine="calamine")
    for read in (parquet, excel):
        assert [None if pd.isna(v) else v for v in read["value"]] == want
        assert [s if isinstance(s, str) else "" for s in read["status"]] == symbols
        assert list(read.columns[:2]) == ["unit", "unit_label"]
    path = Path(tmp := tempfile.mkdtemp()) / "selection.px"
    path.write_bytes(fetched("px"))
    px = read_px(path).to_frame()
    assert list(px.columns[:2]) == ["Enhet", "Enhet_code"]
    by_key = {(r["period"], r["kind"]): r for r in parquet.to_dict("records")}
    for row in px.to_dict("records"):
        expected = by_key[(row["År_code"], row["slag_code"])]
        assert (row["symbol"] or "") == expected["status"] or (row["symbol"] == "-" and expected["status"] == "-")
        if expected["status"] != "..":
            assert row["value"] == pytest.approx(0.0 if expected["status"] == "-" else expected["value"])
    shutil.rmtree(tmp)
