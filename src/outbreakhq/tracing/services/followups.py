"""What happens to a contact after tracing: daily follow-up, hand-over to quarantine, the end of
follow-up, and conversion into a case that keeps the link to its source."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.events import (
    ContactChanged,
    ContactConverted,
    ContactHandedToQuarantine,
    ContactLost,
    FollowUpCompleted,
    FollowUpRecorded,
)
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.protocols import schedule
from outbreakhq.tracing import fields as f
from outbreakhq.tracing import rules
from outbreakhq.tracing.models import (
    Case,
    Contact,
    ContactStatus,
    DetectionRoute,
    FollowUp,
    FollowUpStatus,
)
from outbreakhq.tracing.services.cases import (
    CASE_READERS,
    CASE_REQUIRED,
    check_case_dates,
    check_proposal,
    create_case,
    resolve_case_refs,
)
from outbreakhq.tracing.services.contacts import access_contact

FOLLOWUP_READERS = {
    "date": f.a_date,
    "status": f.choice(FollowUpStatus),
    "symptoms": f.text(300),
    "temperature": f.temperature,
}


def _changed(kind: type[ContactChanged], actor: Actor, contact: Contact, **detail) -> None:
    events.publish(kind(actor=actor, record_id=contact.pk, person=contact.person,
                        area=contact.area, detail=detail))


def record_followup(*, actor: Actor, contact_id: int, data: Mapping) -> FollowUp:
    """Today's (or a past day's) check of a contact; a second record for a day corrects it."""
    message = _("The follow-up was not saved.")
    with unit_of_work(actor) as uow:
        contact = uow.fetch(access_contact, contact_id, Can.RECORD_FOLLOWUP)
        values = f.clean(data, FOLLOWUP_READERS, partial=False, message=message,
                         required=("status",))
        day = values.pop("date", None) or f.today()
        if not rules.is_followed(contact.status):
            f.refuse(message, "status", _("the contact is no longer followed (%(status)s)")
                     % {"status": contact.get_status_display()})
        if not rules.in_window(day, contact.followup_start, contact.followup_end):
            f.refuse(message, "date", _("%(date)s is outside the follow-up window %(start)s to "
                                        "%(end)s") % {"date": day, "start": contact.followup_start,
                                                      "end": contact.followup_end})
        followup, created = FollowUp.objects.update_or_create(
            contact=contact, date=day,
            defaults={**values, "tenant_id": contact.tenant_id,
                      "recorded_by": actor.user if actor.is_authenticated else None})
        if contact.last_followup is None or day > contact.last_followup:
            contact.last_followup = day
            contact.save(update_fields=["last_followup", "updated_at"])
        events.publish(FollowUpRecorded(
            actor=actor, record_id=followup.pk, person=contact.person, area=contact.area,
            created=created, detail={"contact": contact.pk, "date": day.isoformat()}))
    return followup


def hand_over_to_quarantine(*, actor: Actor, contact_id: int) -> Contact:
    """The contact goes to quarantine: the quarantine module takes the follow-up over."""
    with unit_of_work(actor) as uow:
        contact = uow.fetch(access_contact, contact_id, Can.TRACE_CONTACT)
        if not rules.may_become(contact.status, ContactStatus.QUARANTINE):
            f.refuse(_("The contact was not handed over."), "status",
                     _("only a contact under follow-up can be handed over (now: %(status)s)")
                     % {"status": contact.get_status_display()})
        contact.status = ContactStatus.QUARANTINE
        contact.save(update_fields=["status", "updated_at"])
        # The hand-over: a quarantine module subscribes to this event (core/hooks.py).
        events.publish(ContactHandedToQuarantine(
            actor=actor, record_id=contact.pk, person=contact.person, area=contact.area,
            followup_end=contact.followup_end,
            detail={"fields": ["status"], "status": contact.status}))
    return contact


def mark_lost(*, actor: Actor, contact_id: int) -> Contact:
    """The contact cannot be found or reached any more: lost to follow-up (kept in the lists,
    out of the worklists)."""
    with unit_of_work(actor) as uow:
        contact = uow.fetch(access_contact, contact_id, Can.TRACE_CONTACT)
        if not rules.may_become(contact.status, ContactStatus.LOST):
            f.refuse(_("The contact was not changed."), "status",
                     _("only a followed contact can be lost to follow-up (now: %(status)s)")
                     % {"status": contact.get_status_display()})
        contact.status = ContactStatus.LOST
        contact.save(update_fields=["status", "updated_at"])
        _changed(ContactLost, actor, contact, fields=["status"], status=contact.status)
    return contact


def close_followups(*, actor: Actor, within: Area | None = None, today: date | None = None) -> int:
    """Mark every contact of the scope whose follow-up ended before `today` completed."""
    require_role(actor, Can.TRACE_CONTACT, what="contact")
    today = today or f.today()
    with transaction.atomic():
        ended = list(
            Contact.objects.visible_to(actor, Can.TRACE_CONTACT, within=within)
            .filter(status=ContactStatus.FOLLOWING, followup_end__lt=today)
            .select_related("person", "area").select_for_update(of=("self",)))
        Contact.objects.filter(pk__in=[c.pk for c in ended]).update(
            status=ContactStatus.COMPLETED)
        for contact in ended:
            _changed(FollowUpCompleted, actor, contact, fields=["status"],
                     status=ContactStatus.COMPLETED)
    return len(ended)


def _infector(contact: Contact) -> Case | None:
    """The case that infected the contact: its source case, or for a contact of a close contact
    the case that close contact became (unknown while they have not)."""
    if contact.source_case_id is not None:
        return contact.source_case
    return contact.source_contact.converted_case if contact.source_contact else None


def convert_contact_to_case(*, actor: Actor, contact_id: int, data: Mapping) -> Case:
    """The contact tested positive: a case linked to the contact's source, found by tracing."""
    readers = {k: v for k, v in CASE_READERS.items() if k not in ("source_case", "cluster")}
    data = {"detection_route": DetectionRoute.CONTACT_TRACING, **data}
    with unit_of_work(actor) as uow:
        contact = uow.fetch(access_contact, contact_id, Can.TRACE_CONTACT)
        values = f.clean(data, readers, partial=False, message=_("The case was not saved."),
                         required=CASE_REQUIRED)
        check_case_dates(values)
        check_proposal(actor, values, contact.area)
        resolve_case_refs(actor, values, tenant_id=contact.tenant_id)  # the external id
        if not rules.may_become(contact.status, ContactStatus.CONVERTED):
            f.refuse(_("The case was not saved."), "status",
                     _("this contact already became case #%(n)s")
                     % {"n": contact.converted_case_id})
        # The source may lie outside the user's scope (a contact in this county of a case in
        # the next): the link is the contact's own, so it is kept without a second scope check.
        case = create_case(actor=actor, person=contact.person,
                           values={**values, "source_case": _infector(contact)})
        contact.status = ContactStatus.CONVERTED
        contact.converted_case = case
        contact.save(update_fields=["status", "converted_case", "updated_at"])
        events.publish(ContactConverted(
            actor=actor, record_id=contact.pk, person=contact.person, area=contact.area,
            case_id=case.pk, detail={"fields": ["status", "converted_case"], "case": case.pk}))
    return case


def test_dates(contact: Contact) -> list[date]:
    """The test days of the contact's follow-up under the deployment's preset (the rule of the
    contact's category, day 1 the first day of follow-up): the calendar, the worklists and the
    API show them."""
    return schedule.test_dates(protocols.current().rule_for(contact.category),
                               contact.followup_start)


def test_due(contact: Contact, on: date) -> bool:
    """Whether `on` is one of the contact's test days."""
    return on in test_dates(contact)
