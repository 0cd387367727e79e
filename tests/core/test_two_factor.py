"""Two-factor sign-in (issue 7, item 4): a commander turns it on with a first code, then signing
in asks for the code; a wrong code is refused, audited and counted by the lockout."""

import time

import pytest
from django.test import override_settings
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from outbreakhq.core.models import AuditEvent
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db
ADDRESS = "10.1.2.3"


def code_for(device: TOTPDevice, *, steps_ahead: int = 0) -> str:
    """The code the phone shows (steps_ahead=1: the next one; a code is accepted only once)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + steps_ahead * device.step
    return f"{totp.token():06d}"


def _password(client, username="chief"):
    return client.post("/login/", {"username": username, "password": PASSWORD},
                       REMOTE_ADDR=ADDRESS)


def _code(client, code):
    return client.post("/login/two-factor/", {"code": code}, REMOTE_ADDR=ADDRESS)



@pytest.fixture
def chief(land):
    return make_user("commander", land.county1, username="chief")


def _enrol(client, user) -> TOTPDevice:
    client.force_login(user)
    page = client.get("/account/two-factor/")
    assert b"<svg" in page.content  # the QR code, drawn on the server
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert client.post("/account/two-factor/", {"code": code_for(device)}).status_code == 302
    client.logout()
    device.refresh_from_db()
    return device


def test_a_commander_enrols_and_then_signs_in_with_a_correct_code(client, chief):
    device = _enrol(client, chief)
    assert device.confirmed
    assert AuditEvent.objects.filter(object_type="two_factor", detail__event="enrolled").exists()

    after_password = _password(client)
    assert after_password.url == "/login/two-factor/"
    assert "_auth_user_id" not in client.session  # no session on the password alone

    response = _code(client, code_for(device, steps_ahead=1))
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(chief.pk)
    assert AuditEvent.objects.filter(action="login", user=chief, detail__two_factor=True).exists()


def test_a_wrong_code_is_refused_and_audited(client, chief):
    device = _enrol(client, chief)
    _password(client)
    wrong = f"{(int(code_for(device, steps_ahead=1)) + 1) % 1_000_000:06d}"

    response = _code(client, wrong)

    assert response.status_code == 200
    assert b"That code is not right" in response.content
    assert "_auth_user_id" not in client.session
    [event] = AuditEvent.objects.filter(detail__step="two-factor")
    assert event.detail == {"result": "failed", "step": "two-factor", "username": "chief"}


def test_wrong_codes_count_towards_the_lockout(client, chief):
    _enrol(client, chief)
    for _ in range(3):
        client.post("/login/", {"username": "chief", "password": "wrong"}, REMOTE_ADDR=ADDRESS)
    _password(client)
    _code(client, "000000")
    response = _code(client, "111111")

    assert response.status_code == 429
    assert AuditEvent.objects.filter(object_type="sign_in_lock", detail__event="locked").exists()


def test_an_administrator_resets_a_lost_device_and_it_is_audited(client, land, chief):
    _enrol(client, chief)
    admin = make_user("admin", land.region, username="ada")
    client.force_login(admin)
    assert [u.username for u in client.get("/sign-in-security/").context["enrolled"]] == ["chief"]

    client.post("/sign-in-security/reset-two-factor/", {"user": chief.pk})

    assert not TOTPDevice.objects.filter(user=chief).exists()
    [event] = AuditEvent.objects.filter(object_type="two_factor", detail__event="reset")
    assert (event.user, event.detail["username"]) == (admin, "chief")
    client.logout()
    assert _password(client).status_code == 302
    assert "_auth_user_id" in client.session  # the password alone again


@override_settings(OUTBREAKHQ_REQUIRE_2FA_ROLES=frozenset({"commander", "admin"}))
def test_a_required_role_must_enrol_at_the_next_sign_in(client, chief):
    assert _password(client).url == "/login/two-factor/"
    page = client.get("/login/two-factor/", REMOTE_ADDR=ADDRESS)
    assert b"Your role needs two-factor sign-in" in page.content
    device = TOTPDevice.objects.get(user=chief, confirmed=False)

    assert _code(client, code_for(device)).status_code == 302
    assert client.session["_auth_user_id"] == str(chief.pk)


@override_settings(OUTBREAKHQ_REQUIRE_2FA_ROLES=frozenset({"commander", "admin"}))
def test_other_roles_never_see_two_factor(client, land):
    tracer = make_user("tracer", land.county1, username="tina")
    assert _password(client, "tina").url == "/"
    client.force_login(tracer)
    assert client.get("/account/two-factor/").status_code == 404
    assert b"/account/two-factor/" not in client.get("/").content


def test_the_django_admin_login_does_not_skip_the_code(client, land):
    boss = make_user("admin", land.region, username="boss", is_staff=True, is_superuser=True)
    _enrol(client, boss)

    response = client.post("/admin/login/?next=/admin/",
                           {"username": "boss", "password": PASSWORD}, REMOTE_ADDR=ADDRESS)

    assert response.status_code == 200
    assert b"sign in on the main sign-in page" in response.content
    assert "_auth_user_id" not in client.session
