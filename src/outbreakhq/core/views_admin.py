"""Administrator pages: the audit browser (read-only). The area-tree import page is the import
pipeline's (interop/views.py)."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import Q
from django.shortcuts import render
from django.utils.dateparse import parse_date

from outbreakhq.core import services, who_looked
from outbreakhq.core.actor import Actor, actor_of
from outbreakhq.core.models import AuditAction, AuditEvent, AuditShown
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import scope_areas, scope_filter
from outbreakhq.core.views import require_capability

PAGE = 50


def audit_events(actor: Actor, *, within=None):
    """Events placed inside the administrator's scope. Events placed in no area (logins, API
    tokens) are shown to administrators of a whole tree only."""
    rows = scope_filter(actor, Can.VIEW_AUDIT, "area_path", within=within)
    if within is None and any(a.depth == 0 for a in scope_areas(actor, Can.VIEW_AUDIT)):
        rows |= Q(area_path="")
    return AuditEvent.objects.filter(rows)


def _showing(actor: Actor, person_id: int) -> Q:
    """Events about the person and lists that showed them (AuditShown, read by its primary
    key: the tenants of the administrator's scope, then the person)."""
    tenants = {a.tenant_id for a in scope_areas(actor, Can.VIEW_AUDIT)}
    listed = AuditShown.objects.filter(tenant_id__in=tenants, person_id=person_id)
    return Q(person_id=person_id) | Q(pk__in=listed.values("event_id"))


@login_required
def audit(request):
    """Newest first, filtered; keyset pagination on id (no COUNT over millions of events)."""
    require_capability(request, Can.VIEW_AUDIT)
    rows = audit_events(actor_of(request), within=request.scope_area)
    filters = {k: request.GET.get(k, "").strip() for k in
               ("user", "action", "person", "object", "day", "before")}
    if filters["user"]:
        rows = rows.filter(username=filters["user"])
    if filters["action"] in AuditAction.values:
        rows = rows.filter(action=filters["action"])
    if filters["person"].isdecimal():  # isdigit() passes "²", which int() refuses
        rows = rows.filter(_showing(actor_of(request), int(filters["person"])))
    if filters["object"]:
        rows = rows.filter(object_type=filters["object"])
    try:
        day = parse_date(filters["day"]) if filters["day"] else None
    except ValueError:  # well formed but impossible, e.g. 2026-02-30
        day = None
    if day:
        rows = rows.filter(at__date=day)
    if filters["before"].isdecimal():
        rows = rows.filter(id__lt=int(filters["before"]))
    page = list(rows.order_by("-id")[: PAGE + 1])
    more = len(page) > PAGE
    page = page[:PAGE]
    query = {k: v for k, v in filters.items() if v and k != "before"}
    return render(request, "core/audit.html", {
        "events": page, "filters": filters, "actions": AuditAction.choices,
        "next_before": page[-1].id if more else None, "query": query,
    })


@login_required
def person_looked(request, pk: int):
    """Older events of the person page's "who looked" panel. Only the record number is shown,
    not the person's record, so this is no view of it (the refusal is audited as usual)."""
    person = services.access_person(actor=actor_of(request), person_id=pk,
                                    capability=Can.VIEW_AUDIT)
    before = request.GET.get("before", "")
    looked = who_looked.events_showing(person, before=int(before) if before.isdecimal() else None)
    return render(request, "core/who_looked.html", {"person": person, "looked": looked})

