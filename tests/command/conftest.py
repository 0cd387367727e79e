"""The command centre's tests: a territory with cases in several areas and days."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.tracing import services
from tests.factories import Territory, make_person, make_user, territory
from tests.tracing.conftest import ago, open_case


@dataclass
class Outbreak:
    land: Territory
    tracer: object
    commander: object
    analyst: object


def spread(land: Territory, tracer, per_day: dict[int, int], area=None, **data) -> list:
    """Cases opened by `tracer`: per_day maps days ago to how many (names "Patient …")."""
    cases = []
    for days_ago, n in per_day.items():
        for i in range(n):
            person = make_person(area or land.compound1, name=f"Patient {days_ago}-{i}")
            cases.append(open_case(tracer, person, report_date=ago(days_ago),
                                   onset_date=ago(days_ago + 2), **data))
    return cases


@pytest.fixture
def outbreak(db) -> Outbreak:
    land = territory()
    tracer = make_user("tracer", land.region, username="tina")
    commander = make_user("commander", land.region, username="chief")
    analyst = make_user("analyst", land.region, username="ana")
    # Growing in county 1, a few in county 2 (found under control), one in county 3.
    spread(land, tracer, {d: 1 + (20 - d) // 3 for d in range(0, 21)})
    spread(land, tracer, {3: 1}, area=land.compound3, detection_route="inbound")
    case = spread(land, tracer, {0: 1}, area=land.compound3)[0]
    services.add_contact(actor=Actor.of(tracer), case_id=case.pk,
                         person_id=make_person(land.compound3, name="Contact Person").pk,
                         data={"contact_type": "household", "last_exposure": ago(1)})
    # County 2: two contacts under follow-up found positive today (found under control).
    for i in range(2):
        person = make_person(land.compound2, name=f"Followed Person {i}")
        services.add_contact(actor=Actor.of(tracer), case_id=case.pk, person_id=person.pk,
                             data={"contact_type": "work", "last_exposure": ago(2)})
        open_case(tracer, person, detection_route="quarantine_testing")
    return Outbreak(land, tracer, commander, analyst)
