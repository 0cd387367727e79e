"""Requests that schemathesis generates from the OpenAPI schema, sent in-process by a signed-in
tracer: every answer of every operation is a success or the documented error shape, never a
server error (issue 7, item 7). A few examples per operation keep it quick; raise
`max_examples` by hand to look harder."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from outbreakhq.api import api
from outbreakhq.core import tokens
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Role
from tests.factories import make_person, make_user, territory

pytestmark = [pytest.mark.django_db, pytest.mark.fuzz]

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
app = get_wsgi_application()


@pytest.fixture(autouse=True)
def keep_the_test_database_open():
    """The WSGI handler closes the database connection around each request, and with it the
    test's transaction; Django's test client avoids this the same way."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture
def tracer_token() -> str:
    land = territory()
    tracer = make_user(Role.TRACER, land.county1)
    make_person(land.compound1)
    return tokens.issue_token(actor=Actor.of(tracer), name="fuzz")[1]


@schema.parametrize()
@settings(max_examples=4, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_every_answer_is_a_success_or_the_error_shape(case, tracer_token: str) -> None:
    response = case.call(app=app, headers={"Authorization": f"Bearer {tracer_token}"})

    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "errors"} and body["error"], where
        assert all(set(e) == {"row", "field", "message"} for e in body["errors"]), where
