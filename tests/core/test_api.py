"""The JSON API: documented by OpenAPI, scoped like the pages, errors as `{error, errors}` with
the field named, and nothing without authentication."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Role
from tests.factories import Territory, make_person, make_user

pytestmark = pytest.mark.django_db



@pytest.fixture
def tracer_client(land: Territory) -> Client:
    client = Client()
    client.force_login(make_user(Role.TRACER, land.county1))
    return client


def test_openapi_lists_the_areas_and_people_paths_with_their_methods() -> None:
    response = Client().get("/api/v1/openapi.json")

    assert response.status_code == 200
    schema = response.json()
    paths = {path: set(ops) for path, ops in schema["paths"].items()}
    assert paths["/api/v1/areas/"] >= {"get"}
    assert paths["/api/v1/areas/{code}"] >= {"get"}
    assert paths["/api/v1/people/"] >= {"get", "post"}
    assert paths["/api/v1/people/{person_id}"] >= {"get", "patch"}
    assert schema["info"]["title"] == "OutbreakHQ API"
    summaries = [op.get("description") or op.get("summary")
                 for ops in schema["paths"].values() for op in ops.values()]
    assert all(summaries), "every operation carries its docstring"


def test_the_api_docs_page_renders_without_a_cdn() -> None:
    response = Client().get("/api/v1/docs")

    assert response.status_code == 200
    page = response.content.decode()
    assert "openapi.json" in page
    external = re.findall(r'(?:src|href)="(https?://[^"]+)"', page)
    assert external == [], "the docs page must load its scripts from our static files"


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/v1/areas/"), ("get", "/api/v1/areas/990101"),
    ("get", "/api/v1/people/?q=Li"), ("get", "/api/v1/people/1"),
    ("post", "/api/v1/people/"), ("patch", "/api/v1/people/1"),
])
def test_unauthenticated_calls_get_401(land: Territory, method: str, url: str) -> None:
    person = make_person(land.compound1)
    url = url.replace("/1", f"/{person.pk}")
    response = getattr(Client(), method)(url, {"name": "x"} if method != "get" else None,
                                         content_type="application/json")
    assert response.status_code == 401
    assert Person.objects.count() == 1


def test_a_session_call_that_writes_needs_the_csrf_token(land: Territory) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(make_user(Role.TRACER, land.county1))
    response = client.post("/api/v1/people/", {"name": "Wang", "home_area": land.compound1.code},
                           content_type="application/json")
    assert response.status_code == 403
    assert not Person.objects.exists()


def test_areas_are_listed_inside_the_users_scope_only(
        land: Territory, tracer_client: Client) -> None:
    codes = {a["code"] for a in tracer_client.get("/api/v1/areas/").json()}
    assert codes == {"990101", "990101001", "990101001001", "990101001001001"}

    children = tracer_client.get("/api/v1/areas/", {"parent": "990101"}).json()
    assert [(a["code"], a["parent_code"], a["level"]) for a in children] == [
        ("990101001", "990101", "township")]
    assert [a["code"] for a in tracer_client.get(
        "/api/v1/areas/", {"level": "compound"}).json()] == ["990101001001001"]


def test_one_area_is_returned_with_its_place_in_the_tree(
        land: Territory, tracer_client: Client) -> None:
    area = tracer_client.get(f"/api/v1/areas/{land.compound1.code}").json()
    assert area == {
        "code": land.compound1.code, "parent_code": land.compound1.parent.code,
        "level": "compound", "name_en": land.compound1.name_en,
        "name_zh": land.compound1.name_zh, "population": 1000, "depth": 5,
        "path": land.compound1.path}


@pytest.mark.parametrize("code", ["990102", "990102001", "990000", "B99010"])
def test_an_area_outside_scope_answers_403_and_is_audited(
        land: Territory, tracer_client: Client, code: str) -> None:
    for url in (f"/api/v1/areas/{code}", f"/api/v1/areas/?parent={code}",
                f"/api/v1/people/?q=Li&area={code}"):
        before = AuditEvent.objects.filter(action="denied").count()
        response = tracer_client.get(url)
        assert response.status_code == 403, url
        assert AuditEvent.objects.filter(action="denied").count() == before + 1, url


def test_an_unknown_area_answers_404(tracer_client: Client) -> None:
    response = tracer_client.get("/api/v1/areas/nowhere")
    assert response.status_code == 404
    assert "nowhere" in response.json()["error"]


def test_registering_through_the_api_returns_201_and_the_record(
        land: Territory, tracer_client: Client) -> None:
    response = tracer_client.post("/api/v1/people/", {
        "name": "Wang Fang", "sex": "F", "birth_date": "1990-02-03", "id_type": "passport",
        "id_number": "e1234567", "phone": "139 0000 1111", "home_area": land.compound1.code,
        "key_groups": ["traveller"]}, content_type="application/json")

    assert response.status_code == 201
    body = response.json()
    person = Person.objects.get()
    assert body["id"] == person.pk
    assert {k: body[k] for k in ("name", "sex", "birth_date", "id_type", "id_number", "phone",
                                 "home_area", "key_groups")} == {
        "name": "Wang Fang", "sex": "F", "birth_date": "1990-02-03", "id_type": "passport",
        "id_number": "E1234567", "phone": "13900001111", "home_area": land.compound1.code,
        "key_groups": ["traveller"]}


def _errors(response) -> list[tuple[str, str]]:
    assert response.status_code == 400, response.content
    body = response.json()
    assert body["error"]
    return [(e["field"], e["message"]) for e in body["errors"]]


def test_a_rule_the_service_checks_comes_back_as_400_naming_the_field(
        land: Territory, tracer_client: Client) -> None:
    response = tracer_client.post("/api/v1/people/", {
        "name": "Wang", "id_type": "cn_resident", "id_number": "110105194912310020",
        "home_area": land.compound1.code}, content_type="application/json")

    [(field, message)] = _errors(response)
    assert field == "id_number" and "check character" in message
    assert not Person.objects.exists()


def test_an_unknown_home_area_comes_back_as_400_naming_the_field(
        tracer_client: Client) -> None:
    response = tracer_client.post("/api/v1/people/", {"name": "Wang", "home_area": "nowhere"},
                                  content_type="application/json")
    assert _errors(response) == [("home_area", "unknown area code 'nowhere'")]


def test_a_malformed_body_comes_back_as_400_naming_each_field(
        land: Territory, tracer_client: Client) -> None:
    response = tracer_client.post("/api/v1/people/", {
        "birth_date": "not a date", "home_area": land.compound1.code},
        content_type="application/json")

    fields = [field for field, _ in _errors(response)]
    assert sorted(fields) == ["birth_date", "name"]
    assert not Person.objects.exists()


def test_a_body_that_is_not_json_comes_back_as_400(tracer_client: Client) -> None:
    response = tracer_client.post("/api/v1/people/", "{not json",
                                  content_type="application/json")
    assert response.status_code == 400
    assert not Person.objects.exists()


def test_a_patch_with_a_bad_value_comes_back_as_400_and_changes_nothing(
        land: Territory, tracer_client: Client) -> None:
    person = make_person(land.compound1, name="Old")
    response = tracer_client.patch(f"/api/v1/people/{person.pk}",
                                   {"name": "New", "phone": "call me"},
                                   content_type="application/json")
    assert [f for f, _ in _errors(response)] == ["phone"]
    person.refresh_from_db()
    assert person.name == "Old"


def test_a_patch_changes_only_the_fields_sent(land: Territory, tracer_client: Client) -> None:
    person = make_person(land.compound1, name="Old", address="1 Oak Road")
    response = tracer_client.patch(f"/api/v1/people/{person.pk}", {"name": "New"},
                                   content_type="application/json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["address"]) == ("New", "1 Oak Road")


def test_a_search_without_a_query_is_a_400_naming_q(tracer_client: Client) -> None:
    response = tracer_client.get("/api/v1/people/")
    assert [f for f, _ in _errors(response)] == ["q"]
