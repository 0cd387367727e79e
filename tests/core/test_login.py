"""Signing in leaves an audit event; a failed attempt too, with the name tried and no password."""

import pytest

from outbreakhq.core.models import AuditEvent
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db


def test_signing_in_on_the_login_page_is_audited(client):
    land = territory()
    user = make_user("tracer", land.county1, username="tina")
    response = client.post("/login/", {"username": "tina", "password": PASSWORD},
                           REMOTE_ADDR="10.9.8.7")
    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(object_type="session")
    assert (event.action, event.user, event.ip) == ("login", user, "10.9.8.7")


def test_a_failed_sign_in_records_the_name_tried_but_never_the_password(client):
    response = client.post("/login/", {"username": "mallory", "password": "guess-123"})
    assert response.status_code == 200
    assert b"Wrong user name or password" in response.content
    [event] = AuditEvent.objects.filter(object_type="session")
    assert event.user is None
    assert event.detail == {"result": "failed", "username": "mallory"}
    assert "guess-123" not in str(event.detail)
