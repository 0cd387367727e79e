"""Session length (issue 7, item 6): an idle timeout from OUTBREAKHQ_SESSION_MINUTES and a
cookie that ends when the browser closes (shared computers)."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.contrib.sessions.models import Session
from django.utils import timezone

from outbreakhq import config
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db


def test_session_cookie_has_no_max_age_so_it_ends_when_the_browser_closes(client):
    make_user("tracer", territory().county1, username="tina")
    response = client.post("/login/", {"username": "tina", "password": PASSWORD})

    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie.value
    assert cookie["max-age"] == "" and cookie["expires"] == ""
    assert client.session.get_expire_at_browser_close()


def test_the_session_ends_after_the_configured_idle_minutes(client):
    make_user("tracer", territory().county1, username="tina")
    client.post("/login/", {"username": "tina", "password": PASSWORD})

    minutes = int(config.get("OUTBREAKHQ_SESSION_MINUTES"))
    assert client.session.get_expiry_age() == minutes * 60 == settings.SESSION_COOKIE_AGE
    assert settings.SESSION_SAVE_EVERY_REQUEST  # each request moves the end forward: idle time


def test_the_default_idle_timeout_is_one_hour():
    assert [s.default for s in config.SETTINGS if s.name == "OUTBREAKHQ_SESSION_MINUTES"] == ["60"]


def test_each_request_moves_the_end_forward_and_an_idle_session_is_signed_out(client):
    make_user("commander", territory().county1, username="chief")
    client.post("/login/", {"username": "chief", "password": PASSWORD})
    row = Session.objects.get(session_key=client.session.session_key)
    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() + timedelta(minutes=1))

    assert client.get("/").status_code == 200
    row.refresh_from_db()
    assert row.expire_date > timezone.now() + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)

    Session.objects.filter(pk=row.pk).update(expire_date=timezone.now() - timedelta(seconds=1))
    assert client.get("/").url.startswith("/login/")
