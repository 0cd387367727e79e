"""Every API error has the documented shape `{"error": "…", "errors": [...]}` whatever raised it:
our services, ninja, Django, or an unexpected failure (issue 7, item 7)."""

from __future__ import annotations

import logging

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.test import Client
from ninja.errors import HttpError, Throttled

from outbreakhq.api import api
from outbreakhq.core import services
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Role
from tests.factories import Territory, make_user

pytestmark = pytest.mark.django_db

LOG_IN = "Log in, or send an API token: Authorization: Bearer ohq_…"
CSRF = ("The CSRF token is missing or wrong. A browser session must send the csrftoken cookie's "
        "value in the X-CSRFToken header with every change; scripts should use an API token "
        "instead.")
NO_OPERATION = "There is no such API operation: see /api/v1/docs for the list."
SERVER_ERROR = ("Something went wrong on the server. The error was logged; try again later or "
                "tell your administrator.")



def signed_in(role: str, land: Territory, **client_options) -> Client:
    client = Client(**client_options)
    client.force_login(make_user(role, land.county1))
    return client


@pytest.mark.parametrize(("method", "url"), [
    ("get", "/api/v1/areas/"), ("get", "/api/v1/cases/1"), ("post", "/api/v1/people/"),
    ("patch", "/api/v1/contacts/1"),
])
def test_api_without_credentials_gets_401_in_the_documented_shape(
        land: Territory, method: str, url: str) -> None:
    # A write without a session is "log in", not a CSRF refusal: there is no session to protect.
    response = getattr(Client(enforce_csrf_checks=True), method)(
        url, {"name": "x"}, content_type="application/json")

    assert response.status_code == 401
    assert response.json() == {"error": LOG_IN, "errors": []}
    assert response["WWW-Authenticate"] == 'Bearer realm="OutbreakHQ API"'


def test_api_csrf_failure_is_403_in_the_documented_shape(land: Territory) -> None:
    client = signed_in(Role.TRACER, land, enforce_csrf_checks=True)

    response = client.post("/api/v1/people/", {"name": "Wang", "home_area": land.compound1.code},
                           content_type="application/json")

    assert response.status_code == 403
    assert response.json() == {"error": CSRF, "errors": []}
    assert not Person.objects.exists()


def test_a_session_write_with_the_csrf_token_goes_through(land: Territory) -> None:
    client = signed_in(Role.TRACER, land, enforce_csrf_checks=True)
    client.cookies["csrftoken"] = token = "k" * 32  # as the page's cookie would hold it

    response = client.post("/api/v1/people/", {"name": "Wang", "home_area": land.compound1.code},
                           content_type="application/json", headers={"X-CSRFToken": token})

    assert response.status_code == 201


def test_api_role_refusal_is_403_in_the_documented_shape_and_audited(land: Territory) -> None:
    analyst = signed_in(Role.ANALYST, land)

    response = analyst.get("/api/v1/people/", {"q": "Li"})

    assert response.status_code == 403
    assert response.json() == {
        "error": "Your role sees aggregate figures only, never personal data.", "errors": []}
    assert AuditEvent.objects.filter(action="denied", object_type="person").exists()


@pytest.mark.parametrize("url", ["/api/v1/nothing", "/api/v1/people/1/nothing", "/api/v2/cases/",
                                 "/api/"])
def test_api_unknown_api_path_is_404_in_the_documented_shape(land: Territory, url: str) -> None:
    response = signed_in(Role.TRACER, land).get(url)

    assert response.status_code == 404
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"error": NO_OPERATION, "errors": []}
    assert response["X-Content-Type-Options"] == "nosniff", "security headers are kept"


def test_pages_keep_their_own_error_pages(land: Territory) -> None:
    response = signed_in(Role.TRACER, land).get("/no-such-page/")

    assert response.status_code == 404
    assert not response["Content-Type"].startswith("application/json")


def test_api_method_not_allowed_is_405_in_the_documented_shape(land: Territory) -> None:
    response = signed_in(Role.TRACER, land).delete("/api/v1/areas/")

    assert response.status_code == 405
    assert response.json() == {"error": "DELETE is not allowed here; this path accepts GET.",
                               "errors": []}
    assert response["Allow"] == "GET"


def test_api_unexpected_error_is_500_in_shape_and_logged(
        land: Territory, monkeypatch, caplog) -> None:
    def fail(**kwargs):
        raise RuntimeError("connection to db-internal.example:5432 refused")

    monkeypatch.setattr(services, "search_people", fail)
    with caplog.at_level(logging.ERROR, logger="django.request"):
        response = signed_in(Role.TRACER, land).get("/api/v1/people/", {"q": "Li"})

    assert response.status_code == 500
    assert response.json() == {"error": SERVER_ERROR, "errors": []}
    assert b"db-internal" not in response.content
    [record] = [r for r in caplog.records if r.name == "django.request"]
    assert record.exc_info[0] is RuntimeError
    assert "/api/v1/people/" in record.getMessage()


def test_a_failure_outside_the_api_handlers_is_500_in_shape(land: Territory, monkeypatch) -> None:
    def fail(request):
        raise RuntimeError("middleware broke")

    monkeypatch.setattr("outbreakhq.core.middleware.current_scope_area", fail)
    client = signed_in(Role.TRACER, land, raise_request_exception=False)

    response = client.get("/api/v1/areas/")

    assert response.status_code == 500
    assert response.json() == {"error": SERVER_ERROR, "errors": []}


@pytest.mark.parametrize(("raised", "status", "message"), [
    (Http404("no person 7 in table core_person"), 404, "Not found."),
    (PermissionDenied("You may not see this."), 403, "You may not see this."),
    (PermissionDenied(), 403, "You may not do this."),
    (HttpError(409, "Already merged."), 409, "Already merged."),
    (HttpError(403, "CSRF check Failed"), 403, CSRF),
    (Throttled(wait=30), 429, "Too many requests: wait a moment and try again."),
])
def test_errors_that_django_or_ninja_raise_in_an_operation_take_the_documented_shape(
        land: Territory, monkeypatch, raised: Exception, status: int, message: str) -> None:
    def fail(**kwargs):
        raise raised

    monkeypatch.setattr(services, "search_people", fail)

    response = signed_in(Role.TRACER, land).get("/api/v1/people/", {"q": "Li"})

    assert response.status_code == status
    assert response.json() == {"error": message, "errors": []}


def test_a_bad_input_names_the_field_in_the_same_shape(land: Territory) -> None:
    response = signed_in(Role.TRACER, land).get("/api/v1/cases/", {"limit": "many"})

    assert response.status_code == 400
    assert response.json()["error"] == "The request is not valid."
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [(None, "limit")]


def test_openapi_declares_the_error_shape_on_every_operation() -> None:
    schema = api.get_openapi_schema()
    error_ref = {"$ref": "#/components/schemas/ErrorOut"}

    assert set(schema["components"]["schemas"]["ErrorOut"]["properties"]) == {"error", "errors"}
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            declared = operation["responses"]
            for status in (401, 403) + ((404,) if "{" in path else ()):
                assert declared[status]["content"]["application/json"]["schema"] == error_ref, (
                    method, path, status)
