"""Who looked at a person: every audit event that showed them, newest first, for the
administrators of their area (Can.VIEW_AUDIT).

Two indexed reads, merged: events about the person alone (AuditEvent.person_id: their page, a
case or contact of theirs, a change, a refusal) and events of lists and searches that included
them (AuditShown, keyed by tenant, person, event). Records merged into this one count as this
person (PersonMerge), since the trail is never rewritten. Exports are not in it: an export
names its filters and row count, not the people (docs/guide.md, "Audit trail").
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, AuditShown, Person, PersonMerge
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can

PAGE = 20
# What a list or search event was, by its detail's "list" or "kind" (tracing/worklists.py,
# core/services.py, core/dedup.py); anything else shows its action and object.
LISTS = {"cases": _("case list"), "contacts": _("contact list"),
         "followups_due": _("follow-up due today"), "followups_overdue": _("overdue follow-up"),
         "duplicates": _("possible duplicates"), "name": _("people search"),
         "id_number": _("people search"), "phone": _("people search")}


@dataclass
class Looked:
    events: list[AuditEvent]
    next_before: int | None  # pass as `before` for older events


def events_showing(person: Person, *, before: int | None = None, limit: int = PAGE) -> Looked:
    """One page of the events that showed `person`, newest first (keyset on the event id)."""
    ids = [person.pk, *PersonMerge.objects.filter(kept_id=person.pk).order_by()
           .values_list("merged_id", flat=True)]
    alone = AuditEvent.objects.filter(person_id__in=ids)
    listed = AuditShown.objects.filter(tenant_id=person.tenant_id, person_id__in=ids)
    if before is not None:
        alone, listed = alone.filter(pk__lt=before), listed.filter(event_id__lt=before)
    wanted = set(alone.order_by("-pk").values_list("pk", flat=True)[:limit + 1])
    wanted |= set(listed.order_by("-event_id").values_list("event_id", flat=True)[:limit + 1])
    newest = sorted(wanted, reverse=True)
    found = AuditEvent.objects.in_bulk(newest[:limit])
    events = [found[pk] for pk in newest[:limit]]
    for event in events:
        event.listed = LISTS.get(event.detail.get("list") or event.detail.get("kind") or "")
    return Looked(events, events[-1].pk if len(newest) > limit else None)


def may_see(actor: Actor, person: Person) -> bool:
    return can(actor, Can.VIEW_AUDIT, person.home_area)


def person_panel(actor: Actor, person: Person) -> dict:
    """The person page's "who looked" section: nothing at all for those who may not see it."""
    if not may_see(actor, person):
        return {"shown": False}
    return {"shown": True, "looked": events_showing(person)}
