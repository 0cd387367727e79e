"""Sign-in lockout on top of django-axes: our locked-out page, the audit events of a lock and of
its lifting, and the list of current locks (core/accounts.py lets administrators lift them).

Axes counts failures per (user name, client address) pair (settings.py says why that key); a pair
with OUTBREAKHQ_LOGIN_FAILURES failures is refused for OUTBREAKHQ_LOCKOUT_MINUTES without its
password being checked. API bearer tokens never pass through `authenticate()`, so a lockout
does not stop a machine client.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime

from axes.handlers.proxy import AxesProxyHandler
from axes.models import AccessAttempt
from axes.signals import user_locked_out
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import Max, Sum
from django.db.models.signals import pre_delete
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor


@dataclass(frozen=True)
class Lock:
    username: str
    ip: str | None
    failures: int
    locked_at: datetime
    until: datetime


def _recent():
    """Attempt rows that still count: axes ignores rows older than the lockout time."""
    return AccessAttempt.objects.filter(
        attempt_time__gte=timezone.now() - settings.AXES_COOLOFF_TIME)


def active_locks(*, limit: int = 500) -> list[Lock]:
    """Pairs locked now. Axes keeps one row per user agent and sums them, so a guesser changing
    user agent is still locked; the sum is taken here too. The last failure is when the lock
    began (failures during a lock are not recorded, see settings.py)."""
    rows = (_recent().values("username", "ip_address")
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT).order_by("-last"))
    return [Lock(username=r["username"] or "", ip=r["ip_address"], failures=r["failures"],
                 locked_at=r["last"], until=r["last"] + settings.AXES_COOLOFF_TIME)
            for r in rows[:limit]]


def retry_at(request, credentials: dict | None) -> datetime:
    """When the pair of this request may sign in again."""
    attempts = AxesProxyHandler.get_implementation().get_user_attempts(request, credentials)
    times = [t for qs in attempts for t in qs.values_list("attempt_time", flat=True)]
    return max(times, default=timezone.now()) + settings.AXES_COOLOFF_TIME


def lockout_response(request, original_response=None, credentials=None):
    """AXES_LOCKOUT_CALLABLE: say what happened and when to try again (429 Too Many Requests)."""
    return render(request, "registration/locked_out.html", {
        "retry_at": retry_at(request, credentials),
        "minutes": int(settings.AXES_COOLOFF_TIME.total_seconds() // 60),
        "failures": settings.AXES_FAILURE_LIMIT,
    }, status=429)


@receiver(user_locked_out)
def audit_lockout(sender, request=None, username=None, ip_address=None, **kwargs):
    """The failure that crosses the limit is recorded as the lockout; attempts refused while
    locked are recorded as such by the sign-in views (`refused_while_locked`)."""
    if request is None or getattr(request, "axes_failures_since_start", None) is None:
        return
    user = get_user_model().objects.filter(username=username).first()
    audit.record(actor=Actor.anonymous(request), action="login",
                 object_type="sign_in_lock", object_id=username or "",
                 detail={"event": "locked", "username": (username or "")[:150],
                         "failures": request.axes_failures_since_start,
                         "account_exists": user is not None})


def refused_while_locked(request) -> bool:
    """True when axes refused this request's sign-in without checking the password."""
    return bool(getattr(request, "axes_locked_out", False)) and \
        getattr(request, "axes_failures_since_start", None) is None


# Who is lifting locks in this context: set by the Sign-in locks page (core/accounts.py); unset
# for axes' own commands (`outbreakhq axes_reset_username`) and the Django admin.
_unlocking: ContextVar[tuple | None] = ContextVar("outbreakhq_unlocking", default=None)


@contextmanager
def unlocking(*, actor: Actor) -> Iterator[None]:
    token = _unlocking.set(actor)
    try:
        yield
    finally:
        _unlocking.reset(token)


@receiver(pre_delete, sender=AccessAttempt)
def audit_unlock(sender, instance: AccessAttempt, **kwargs):
    """Every way of lifting a lock deletes its attempt rows, so the audit event is written here,
    once per pair (at its newest row), whichever way the lock was lifted. Before the delete, so
    the pair's other rows are still there to sum."""
    pair = _recent().filter(username=instance.username, ip_address=instance.ip_address)
    if pair.order_by("-attempt_time", "-pk").values_list("pk", flat=True).first() != instance.pk:
        return
    if (pair.aggregate(n=Sum("failures_since_start"))["n"] or 0) < settings.AXES_FAILURE_LIMIT:
        return  # not a lock: a success clearing earlier failures
    actor = _unlocking.get()
    detail = {"event": "unlocked", "username": instance.username or "",
              "locked_ip": instance.ip_address}
    if actor is None:
        detail["via"] = "command line or Django admin"
        actor = Actor.anonymous()
    audit.record(actor=actor, action="login", object_type="sign_in_lock",
                 object_id=instance.username or "", detail=detail)
