"""The unit of work and the refusals it keeps: one fetch per change, refusals outlive rollbacks."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbreakhq.core import scoped
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import NotFound
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.services import register_person
from outbreakhq.tracing import services
from outbreakhq.tracing.services.cases import access_case
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def test_a_scoped_change_fetches_its_row_once(desk) -> None:
    contact = desk.contact()
    with CaptureQueriesContext(connection) as queries:
        services.mark_lost(actor=Actor.of(desk.tracer), contact_id=contact.pk)
    fetches = [q["sql"] for q in queries.captured_queries
               if q["sql"].startswith("SELECT") and 'FROM "tracing_contact"' in q["sql"]]
    assert len(fetches) == 1


def test_a_refusal_inside_a_batch_stays_audited_after_the_batch_rolls_back(desk) -> None:
    other_county = make_user("tracer", desk.land.county2, username="olga")
    actor = Actor.of(other_county)
    with pytest.raises(NotFound), scoped.atomic():
        register_person(actor=actor, data={"name": "Written Then Rolled Back",
                                           "home_area": desk.land.county2.code})
        access_case(actor, desk.case.pk, Can.MANAGE_CASE)
    assert not Person.objects.filter(name="Written Then Rolled Back").exists()
    denied = AuditEvent.objects.get(action="denied", object_type="case")
    assert (denied.object_id, denied.username) == (str(desk.case.pk), "olga")


def test_a_refused_change_leaves_one_denied_event_and_changes_nothing(desk) -> None:
    contact = desk.contact()
    outsider = make_user("tracer", desk.land.county2, username="olga")
    with pytest.raises(NotFound):
        services.hand_over_to_quarantine(actor=Actor.of(outsider), contact_id=contact.pk)
    contact.refresh_from_db()
    assert contact.status == "following"
    assert AuditEvent.objects.filter(action="denied", object_type="contact",
                                     object_id=str(contact.pk)).count() == 1


def test_a_refusal_outside_any_batch_is_written_at_once(desk) -> None:
    outsider = Actor.of(make_user("tracer", desk.land.county2, username="olga"))
    with pytest.raises(NotFound):
        access_case(outsider, desk.case.pk)
    assert AuditEvent.objects.filter(action="denied").count() == 1
