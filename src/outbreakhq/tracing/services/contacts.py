"""Contacts and their daily follow-up: every write and read, scoped and audited.

Follow-up windows come from the protocol preset (`protocols.current().rule_for(category)`), never
from a number written here: day 1 of follow-up is the day after the last exposure, and the last
day is `followup_days` after it, as a quarantine counted "from the last exposure" runs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.events import ContactAdded, ContactChanged, ContactViewed
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import fetch_in_scope
from outbreakhq.core.services import register_person, shown_in
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.tracing import fields as f
from outbreakhq.tracing import rules
from outbreakhq.tracing.models import (
    Case,
    Contact,
    ContactCategory,
    ContactType,
    Team,
)
from outbreakhq.tracing.services.cases import access_case, person_for

CONTACT_READERS = {
    "external_id": f.text(64),
    "contact_type": f.choice(ContactType),
    "last_exposure": f.required_date,
    "tracer": f.text(150),
    "team": f.record_number,
}
CONTACT_REQUIRED = ("contact_type", "last_exposure")


def _not_saved() -> str:
    return _("The contact was not saved.")


def followup_window(category: str, last_exposure: date) -> tuple[date, date]:
    """First and last day of follow-up for a contact of `category`, from the protocol."""
    rule = protocols.current().rule_for(category)
    if rule.followup_days == 0:
        f.refuse(_not_saved(), "category",
                 _("the protocol in force does not follow this category of contact"))
    return rules.followup_window(last_exposure, rule.followup_days)


def access_contact(actor: Actor, contact_id: int, capability: str = Can.VIEW_PERSON, *,
                   lock: bool = False) -> Contact:
    """A contact the actor may see; outside their scope, the same 404 as a missing one."""
    return fetch_in_scope(
        Contact.objects.select_related("source_case__person", "source_contact__person",
                                       "tracer", "team"),
        contact_id, actor=actor, capability=capability, what="contact", lock=lock,
        missing=_("No contact with record number %(n)s.") % {"n": contact_id})


def view_contact(*, actor: Actor, contact_id: int) -> Contact:
    contact = access_contact(actor=actor, contact_id=contact_id)
    record_contact_view(actor=actor, contact=contact)
    return contact


def record_contact_view(*, actor: Actor, contact: Contact, others: Iterable = ()) -> None:
    """The one `view` event of a contact shown; `others`: the other people's rows the page
    showed (its source, its own contacts), named in the event too."""
    events.publish(ContactViewed(actor=actor, record_id=contact.pk, person=contact.person,
                                 area=contact.area, shown=shown_in(others)))


def _tracer(actor: Actor, code: str, area: Area):
    """The named tracer (username), or the user recording the contact."""
    if not code:
        return actor.user if actor.is_authenticated else None
    user = get_user_model().objects.filter(username=code, is_active=True).first()
    if user is None or not can(user, Can.RECORD_FOLLOWUP, area):
        f.refuse(_not_saved(), "tracer", _("%(name)s is not a user who may follow people in "
                                           "%(area)s") % {"name": code, "area": area.code})
    return user


def team_for(number: int | None, tracer, area: Area) -> Team | None:
    """The named team, or the tracer's first team whose area holds the contact."""
    teams = Team.objects.filter(area__in=area.ancestors())  # the area and those above it
    if number is not None:
        team = teams.filter(pk=number).first()
        if team is None:
            f.refuse(_not_saved(), "team", _("no team #%(n)s covers %(area)s")
                     % {"n": number, "area": area.code})
        return team
    if tracer is None:
        return None
    return teams.filter(members=tracer).order_by("-area__depth", "pk").first()


def _infectious_from(case: Case) -> date | None:
    """First day the case could infect others: the protocol's look-back before onset (or the
    anchor date the protocol names for cases without symptoms)."""
    lookback = protocols.current().tracing.lookback_days_before_onset
    return rules.infectious_from(case.onset_date, case.sampling_date, lookback_days=lookback)


def check_contact(values: dict, *, person: Person | None, own: Person, case: Case | None,
                  source: Contact | None) -> None:
    errors = []
    if person is not None and person.pk == own.pk:
        errors.append(FieldError("person", _("is the source's own person: a person cannot be "
                                             "their own contact")))
    if person is not None and Contact.objects.filter(
            person=person, source_case=case, source_contact=source).exists():
        errors.append(FieldError("person", _("is already recorded as this contact")))
    start = _infectious_from(case) if case is not None else None
    if rules.exposed_before_infectious(values["last_exposure"], start):
        errors.append(FieldError("last_exposure", _(
            "%(date)s is before the case could infect anyone (from %(start)s, the protocol's "
            "look-back before onset)") % {"date": values["last_exposure"], "start": start}))
    external_id = values.get("external_id")
    if external_id and person is not None and Contact.objects.filter(
            tenant_id=person.tenant_id, external_id=external_id).exists():
        errors.append(FieldError("external_id", _("%(id)s is already the external id of "
                                                  "another contact") % {"id": external_id}))
    if errors:
        raise InvalidInput(_not_saved(), errors)


