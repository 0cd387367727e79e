"""What tracing does when other modules report: an individual positive test (screening's
retest, a quarantine stay's test) becomes a suspected case proposed to the tracers."""

from __future__ import annotations

from outbreakhq.core.events import PositiveResultRecorded, PositiveResultsRecorded
from outbreakhq.tracing.models import Case
from outbreakhq.tracing.services.cases import (
    propose_case_from_result,
    propose_cases_from_results,
)


def propose_case(event: PositiveResultRecorded) -> Case | None:
    """The proposal, made by the service for it on behalf of the result's recorder."""
    return propose_case_from_result(
        actor=event.actor, person_id=event.person_id, detection_route=event.detection_route,
        sampled_on=event.sampled_on, reference=event.reference,
        found_under_control=event.found_under_control)


def propose_cases(event: PositiveResultsRecorded) -> None:
    """A batch of results (a lab's retests): the proposals written set-based."""
    propose_cases_from_results(actor=event.actor, results=event.results)
