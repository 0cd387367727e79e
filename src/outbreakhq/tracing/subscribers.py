"""What tracing does when other modules report: an individual positive test (screening's
retest, a quarantine stay's test) becomes a suspected case proposed to the tracers."""

from __future__ import annotations

from django.utils import timezone

from outbreakhq.core.events import PositiveResultRecorded
from outbreakhq.core.models import Person
from outbreakhq.tracing.models import Case, Classification, Outcome
from outbreakhq.tracing.services.cases import create_case


def propose_case(event: PositiveResultRecorded) -> Case | None:
    """Open a suspected case for the person, found by `event.detection_route`, unless they
    already have an open case (not discarded, still under treatment). Runs in the publisher's
    transaction: the result and the proposal commit together."""
    if Case.objects.filter(person_id=event.person_id, outcome=Outcome.ACTIVE).exclude(
            classification=Classification.DISCARDED).exists():
        return None
    person = Person.objects.select_related("home_area").get(pk=event.person_id)
    case = create_case(actor=event.actor, person=person, values={
        "classification": Classification.SUSPECTED, "detection_route": event.detection_route,
        "sampling_date": event.sampled_on, "report_date": timezone.localdate(),
        "notes": event.reference})
    if event.found_under_control and not case.under_control_when_found:
        case.under_control_when_found = True
        case.save(update_fields=["under_control_when_found"])
    return case