def _create_contact(actor: Actor, *, person: Person | None, new_person: Mapping | None,
                    values: dict,
                    category: str, case: Case | None, source: Contact | None) -> Contact:
    """Inside the caller's transaction: register the new person if any, then the contact."""
    person = person or register_person(actor=actor, data=new_person)
    own = case.person if case is not None else source.person
    check_contact(values, person=person, own=own, case=case, source=source)
    start, end = followup_window(category, values["last_exposure"])
    tracer = _tracer(actor, values.pop("tracer", ""), person.home_area)
    team = team_for(values.pop("team", None), tracer, person.home_area)
    contact = Contact.objects.create(
        tenant_id=person.tenant_id, area=person.home_area, person=person, category=category,
        source_case=case, source_contact=source, followup_start=start, followup_end=end,
        tracer=tracer, team=team, **values)
    events.publish(ContactAdded(
        actor=actor, record_id=contact.pk, person=person, area=contact.area,
        detail={"category": category, "case": case.pk if case else None,
                "source_contact": source.pk if source else None}))
    return contact


def add_contact(*, actor: Actor, case_id: int, data: Mapping, person_id: int | None = None,
                new_person: Mapping | None = None) -> Contact:
    """A close contact of a case: an existing person, or a new one registered on the way."""
    with unit_of_work(actor) as uow:
        case = uow.fetch(access_case, case_id, Can.TRACE_CONTACT)
        person = person_for(actor, person_id=person_id, new_person=new_person,
                            message=_not_saved())
        values = f.clean(data, CONTACT_READERS, partial=False, message=_not_saved(),
                         required=CONTACT_REQUIRED)
        return _create_contact(actor, person=person, new_person=new_person, values=values,
                               category=ContactCategory.CLOSE, case=case, source=None)


def add_secondary_contact(*, actor: Actor, contact_id: int, data: Mapping,
                          person_id: int | None = None,
                          new_person: Mapping | None = None) -> Contact:
    """A contact of a close contact, when the protocol traces them."""
    with unit_of_work(actor) as uow:
        source = uow.fetch(access_contact, contact_id, Can.TRACE_CONTACT)
        if not protocols.current().tracing.trace_contacts_of_contacts:
            f.refuse(_not_saved(), "category",
                     _("the protocol in force does not trace contacts of close contacts"))
        person = person_for(actor, person_id=person_id, new_person=new_person,
                            message=_not_saved())
        values = f.clean(data, CONTACT_READERS, partial=False, message=_not_saved(),
                         required=CONTACT_REQUIRED)
        if source.category != ContactCategory.CLOSE:
            f.refuse(_not_saved(), "source_contact",
                     _("only a close contact's contacts are traced"))
        return _create_contact(actor, person=person, new_person=new_person, values=values,
                               category=ContactCategory.SECONDARY, case=None, source=source)


def update_contact(*, actor: Actor, contact_id: int, changes: Mapping) -> Contact:
    """Correct a contact: type, last exposure (the follow-up window is recomputed from the
    protocol), tracer, team, external id. Category and source stay: they define the contact."""
    with unit_of_work(actor) as uow:
        contact = uow.fetch(access_contact, contact_id, Can.TRACE_CONTACT)
        values = f.clean(changes, CONTACT_READERS, partial=True, message=_not_saved())
        if values.get("external_id") == contact.external_id:
            values.pop("external_id")
        if "last_exposure" in values or "external_id" in values:
            merged = {"last_exposure": contact.last_exposure, **values}
            check_contact(merged, person=None, own=contact.person,
                          case=contact.source_case, source=contact.source_contact)
            if values.get("external_id") and Contact.objects.filter(
                    tenant_id=contact.tenant_id, external_id=values["external_id"]).exists():
                f.refuse(_not_saved(), "external_id", _("%(id)s is already the external id of "
                                                        "another contact")
                         % {"id": values["external_id"]})
        if "last_exposure" in values:
            values["followup_start"], values["followup_end"] = followup_window(
                contact.category, values["last_exposure"])
        if "tracer" in values:
            values["tracer"] = _tracer(actor, values["tracer"], contact.area)
        if "team" in values or "tracer" in values:
            values["team"] = team_for(values.get("team"), values.get("tracer", contact.tracer),
                                      contact.area)
        changed = sorted(k for k, v in values.items() if getattr(contact, k) != v)
        for key, value in values.items():
            setattr(contact, key, value)
        contact.save()
        events.publish(ContactChanged(actor=actor, record_id=contact.pk, person=contact.person,
                                      area=contact.area, detail={"fields": changed}))
    return contact
