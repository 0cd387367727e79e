"""The person page's section on tracing: the person's cases and contact records, scoped."""

from __future__ import annotations

from outbreakhq.core.models import Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.tracing.models import Case, Contact

SHOWN = 20


def person_tracing(user, person: Person) -> dict:
    cases = (Case.objects.visible_to(user).filter(person=person)
             .order_by("-report_date", "-pk")[:SHOWN])
    contacts = (Contact.objects.visible_to(user).filter(person=person)
                .select_related("source_case__person", "source_contact__person")
                .order_by("-last_exposure", "-pk")[:SHOWN])
    return {"cases": list(cases), "contacts": list(contacts),
            "may_open_case": can(user, Can.PROPOSE_CASE, person.home_area)}
