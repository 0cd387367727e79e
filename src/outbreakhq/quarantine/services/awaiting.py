"""The "awaiting placement" list: people handed over by tracing (ContactHandedToQuarantine)
or added by the site manager (an inbound traveller), until a stay is opened for them."""

from __future__ import annotations

from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.events import ContactHandedToQuarantine
from outbreakhq.core.models import Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import access_person, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.quarantine.models import Awaiting, AwaitingStatus, Stay, StayStatus
from outbreakhq.quarantine.services.stays import refuse


def _enqueue(actor: Actor, person: Person, *, kind: str, contact_id: int | None,
             household: str = "") -> Awaiting | None:
    """One waiting entry per person; nobody already in a stay waits."""
    if Stay.objects.filter(person=person, status=StayStatus.PLACED).exists():
        return None
    entry, created = Awaiting.objects.get_or_create(
        person=person, status=AwaitingStatus.WAITING,
        defaults={"tenant_id": person.tenant_id, "area_id": person.home_area_id, "kind": kind,
                  "contact_id": contact_id, "household": household})
    if created:
        audit.record(actor=actor, action="create", object_type="awaiting", object_id=entry.pk,
                     person=person, area=person.home_area, detail={"kind": kind})
    return entry


def contact_handed_over(event: ContactHandedToQuarantine) -> None:
    """Subscriber: the contact tracing handed over now waits for a place (in the tracer's
    transaction, so the hand-over and the waiting entry commit together)."""
    _enqueue(event.actor, event.person, kind="close_contact", contact_id=event.record_id)


def add_awaiting(*, actor: Actor, person_id: int, kind: str = "close_contact",
                 household: str = "") -> Awaiting:
    """The manager adds someone to the list by hand (an inbound traveller, a walk-in)."""
    message = _("The person was not added to the list.")
    require_role(actor, Can.MANAGE_STAYS, what="awaiting")
    with unit_of_work(actor) as uow:
        person = uow.fetch(access_person, person_id, Can.MANAGE_STAYS)
        if kind not in protocols.PERSON_CATEGORIES:
            refuse(message, "kind", _("%(kind)r is not one of %(kinds)s")
                   % {"kind": kind, "kinds": ", ".join(protocols.PERSON_CATEGORIES)})
        entry = _enqueue(actor, person, kind=kind, contact_id=None,
                         household=(household or "").strip()[:40])
        if entry is None:
            refuse(message, "person", _("%(name)s is already in a stay") % {"name": person.name})
    return entry
