"""What the fuzzer found (issue 15): a number too large for the database answered 500 on
SQLite, and control characters got into text fields, after which the XLSX export of the whole
scope failed. Both are refused at the door now, on the API and on pages, for every module."""

from __future__ import annotations

import pytest

from outbreakhq.core import tokens
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Role
from tests.factories import make_person, make_user, territory

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775808"  # 2**63: one more than a bigint holds


@pytest.fixture
def land():
    return territory()


@pytest.fixture
def api(client, land):
    tracer = make_user(Role.TRACER, land.county1)
    token = tokens.issue_token(actor=Actor.of(tracer), name="door")[1]
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


@pytest.mark.parametrize("path", [
    f"/api/v1/contacts/?case={HUGE}",
    f"/api/v1/contacts/?case=-{HUGE}1",
    f"/api/v1/contacts/{HUGE}/",
    f"/api/v1/cases/{HUGE}/",
    f"/api/v1/cases/?limit={HUGE}",
    f"/api/v1/contacts/{HUGE}/followups/",
])
def test_a_number_too_large_is_a_400_or_404_never_500(api, path):
    response = api.get(path)
    assert response.status_code in (400, 404), response.content[:300]
    body = response.json()
    assert set(body) == {"error", "errors"}


def test_a_number_too_large_in_a_body_names_the_field(api):
    response = api.post(f"/api/v1/cases/{HUGE}/source/", {"source_case": int(HUGE)},
                        content_type="application/json")
    assert response.status_code in (400, 404)
    response = api.post("/api/v1/cases/", {"person": int(HUGE), "report_date": "2026-01-01",
                                           "classification": "confirmed",
                                           "detection_route": "clinic"},
                        content_type="application/json")
    assert response.status_code == 400, response.content
    assert any(e["field"] == "person" for e in response.json()["errors"]), response.json()


def test_every_integer_parameter_of_the_schema_is_range_checked(api):
    """Walk the OpenAPI schema: each GET with an integer query or path parameter, given 2**63."""
    from outbreakhq.api import api as ninja_api

    schema = ninja_api.get_openapi_schema()
    tried = 0
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            if method != "get":
                continue
            for param in operation.get("parameters", []):
                if param.get("schema", {}).get("type") != "integer" and "integer" not in str(
                        param.get("schema", {}).get("anyOf", "")):
                    continue
                url = path
                query = ""
                if param["in"] == "path":
                    url = path.replace("{" + param["name"] + "}", HUGE)
                else:
                    query = f"?{param['name']}={HUGE}"
                url = url.replace("{", "").replace("}", "")  # other path parameters: names
                for other in operation.get("parameters", []):
                    if other["in"] == "path" and other["name"] != param["name"]:
                        url = url.replace(other["name"], "1")
                response = api.get(url + query)
                tried += 1
                assert response.status_code in (400, 404), f"{url}{query}: {response.status_code}"
    assert tried >= 5


@pytest.mark.parametrize("char", ["\x01", "\x0b", "\x1b", "\x7f"])
def test_control_characters_are_refused_in_json_text(api, char):
    response = api.post("/api/v1/cases/", {"external_id": f"C{char}1", "report_date": "2026-01-01"},
                        content_type="application/json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"][0]["field"] == "external_id"
    assert "control character" in body["error"]


def test_tab_and_new_lines_are_text_not_control_characters(api, land):
    response = api.get("/api/v1/cases/?q=a%09b")
    assert response.status_code != 400 or "control" not in response.json()["error"]


def test_control_characters_are_refused_in_forms_and_queries(client, land):
    admin = make_user(Role.ADMIN, land.region)
    client.force_login(admin)
    response = client.post("/people/new/", {"name": "Li\x0bMing"})
    assert response.status_code == 400
    assert b"name contains a control character (U+000B)" in response.content
    response = client.get("/people/?q=Li%1b")
    assert response.status_code == 400


def test_a_number_too_large_on_a_page_is_a_400(client, land):
    client.force_login(make_user(Role.ADMIN, land.region))
    response = client.get(f"/tracing/contacts/?case={HUGE}")
    assert response.status_code in (200, 400, 404)


def test_xlsx_export_leaves_out_control_characters_older_data_holds(client, land):
    """Older rows written before the door refused them: the XLSX export of the scope works,
    without the characters; CSV keeps the text as it is."""
    import io

    from openpyxl import load_workbook

    from outbreakhq.tracing.models import Case
    from tests.tracing.conftest import open_case

    tracer = make_user(Role.TRACER, land.county1, username="tina")
    case = open_case(tracer, make_person(land.compound1, name="Li"), external_id="C1")
    Case.objects.filter(pk=case.pk).update(external_id="C\x011", notes="first\x0bsecond\nthird")
    client.force_login(tracer)
    response = client.get("/export/cases/?format=xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[0]
    assert rows[1][header.index("external_id")] == "C1"
    if "notes" in header:
        assert rows[1][header.index("notes")] == "firstsecond\nthird"
    response = client.get("/export/cases/?format=csv")
    assert "C\x011" in b"".join(response.streaming_content).decode()
