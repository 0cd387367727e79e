"""Domain events: a hand-over reaches a subscriber with the actor, and audit records it."""

from __future__ import annotations

import pytest

from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.events import CaseChanged, ContactHandedToQuarantine
from outbreakhq.core.models import AuditEvent
from outbreakhq.tracing import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def received():
    seen: list[events.Event] = []
    events.subscribe(ContactHandedToQuarantine, CaseChanged)(seen.append)
    yield seen
    events.unsubscribe(ContactHandedToQuarantine, seen.append)
    events.unsubscribe(CaseChanged, seen.append)


def test_a_contact_handed_to_quarantine_reaches_a_subscriber_with_the_actor(desk, received):
    contact = desk.contact()
    actor = Actor.of(desk.tracer)
    services.hand_over_to_quarantine(actor=actor, contact_id=contact.pk)
    [event] = received
    assert isinstance(event, ContactHandedToQuarantine)
    assert (event.actor, event.record_id, event.person, event.followup_end) == (
        actor, contact.pk, contact.person, contact.followup_end)


def test_the_hand_over_is_audited_as_a_change_of_the_contact(desk):
    contact = desk.contact()
    services.hand_over_to_quarantine(actor=Actor.of(desk.tracer), contact_id=contact.pk)
    event = AuditEvent.objects.get(action="change", object_type="contact")
    assert (event.object_id, event.detail, event.username, event.channel) == (
        str(contact.pk), {"fields": ["status"], "status": "quarantine"}, "tina", "cli")


def test_a_refused_change_publishes_nothing(desk, received):
    contact = desk.contact()
    services.mark_lost(actor=Actor.of(desk.tracer), contact_id=contact.pk)
    with pytest.raises(InvalidInput):  # lost already: no longer under follow-up
        services.hand_over_to_quarantine(actor=Actor.of(desk.tracer), contact_id=contact.pk)
    assert received == []
