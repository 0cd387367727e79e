"""Two-factor sign-in (TOTP, django-otp) for commanders and administrators.

Optional for them unless OUTBREAKHQ_REQUIRE_2FA_ROLES names their role; other roles never see
it. The QR code is drawn here as inline SVG (segno), so nothing is fetched when the page shows.
"""

from __future__ import annotations

import segno
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Can, grants
from outbreakhq.core.scope import assignments


def _roles(user) -> set[str]:
    """The user's roles that may use two-factor sign-in (the roles table decides which)."""
    return {a.role for a in assignments(user) if grants(a.role, Can.USE_TWO_FACTOR)}


def offered(user) -> bool:
    """Commanders and administrators may turn two-factor sign-in on."""
    return bool(_roles(user))


def required(user) -> bool:
    """The deployment makes it compulsory for the user's role (only eligible roles count)."""
    return bool(_roles(user) & settings.OUTBREAKHQ_REQUIRE_2FA_ROLES)


def needed_at_sign_in(user) -> bool:
    """Whether a correct password is not yet enough to sign this user in."""
    return offered(user) and (required(user) or confirmed_device(user) is not None)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def unconfirmed_device(user) -> TOTPDevice:
    """The device being set up: the same secret until it is confirmed, so the QR code scanned
    a minute ago still matches when the first code is typed."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    return device or TOTPDevice.objects.create(user=user, name="OutbreakHQ", confirmed=False)


def qr_svg(device: TOTPDevice) -> str:
    return segno.make(device.config_url, error="m").svg_inline(scale=5, border=2)


def secret_text(device: TOTPDevice) -> str:
    """The base32 secret in groups of four, for typing into an app without a camera."""
    secret = device.config_url.split("secret=")[1].split("&")[0]
    return " ".join(secret[i:i + 4] for i in range(0, len(secret), 4))


def _clean(code: str) -> str:
    return "".join(code.split())


def confirm_device(*, actor: Actor, code: str) -> bool:
    """Turn two-factor on with the first code from the new app; False if the code is wrong."""
    user = actor.user
    device = unconfirmed_device(user)
    if not device.verify_token(_clean(code)):
        return False
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit.record(actor=actor, action="create", object_type="two_factor", object_id=user.pk,
                     detail={"event": "enrolled"})
    return True


def check_code(*, user, code: str, request) -> bool:
    """The second step of a sign-in. A wrong code is audited and counted by the lockout, as a
    wrong password is (the same user name and address pair)."""
    device = confirmed_device(user)
    if device is not None and device.verify_token(_clean(code)):
        return True
    fail_sign_in(user=user, request=request)
    return False


def fail_sign_in(*, user, request) -> None:
    audit.record(actor=Actor.anonymous(request), action="login", object_type="session",
                 detail={"result": "failed", "step": "two-factor",
                         "username": user.get_username()})
    user_login_failed.send(sender=__name__, credentials={"username": user.get_username()},
                           request=request)


class AdminLoginForm(AdminAuthenticationForm):
    """The Django admin's own login form would open a session on the password alone: users
    who sign in with two-factor are sent to the main sign-in page instead."""

    def confirm_login_allowed(self, user) -> None:
        super().confirm_login_allowed(user)
        if needed_at_sign_in(user):
            raise ValidationError(
                _("Your account signs in with two-factor: sign in on the main sign-in page, "
                  "then open the admin site."), code="two_factor")
