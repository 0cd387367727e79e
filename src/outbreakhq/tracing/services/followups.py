"""What happens to a contact after tracing: daily follow-up, hand-over to quarantine, the end of
follow-up, and conversion into a case that keeps the link to its source."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from django.db import transaction
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.services import require_role
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
from outbreakhq.tracing.services.contacts import get_contact

FOLLOWUP_READERS = {
    "date": f.a_date,
    "status": f.choice(FollowUpStatus),
    "symptoms": f.text(300),
    "temperature": f.temperature,
}
def _audit_change(by, contact: Contact, request, **detail) -> None:
    audit.record(user=by, action="change", object_type="contact", object_id=contact.pk,
                 person=contact.person, area=contact.area, request=request, detail=detail)


def record_followup(*, by, contact_id: int, data: Mapping, request=None) -> FollowUp:
    """Today's (or a past day's) check of a contact; a second record for a day corrects it."""
    get_contact(by=by, contact_id=contact_id, capability=Can.RECORD_FOLLOWUP, request=request)
    message = _("The follow-up was not saved.")
    values = f.clean(data, FOLLOWUP_READERS, partial=False, message=message,
                     required=("status",))
    day = values.pop("date", None) or f.today()
    with transaction.atomic():
        contact = get_contact(by=by, contact_id=contact_id, capability=Can.RECORD_FOLLOWUP,
                              lock=True)
        if not rules.is_followed(contact.status):
            f.refuse(message, "status", _("the contact is no longer followed (%(status)s)")
                     % {"status": contact.get_status_display()})
        if not rules.in_window(day, contact.followup_start, contact.followup_end):
            f.refuse(message, "date", _("%(date)s is outside the follow-up window %(start)s to "
                                        "%(end)s") % {"date": day, "start": contact.followup_start,
                                                      "end": contact.followup_end})
        followup, created = FollowUp.objects.update_or_create(
            contact=contact, date=day,
            defaults={**values, "tenant_id": contact.tenant_id, "recorded_by": by})
        if contact.last_followup is None or day > contact.last_followup:
            contact.last_followup = day
            contact.save(update_fields=["last_followup", "updated_at"])
        audit.record(user=by, action="create" if created else "change", object_type="followup",
                     object_id=followup.pk, person=contact.person, area=contact.area,
                     request=request, detail={"contact": contact.pk, "date": day.isoformat()})
    return followup


def hand_over_to_quarantine(*, by, contact_id: int, request=None) -> Contact:
    """The contact goes to quarantine: the quarantine module takes the follow-up over."""
    get_contact(by=by, contact_id=contact_id, capability=Can.TRACE_CONTACT, request=request)
    with transaction.atomic():
        contact = get_contact(by=by, contact_id=contact_id, capability=Can.TRACE_CONTACT,
                              lock=True)
        if not rules.may_become(contact.status, ContactStatus.QUARANTINE):
            f.refuse(_("The contact was not handed over."), "status",
                     _("only a contact under follow-up can be handed over (now: %(status)s)")
                     % {"status": contact.get_status_display()})
        contact.status = ContactStatus.QUARANTINE
        contact.save(update_fields=["status", "updated_at"])
        _audit_change(by, contact, request, fields=["status"], status=contact.status)
    return contact


def mark_lost(*, by, contact_id: int, request=None) -> Contact:
    """The contact cannot be found or reached any more: lost to follow-up (kept in the lists,
    out of the worklists)."""
    get_contact(by=by, contact_id=contact_id, capability=Can.TRACE_CONTACT, request=request)
    with transaction.atomic():
        contact = get_contact(by=by, contact_id=contact_id, capability=Can.TRACE_CONTACT,
                              lock=True)
        if not rules.may_become(contact.status, ContactStatus.LOST):
            f.refuse(_("The contact was not changed."), "status",
                     _("only a followed contact can be lost to follow-up (now: %(status)s)")
                     % {"status": contact.get_status_display()})
        contact.status = ContactStatus.LOST
        contact.save(update_fields=["status", "updated_at"])
        _audit_change(by, contact, request, fields=["status"], status=contact.status)
    return contact


def close_followups(*, by, within: Area | None = None, today: date | None = None,
                    request=None) -> int:
    """Mark every contact of the scope whose follow-up ended before `today` completed."""
    require_role(by, Can.TRACE_CONTACT, request=request, what="contact")
    today = today or f.today()
    with transaction.atomic():
        ended = list(
            Contact.objects.visible_to(by, Can.TRACE_CONTACT, within=within)
            .filter(status=ContactStatus.FOLLOWING, followup_end__lt=today)
            .select_related("person", "area").select_for_update(of=("self",)))
        Contact.objects.filter(pk__in=[c.pk for c in ended]).update(
            status=ContactStatus.COMPLETED)
        for contact in ended:
            _audit_change(by, contact, request, fields=["status"],
                          status=ContactStatus.COMPLETED)
    return len(ended)


def _infector(contact: Contact) -> Case | None:
    """The case that infected the contact: its source case, or for a contact of a close contact
    the case that close contact became (unknown while they have not)."""
    if contact.source_case_id is not None:
        return contact.source_case
    return contact.source_contact.converted_case if contact.source_contact else None


def convert_contact_to_case(*, by, contact_id: int, data: Mapping, request=None) -> Case:
    """The contact tested positive: a case linked to the contact's source, found by tracing."""
    get_contact(by=by, contact_id=contact_id, capability=Can.TRACE_CONTACT, request=request)
    readers = {k: v for k, v in CASE_READERS.items() if k not in ("source_case", "cluster")}
    data = {"detection_route": DetectionRoute.CONTACT_TRACING, **data}
    values = f.clean(data, readers, partial=False, message=_("The case was not saved."),
                     required=CASE_REQUIRED)
    check_case_dates(values)
    with transaction.atomic():
        contact = get_contact(by=by, contact_id=contact_id, capability=Can.TRACE_CONTACT,
                              lock=True)
        check_proposal(by, values, contact.area)
        resolve_case_refs(by, values, tenant_id=contact.tenant_id)  # the external id
        if not rules.may_become(contact.status, ContactStatus.CONVERTED):
            f.refuse(_("The case was not saved."), "status",
                     _("this contact already became case #%(n)s")
                     % {"n": contact.converted_case_id})
        # The source may lie outside the user's scope (a contact in this county of a case in
        # the next): the link is the contact's own, so it is kept without a second scope check.
        case = create_case(by=by, person=contact.person,
                           values={**values, "source_case": _infector(contact)},
                           request=request)
        contact.status = ContactStatus.CONVERTED
        contact.converted_case = case
        contact.save(update_fields=["status", "converted_case", "updated_at"])
        _audit_change(by, contact, request, fields=["status", "converted_case"],
                      case=case.pk)
    return case
