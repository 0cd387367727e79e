"""The audit trail: one function writes every event, so each event has the same shape."""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections

from outbreakhq.core.models import Area, AuditEvent, Person


def client_ip(request) -> str | None:
    # Behind a reverse proxy, set it to overwrite REMOTE_ADDR (docs/operations.md); trusting
    # X-Forwarded-For from anyone would let a client forge where it came from.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def channel_of(request) -> str:
    if request is None:
        return "cli"
    return "api" if request.path.startswith("/api/") else "web"


def record(
    *,
    user,
    action: str,
    object_type: str,
    object_id: str | int = "",
    person: Person | None = None,
    area: Area | None = None,
    request=None,
    detail: dict | None = None,
) -> AuditEvent:
    """Append one event. `person` and `area` place the event in the jurisdiction tree."""
    if area is None and person is not None:
        area = person.home_area
    authenticated = getattr(user, "is_authenticated", False)
    return AuditEvent.objects.create(
        tenant_id=area.tenant_id if area is not None else None,
        user=user if authenticated else None,
        username=user.get_username() if authenticated else "",
        action=action,
        object_type=object_type,
        object_id=str(object_id),
        person_id=person.pk if person is not None else None,
        area_path=area.path if area is not None else "",
        channel=channel_of(request),
        ip=client_ip(request),
        detail=detail or {},
    )


@contextmanager
def purge_permit(reason: str, *, using: str = "default"):
    """Allow deleting audit events inside the block (retention purge, whole-database flush).
    Nothing in the web app or API calls this."""
    with connections[using].cursor() as cursor:
        cursor.execute("INSERT INTO core_audit_purge_permit (reason) VALUES (%s)", [reason])
    try:
        yield
    finally:
        with connections[using].cursor() as cursor:
            cursor.execute("DELETE FROM core_audit_purge_permit")
