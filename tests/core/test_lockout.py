"""Sign-in lockout (issue 7, item 4): five wrong passwords lock a user name from one address, the
lock and its lifting are audited, an administrator unlocks, and API tokens keep working."""

import pytest
from django.core.management import call_command
from django.test import override_settings

from outbreakhq.core import tokens
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
ADDRESS = "10.1.2.3"


def _try(client, username, password, address=ADDRESS):
    return client.post("/login/", {"username": username, "password": password},
                       REMOTE_ADDR=address)


def _fail(client, username, times, address=ADDRESS):
    for _ in range(times):
        _try(client, username, "wrong-password", address)



@pytest.fixture
def tina(land):
    return make_user("tracer", land.county1, username="tina")


def test_sixth_wrong_password_locks_the_account_even_with_the_right_password(client, tina):
    _fail(client, "tina", 5)

    response = _try(client, "tina", PASSWORD)

    assert response.status_code == 429
    assert b"Sign-in locked for now" in response.content
    assert b"Try again after" in response.content
    assert "_auth_user_id" not in client.session


def test_four_wrong_passwords_then_the_right_one_signs_in(client, tina):
    _fail(client, "tina", 4)
    assert _try(client, "tina", PASSWORD).status_code == 302


@override_settings(AXES_FAILURE_LIMIT=3)
def test_the_number_of_failures_is_a_setting(client, tina):
    _fail(client, "tina", 3)
    assert _try(client, "tina", PASSWORD).status_code == 429


def test_the_lock_holds_one_user_name_from_one_address_only(client, land, tina):
    make_user("tracer", land.county1, username="tom")
    _fail(client, "tina", 5)
    assert _try(client, "tom", PASSWORD).status_code == 302  # a colleague at the same address
    client.logout()
    assert _try(client, "tina", PASSWORD, address="10.9.9.9").status_code == 302


def test_the_lockout_is_audited_once_and_refused_attempts_are_audited_as_locked(client, tina):
    _fail(client, "tina", 5)
    _try(client, "tina", PASSWORD)

    [locked] = AuditEvent.objects.filter(object_type="sign_in_lock")
    assert (locked.action, locked.ip, locked.object_id) == ("login", ADDRESS, "tina")
    assert locked.detail["event"] == "locked" and locked.detail["failures"] == 5
    results = list(AuditEvent.objects.filter(object_type="session").order_by("id")
                   .values_list("detail__result", flat=True))
    assert results == ["failed"] * 5 + ["locked"]
    assert PASSWORD not in str(list(AuditEvent.objects.values_list("detail", flat=True)))


def test_an_administrator_unlocks_and_the_user_signs_in_at_once(client, land, tina):
    admin = make_user("admin", land.region, username="ada")
    _fail(client, "tina", 5)
    client.force_login(admin)
    page = client.get("/sign-in-security/")
    assert page.status_code == 200
    [lock] = page.context["locks"]
    assert (lock.username, lock.ip, lock.failures) == ("tina", ADDRESS, 5)

    response = client.post("/sign-in-security/unlock/", {"username": "tina", "ip": ADDRESS})

    assert response.status_code == 302
    [event] = AuditEvent.objects.filter(object_type="sign_in_lock", detail__event="unlocked")
    assert (event.user, event.object_id, event.detail["locked_ip"]) == (admin, "tina", ADDRESS)
    client.logout()
    assert _try(client, "tina", PASSWORD).status_code == 302


def test_an_administrator_of_another_county_does_not_see_the_lock(client, land, tina):
    other = make_user("admin", land.county2, username="otto")
    _fail(client, "tina", 5)
    client.force_login(other)
    assert client.get("/sign-in-security/").context["locks"] == []


def test_a_tracer_may_not_open_the_locks_page(client, tina):
    client.force_login(tina)
    assert client.get("/sign-in-security/").status_code == 403


def test_changing_user_agent_or_full_width_letters_does_not_escape_the_lock(client, land, tina):
    admin = make_user("admin", land.region, username="ada")
    for agent in ("curl/8", "python-requests/2", "Mozilla/5.0"):
        client.post("/login/", {"username": "tina", "password": "wrong"}, REMOTE_ADDR=ADDRESS,
                    HTTP_USER_AGENT=agent)
    _fail(client, "\uff54\uff49\uff4e\uff41", 2)  # "tina" in full-width letters
    assert _try(client, "tina", PASSWORD).status_code == 429
    client.force_login(admin)
    [lock] = client.get("/sign-in-security/").context["locks"]
    assert (lock.username, lock.failures) == ("tina", 5)


def test_the_command_line_unlocks_a_user_name_and_it_is_audited(client, tina):
    _fail(client, "tina", 5)
    call_command("axes_reset_username", "tina")

    [event] = AuditEvent.objects.filter(object_type="sign_in_lock", detail__event="unlocked")
    assert (event.user, event.channel, event.detail["locked_ip"]) == (None, "cli", ADDRESS)
    assert _try(client, "tina", PASSWORD).status_code == 302


def test_a_successful_sign_in_clearing_earlier_failures_is_no_unlock(client, tina):
    _fail(client, "tina", 2)
    assert _try(client, "tina", PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(detail__event="unlocked").exists()


def test_a_locked_out_user_keeps_using_the_api_with_a_token(client, land, tina):
    _token, secret = tokens.issue_token(actor=Actor.of(tina), name="script")
    _fail(client, "tina", 5)
    response = client.get("/api/v1/cases/", HTTP_AUTHORIZATION=f"Bearer {secret}",
                          REMOTE_ADDR=ADDRESS)
    assert response.status_code == 200


def test_the_locked_out_page_speaks_chinese(client, tina):
    _fail(client, "tina", 5)
    response = client.post("/login/", {"username": "tina", "password": PASSWORD},
                           REMOTE_ADDR=ADDRESS, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 429
    assert 'lang="zh-hans"' in response.content.decode()
