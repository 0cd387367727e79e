"""What tracing does when other modules report: individual positive tests (screening's
retests, a quarantine stay's test) become suspected cases proposed to the tracers."""

from __future__ import annotations

from outbreakhq.core.events import PositiveResultsRecorded
from outbreakhq.tracing.services.cases import propose_cases_from_results


def propose_cases(event: PositiveResultsRecorded) -> None:
    """The proposals, made by the service for them on behalf of the results' recorder."""
    propose_cases_from_results(actor=event.actor, results=event.results)
