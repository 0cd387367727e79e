"""Domain events: a hand-over, an import batch, an export and a dismissed pair reach a subscriber
with the actor, and audit records them."""

from __future__ import annotations

import pytest

from outbreakhq.core import events, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.events import (
    CaseChanged,
    CasesImported,
    ContactHandedToQuarantine,
    ContactsImported,
    ListExported,
    PairDismissed,
    PeopleImported,
    RecordsImported,
)
from outbreakhq.core.merge import dismiss_pair
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.tracing import exporting, services
from outbreakhq.tracing.models import Case, Contact
from tests.factories import make_person
from tests.tracing.conftest import open_case
from tests.tracing.test_import import (
    CASE_HEADER,
    CONTACT_HEADER,
    ago,
    case_rows,
    cn,
    ids,
    import_file,
    tracer_land,
    write_csv,
)

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


def test_a_subscriber_sees_the_people_cases_and_contacts_an_import_creates_with_the_actor(
        tmp_path) -> None:
    land = tracer_land()
    seen: list[events.Event] = []
    hooks.subscribe(RecordsImported)(seen.append)
    try:
        numbers = ids(4)
        import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                             case_rows(land, numbers)))
        import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [
            ["K1", "Sun Li", numbers[3], land.compound1.code, "C1", "家庭", cn(ago(4))]]))
    finally:
        events.unsubscribe(RecordsImported, seen.append)
    by_kind: dict[type, set[int]] = {}
    for event in seen:
        by_kind.setdefault(type(event), set()).update(r.record_id for r in event.records)
    assert by_kind == {
        PeopleImported: set(Person.objects.values_list("pk", flat=True)),
        CasesImported: set(Case.objects.values_list("pk", flat=True)),
        ContactsImported: set(Contact.objects.values_list("pk", flat=True)),
    }
    assert {e.actor.user for e in seen} == {land.tracer}
    assert [r.area for r in seen[-1].records] == [land.compound1]


def test_a_subscriber_sees_an_export_and_a_dismissed_pair_with_the_actor() -> None:
    land = tracer_land()
    actor = Actor.of(land.tracer)
    a, b = make_person(land.compound1), make_person(land.compound1)
    open_case(land.tracer, a)
    seen: list[events.Event] = []
    hooks.subscribe(ListExported, PairDismissed)(seen.append)
    try:
        _export, count = exporting.start_export(actor=actor, kind="cases", fmt="csv")
        dismiss_pair(actor=actor, person_ids=(b.pk, a.pk))
    finally:
        events.unsubscribe(ListExported, seen.append)
        events.unsubscribe(PairDismissed, seen.append)
    exported, dismissed = seen
    assert (exported.actor, exported.kind, exported.detail["rows"]) == (actor, "cases", count)
    assert (dismissed.actor, dismissed.low, dismissed.high) == (actor, *sorted((a.pk, b.pk)))
    assert AuditEvent.objects.filter(action="export", object_type="cases").count() == 1
