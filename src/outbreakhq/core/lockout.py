"""Sign-in lockout on top of django-axes: our locked-out page, the audit event of a lockout and
the list of current locks (core/accounts.py lets administrators lift them).

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
from django.db.models.signals import post_delete
from django.dispatch import receiver
from django.shortcuts import render
from django.utils import timezone

from outbreakhq.core import audit


@dataclass(frozen=True)
class Lock:
    id: int
    username: str
    ip: str | None
    failures: int
    locked_at: datetime
    until: datetime


def as_lock(attempt: AccessAttempt) -> Lock:
    return Lock(id=attempt.pk, username=attempt.username or "", ip=attempt.ip_address,
                failures=attempt.failures_since_start, locked_at=attempt.attempt_time,
                until=attempt.attempt_time + settings.AXES_COOLOFF_TIME)


def active_locks():
    """Attempts that lock their pair now: enough failures, the last one within the lockout time
    (axes never moves a lock's time forward: AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT)."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(failures_since_start__gte=settings.AXES_FAILURE_LIMIT,
                                        attempt_time__gte=since)


def retry_at(request, credentials: dict | None) -> datetime | None:
    """When the pair of this request may sign in again."""
    last = max((qs.order_by("-attempt_time").values_list("attempt_time", flat=True).first()
                for qs in AxesProxyHandler.get_implementation().get_user_attempts(
                    request, credentials)), default=None, key=lambda t: t or timezone.now())
    return (last or timezone.now()) + settings.AXES_COOLOFF_TIME


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
    audit.record(user=None, action="login", object_type="sign_in_lock",
                 object_id=username or "", request=request,
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
def unlocking(*, by, request=None) -> Iterator[None]:
    token = _unlocking.set((by, request))
    try:
        yield
    finally:
        _unlocking.reset(token)


@receiver(post_delete, sender=AccessAttempt)
def audit_unlock(sender, instance: AccessAttempt, **kwargs):
    """Every way of lifting a lock goes through deleting its attempt row, so the audit event is
    written here, once, whichever way it was lifted."""
    if instance.failures_since_start < settings.AXES_FAILURE_LIMIT or \
            instance.attempt_time < timezone.now() - settings.AXES_COOLOFF_TIME:
        return  # not a lock: a success clearing earlier failures, or a lock already over
    by, request = _unlocking.get() or (None, None)
    detail = {"event": "unlocked", "username": instance.username or "",
              "locked_ip": instance.ip_address}
    if by is None:
        detail["via"] = "command line or Django admin"
    audit.record(user=by, action="login", object_type="sign_in_lock",
                 object_id=instance.username or "", request=request, detail=detail)
