"""A positive individual result proposes a suspected case to the tracers, on behalf of whoever
recorded it (tracing/services/cases.py propose_cases_from_results)."""

from __future__ import annotations

from datetime import date

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import AppError
from outbreakhq.core.events import PositiveResultRecorded
from outbreakhq.core.models import AuditEvent
from outbreakhq.core.roles import Role
from outbreakhq.tracing.models import Case, Classification
from outbreakhq.tracing.services.cases import propose_cases_from_results
from tests.factories import make_person, make_user, territory

pytestmark = pytest.mark.django_db


def propose(user, person, **extra):
    """The one case proposed for this person's positive, or None."""
    actor = Actor.for_command(user)
    cases = propose_cases_from_results(actor=actor, results=[PositiveResultRecorded(
        actor=actor, person_id=person.pk, area_path=person.home_area.path,
        detection_route="community_screening", sampled_on=date(2026, 12, 1),
        reference="tube T-1", found_under_control=extra.get("under_control", False))])
    return cases[0] if cases else None


def test_the_lab_that_recorded_a_positive_proposes_a_suspected_case_for_the_tracers() -> None:
    land = territory()
    person = make_person(land.compound1)
    lab = make_user(Role.LAB, land.county1)
    case = propose(lab, person, under_control=True)
    assert case.classification == Classification.SUSPECTED
    assert case.detection_route == "community_screening"
    assert case.sampling_date == date(2026, 12, 1)
    assert case.under_control_when_found
    assert case.created_by == lab


def test_a_person_with_an_open_case_gets_no_second_one() -> None:
    land = territory()
    person = make_person(land.compound1)
    lab = make_user(Role.LAB, land.county1)
    propose(lab, person)
    assert propose(lab, person) is None
    assert Case.objects.filter(person=person).count() == 1


def test_someone_who_may_neither_propose_nor_record_results_is_refused_and_audited() -> None:
    land = territory()
    person = make_person(land.compound1)
    analyst = make_user(Role.ANALYST, land.region)
    with pytest.raises(AppError):
        propose(analyst, person)
    assert not Case.objects.filter(person=person).exists()
    assert AuditEvent.objects.filter(user=analyst, action="denied").exists()
