"""The schemathesis run of tests/core/test_api_fuzz.py (a tracer) as every other role, with a
few examples per operation each (issue 15: 29,474 cases as a tracer and 12,477 as an
administrator found a 500 on a number too large for SQLite). Raise `max_examples` by hand to
look harder: `FUZZ_EXAMPLES=200 pytest tests/faults/test_api_fuzz_roles.py`."""

from __future__ import annotations

import os

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
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "1"))
ROLES = [r for r in Role.values if r != Role.TRACER]  # the tracer: tests/core/test_api_fuzz.py


@pytest.fixture(autouse=True)
def keep_the_test_database_open():
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


@pytest.fixture(params=ROLES)
def token(request) -> str:
    land = territory()
    area = land.region if request.param in (Role.ADMIN, Role.COMMANDER, Role.ANALYST) \
        else land.county1
    user = make_user(request.param, area)
    make_person(land.compound1)
    return tokens.issue_token(actor=Actor.of(user), name="fuzz")[1]


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_no_role_ever_gets_a_server_error(case, token: str) -> None:
    response = case.call(app=app, headers={"Authorization": f"Bearer {token}"})
    where = f"{case.method} {case.formatted_path} -> {response.status_code}: {response.text[:300]}"
    assert response.status_code < 500, where
    if response.status_code >= 400:
        body = response.json()
        assert set(body) == {"error", "errors"} and body["error"], where
