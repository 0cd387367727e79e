"""Administrators' account services: lift a sign-in lock, reset a two-factor device.

An administrator acts on accounts holding a role inside their own scope (capability
`account.manage`); a lock on a user name that matches no such account (someone guessing) is
shown only to administrators of a whole tree, as sign-ins outside any area are in the audit
trail.
"""

from __future__ import annotations

from axes.handlers.proxy import AxesProxyHandler
from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import NotFound
from outbreakhq.core.lockout import Lock, active_locks, unlocking
from outbreakhq.core.models import Assignment
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas, scope_filter


def accounts_in_scope(actor: Actor):
    """Users holding a role somewhere inside the administrator's scope."""
    inside = Assignment.objects.filter(scope_filter(actor, Can.MANAGE_ACCOUNTS, "area__path"))
    return get_user_model().objects.filter(pk__in=inside.values("user_id"))


def locks_visible_to(actor: Actor) -> list[Lock]:
    areas = scope_areas(actor, Can.MANAGE_ACCOUNTS)
    if not areas:
        return []
    locks = active_locks()
    names = {lock.username for lock in locks}
    mine = set(accounts_in_scope(actor).filter(username__in=names).values_list("username",
                                                                               flat=True))
    with_role = set(Assignment.objects.filter(user__username__in=names)
                    .values_list("user__username", flat=True))
    whole_tree = any(a.depth == 0 for a in areas)
    return [lock for lock in locks
            if lock.username in mine or (whole_tree and lock.username not in with_role)]


def unlock(*, actor: Actor, username: str, ip: str | None) -> Lock:
    """Lift one lock before its time (the user phoned in, or an office shares one address)."""
    lock = next((x for x in locks_visible_to(actor) if (x.username, x.ip) == (username, ip)), None)
    if lock is None:
        raise NotFound(_("No such sign-in lock in your jurisdiction; it may have expired."))
    with transaction.atomic(), unlocking(actor=actor):
        AxesProxyHandler.reset_attempts(ip_address=lock.ip, username=lock.username)
    return lock  # audited by lockout.audit_unlock, as are unlocks from the command line


def enrolled_visible_to(actor: Actor):
    """Accounts in scope with two-factor sign-in turned on."""
    return accounts_in_scope(actor).filter(
        pk__in=TOTPDevice.objects.filter(confirmed=True).values("user_id")).order_by("username")


def reset_two_factor(*, actor: Actor, user_id: int):
    """Remove a user's devices (a lost phone): they sign in with the password alone, or set up
    a new device at once if their role requires it."""
    user = accounts_in_scope(actor).filter(pk=user_id).first()
    if user is None:
        raise NotFound(_("No such account in your jurisdiction."))
    with transaction.atomic():
        removed, _details = TOTPDevice.objects.filter(user=user).delete()
        audit.record(actor=actor, action="delete", object_type="two_factor", object_id=user.pk,
                     detail={"event": "reset", "username": user.username,
                                              "devices": removed})
    return user
