"""Request plumbing: errors render as pages with their status, and requests carrying a NUL
character (which PostgreSQL cannot store or compare) are refused at the door with a 400."""

from __future__ import annotations

import pytest
from django.test import Client

from outbreakhq.core.middleware import NUL_MESSAGE
from outbreakhq.core.models import Person
from outbreakhq.core.roles import Role
from tests.factories import Territory, make_person, make_user

pytestmark = pytest.mark.django_db



@pytest.fixture
def client(land: Territory) -> Client:
    client = Client()
    client.force_login(make_user(Role.ADMIN, land.county1))
    return client


NUL_REQUESTS = {
    "api area path": lambda c, a: c.get("/api/v1/areas/99%0001"),
    "api area parent": lambda c, a: c.get("/api/v1/areas/", {"parent": "9\x00"}),
    "api search query": lambda c, a: c.get("/api/v1/people/", {"q": "Wa\x00ng"}),
    "api search area": lambda c, a: c.get("/api/v1/people/", {"q": "Wang", "area": "9\x00"}),
    "api json body": lambda c, a: c.post("/api/v1/people/", '{"name": "Wa\\u0000ng", '
                                         f'"home_area": "{a.compound1.code}"}}',
                                         content_type="application/json"),
    "page area path": lambda c, a: c.get("/areas/99%0001/"),
    "page search": lambda c, a: c.get("/people/", {"q": "Wa\x00ng"}),
    "page scope switch": lambda c, a: c.post("/scope/", {"area": "9\x00"}),
    "page audit filter": lambda c, a: c.get("/audit/", {"user": "a\x00"}),
    "page register form": lambda c, a: c.post("/people/new/", {
        "name": "Wa\x00ng", "sex": "F", "id_type": "none", "home_area": a.compound1.code}),
}


@pytest.mark.parametrize("request_", list(NUL_REQUESTS))
def test_a_request_carrying_a_nul_character_is_refused_with_400(
        land: Territory, client: Client, request_: str) -> None:
    response = NUL_REQUESTS[request_](client, land)

    assert response.status_code == 400
    if response["Content-Type"].startswith("application/json"):
        assert response.json()["error"] == NUL_MESSAGE
    else:
        assert NUL_MESSAGE.encode() in response.content
    assert not Person.objects.exists()


def test_ordinary_requests_pass_the_nul_check(land: Territory, client: Client) -> None:
    assert client.get("/people/", {"q": "Wang"}).status_code == 200
    assert client.post("/api/v1/people/", {"name": "Wang \\u0041", "home_area":
                       land.compound1.code}, content_type="application/json").status_code == 201


def test_an_error_in_a_page_renders_as_a_page_with_its_status_and_title(
        land: Territory) -> None:
    person = make_person(land.compound2)
    client = Client()
    client.force_login(make_user(Role.TRACER, land.county1))

    response = client.get(f"/people/{person.pk}/")

    assert response.status_code == 404  # outside the scope: as if it did not exist
    page = response.content.decode()
    assert "<title>Not found" in page
    assert f"No person with record number {person.pk}." in page
    assert person.name not in page


def test_an_error_in_an_htmx_request_renders_only_the_fragment(land: Territory) -> None:
    client = Client()
    client.force_login(make_user(Role.ANALYST, land.county1))

    response = client.get("/people/", {"q": "Wang"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 403
    assert b"<html" not in response.content
    assert b'role="alert"' in response.content


def test_an_error_in_the_api_is_json(land: Territory) -> None:
    person = make_person(land.compound2)
    client = Client()
    client.force_login(make_user(Role.TRACER, land.county1))

    response = client.get(f"/api/v1/people/{person.pk}")

    assert response.status_code == 404
    assert response.json() == {"error": f"No person with record number {person.pk}.",
                               "errors": []}


# No-store: nothing the application answers is kept by a browser cache, its history or a proxy.

def _no_store(response) -> bool:
    return {"private", "no-store"} <= {d.strip() for d in response["Cache-Control"].split(",")}


def test_a_page_shown_to_a_signed_in_user_is_not_stored(land: Territory, client: Client) -> None:
    make_person(land.compound1, name="Wang Fang")
    response = client.get("/people/", {"q": "Wang"})
    assert response.status_code == 200
    assert _no_store(response)


def test_an_api_answer_is_not_stored(land: Territory, client: Client) -> None:
    person = make_person(land.compound1)
    response = client.get(f"/api/v1/people/{person.pk}")
    assert response.status_code == 200
    assert _no_store(response)


def test_an_export_download_is_not_stored(land: Territory) -> None:
    client = Client()
    client.force_login(make_user(Role.TRACER, land.county1))
    for url in ("/export/cases/?format=csv", "/export/contacts/?format=xlsx",
                "/api/v1/exports/cases?format=csv"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "attachment" in response["Content-Disposition"]
        assert _no_store(response), url


def test_the_login_page_is_not_stored_either() -> None:
    assert "no-store" in Client().get("/login/")["Cache-Control"]


def test_static_files_keep_their_cache_headers() -> None:
    response = Client().get("/static/outbreakhq/app.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")
    assert "public" in response["Cache-Control"]
