"""The person page's section on tracing: the person's cases and contact records, scoped."""

from __future__ import annotations

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.tracing.models import Case, Contact

SHOWN = 20


def source_seen(actor: Actor, contact: Contact) -> bool:
    """Whether the user may see the contact's source (case or close contact). A contact of this
    county may have its source in the next: its number is the contact's own link, but the
    source person's name is not this user's to read (issue 7)."""
    source = contact.source_case or contact.source_contact
    return source is not None and can(actor, Can.VIEW_PERSON, source.area)


def person_tracing(actor: Actor, person: Person) -> dict:
    cases = (Case.objects.visible_to(actor).filter(person=person)
             .order_by("-report_date", "-pk")[:SHOWN])
    contacts = list(Contact.objects.visible_to(actor).filter(person=person)
                    .select_related("source_case__person", "source_case__area",
                                    "source_contact__person", "source_contact__area")
                    .order_by("-last_exposure", "-pk")[:SHOWN])
    for contact in contacts:
        contact.source_seen = source_seen(actor, contact)
    return {"cases": list(cases), "contacts": contacts,
            "may_open_case": can(actor, Can.PROPOSE_CASE, person.home_area),
            # Sources shown by name (audited with the page's view event); others by number only.
            "shown_rows": [c.source_case or c.source_contact for c in contacts if c.source_seen]}
