"""Production serving (issue 15): keep-alive longer than a proxy's idle timeout, and a request
that runs too long answered with a clear page instead of a reset connection."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import Client, override_settings

from outbreakhq import production

pytestmark = pytest.mark.django_db


def test_gunicorn_keeps_idle_connections_longer_than_a_proxy_does():
    args = production.gunicorn_arguments(bind="127.0.0.1:8000", workers=2, threads=4,
                                         keepalive=75, request_timeout=60)
    options = dict(zip(args[::2], args[1::2], strict=False))
    assert int(options["--keep-alive"]) > 60  # nginx's and the load balancers' idle timeout
    assert options["--worker-class"] == "gthread" and options["--threads"] == "4"
    assert int(options["--timeout"]) > 60  # the clear page comes first


@pytest.fixture
def forget_the_time_limit():
    yield
    connection.deadline_watched = None
    if connection.vendor == "postgresql" and connection.connection is not None:
        with connection.cursor() as cursor:
            cursor.execute("SET statement_timeout = 0")


@pytest.mark.django_db(transaction=True)  # the stopped statement ends its transaction
@override_settings(ROOT_URLCONF="tests.faults.slow_urls", OUTBREAKHQ_REQUEST_TIMEOUT=1)
def test_a_request_past_its_time_is_stopped_with_a_clear_page(forget_the_time_limit):
    """SQLite: the progress handler; PostgreSQL: statement_timeout."""
    connection.deadline_watched = None
    response = Client().get("/slow/")
    assert response.status_code == 503
    assert b"took longer than 1 seconds and was stopped" in response.content
    connection.deadline_watched = None
    response = Client().get("/api/v1/slow/")
    assert response.status_code == 503
    assert response.json()["error"].startswith("This request took")
