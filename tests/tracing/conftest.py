"""Shared set-up for the tracing tests: a territory, a county-1 tracer and a case."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, Person
from outbreakhq.tracing import services
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case
from tests.factories import Territory, make_person, make_user, territory


@dataclass
class Desk:
    land: Territory
    tracer: object  # a tracer of county 1
    patient: Person  # lives in county 1
    case: Case

    def person(self, area: Area | None = None, **fields) -> Person:
        return make_person(area or self.land.compound1, **fields)

    def contact(self, person: Person | None = None, *, days_ago: int = 1, case: Case | None = None,
                **data):
        return services.add_contact(
            actor=Actor.of(self.tracer), case_id=(case or self.case).pk,
            person_id=(person or self.person()).pk,
            data={"contact_type": "household", "last_exposure": ago(days_ago), **data})


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def tracer_land() -> Territory:
    """The test territory with `tracer`, a tracer of county 1 (username tina)."""
    land = territory()
    land.tracer = make_user("tracer", land.county1, username="tina")
    return land


@pytest.fixture
def land(db) -> Territory:
    return tracer_land()


def open_case(by, person: Person, **data) -> Case:
    values = {"classification": "confirmed", "report_date": ago(0), "onset_date": ago(2),
              "detection_route": "clinic", **data}
    return services.open_case(actor=Actor.of(by), person_id=person.pk, data=values)


@pytest.fixture
def desk(db) -> Desk:
    land = territory()
    tracer = make_user("tracer", land.county1, username="tina")
    patient = make_person(land.compound1, name="Patient Zero")
    return Desk(land, tracer, patient, open_case(tracer, patient))
