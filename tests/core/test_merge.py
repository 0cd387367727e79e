"""Merging two records of one person: references move, nothing is lost, two audit events."""

from __future__ import annotations

from datetime import date

import pytest
from django.test import Client

from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound, OutOfScope
from outbreakhq.core.events import PeopleMerged
from outbreakhq.core.merge import (
    MERGE_FIELDS,
    count_references,
    dismiss_pair,
    merge_people,
    person_references,
)
from outbreakhq.core.models import (
    AuditEvent,
    DismissedPair,
    KeyGroup,
    Person,
    PersonKeyGroup,
    PersonMerge,
)
from outbreakhq.tracing.models import Case, Contact
from tests.factories import make_person, make_user

pytestmark = pytest.mark.django_db
TODAY = date(2026, 11, 20)



def tag(person: Person, *codes: str) -> None:
    for code in codes:
        PersonKeyGroup.objects.create(tenant_id=person.tenant_id, person=person,
                                      key_group=KeyGroup.objects.get(code=code))


def case_of(person: Person) -> Case:
    return Case.objects.create(tenant_id=person.tenant_id, area=person.home_area, person=person,
                               classification="confirmed", report_date=TODAY,
                               detection_route="clinic")


def contact_of(person: Person, source: Case) -> Contact:
    return Contact.objects.create(
        tenant_id=person.tenant_id, area=person.home_area, person=person, source_case=source,
        category="close_contact", contact_type="household", last_exposure=TODAY,
        followup_start=TODAY, followup_end=TODAY)


def test_every_reference_to_a_person_is_found_including_hidden_ones() -> None:
    models = {rel.related_model._meta.label for rel in person_references()}
    assert {"core.PersonKeyGroup", "tracing.Case", "tracing.Contact"} <= models
    related = {rel.related_model for rel in Person._meta.related_objects if not rel.many_to_many}
    assert related <= {rel.related_model for rel in person_references()}


def test_merge_moves_case_and_contact_keeps_snapshot_unions_key_groups_and_audits_twice(
        land) -> None:
    tracer = make_user("tracer", land.county1)
    keep = make_person(land.compound1, name="Wang Fang", phone="", address="")
    merged = make_person(land.compound1, name="Wang  Fang", phone="13911112222",
                         address="3 Elm Road", sex="F")
    tag(keep, "health_worker", "traveller")
    tag(merged, "traveller", "market_vendor")
    source = case_of(make_person(land.compound1, name="Index Case"))
    case, contact = case_of(merged), contact_of(merged, source)
    events = AuditEvent.objects.count()

    result = merge_people(actor=Actor.of(tracer), keep_id=keep.pk, merge_id=merged.pk,
                          choices={"phone": "merge", "address": "merge", "name": "keep"})

    keep.refresh_from_db()
    assert (keep.name, keep.phone, keep.address, keep.sex) == (
        "Wang Fang", "13911112222", "3 Elm Road", "M")
    assert not Person.objects.filter(pk=merged.pk).exists()
    case.refresh_from_db()
    contact.refresh_from_db()
    assert case.person_id == contact.person_id == keep.pk
    assert sorted(keep.key_groups.values_list("code", flat=True)) == [
        "health_worker", "market_vendor", "traveller"]

    log = PersonMerge.objects.get()
    assert log == result.log
    assert (log.kept_id, log.merged_id, log.by_username) == (keep.pk, merged.pk, tracer.username)
    assert log.merged["name"] == "Wang  Fang" and log.merged["sex"] == "F"
    assert log.merged["id_number"] == merged.id_number
    assert log.merged["key_groups"] == ["market_vendor", "traveller"]
    assert log.kept_before["phone"] == ""
    assert log.moved["tracing.Case"] == [case.pk]
    assert log.moved["tracing.Contact"] == [contact.pk]
    assert log.choices["phone"] == "merge" and log.choices["sex"] == "keep"

    new = AuditEvent.objects.order_by("id")[events:]
    assert [(e.action, e.object_type, e.object_id) for e in new] == [
        ("change", "person", str(keep.pk)), ("delete", "person", str(merged.pk))]
    assert new[0].detail["fields"] == ["phone", "address", "key_groups"]
    assert new[1].detail["merged_into"] == keep.pk
    assert new[1].person_id == merged.pk


def test_document_is_taken_as_a_whole(land) -> None:
    tracer = make_user("tracer", land.county1)
    keep = make_person(land.compound1, id_type="none", id_number="")
    merged = make_person(land.compound1, id_type="passport", id_number="E1234567")
    merge_people(actor=Actor.of(tracer), keep_id=keep.pk, merge_id=merged.pk,
                 choices={"document": "merge"})
    keep.refresh_from_db()
    assert (keep.id_type, keep.id_number) == ("passport", "E1234567")


def test_merge_across_scope_is_refused_audited_and_changes_nothing(land) -> None:
    tracer = make_user("tracer", land.county1)
    keep = make_person(land.compound1, name="Wu Di")
    other = make_person(land.compound2, name="Wu Di")
    case = case_of(other)
    before = Person.objects.filter(pk__in=[keep.pk, other.pk]).values().order_by("pk")
    before = list(before)

    with pytest.raises(NotFound):  # outside the scope: as if it did not exist
        merge_people(actor=Actor.of(tracer), keep_id=keep.pk, merge_id=other.pk, choices={})

    assert list(Person.objects.filter(pk__in=[keep.pk, other.pk]).values().order_by("pk")) \
        == before
    case.refresh_from_db()
    assert case.person_id == other.pk
    assert not PersonMerge.objects.exists()
    assert list(AuditEvent.objects.values_list("action", "person_id")) == [("denied", other.pk)]


def test_when_both_records_are_refused_the_answer_names_the_kept_one_and_audits_it_once(
        land) -> None:
    tracer = make_user("tracer", land.county1)
    low, high = make_person(land.compound2), make_person(land.compound2)
    for keep, merged in ((high, low), (low, high)):
        before = AuditEvent.objects.count()
        with pytest.raises(NotFound) as refused:
            merge_people(actor=Actor.of(tracer), keep_id=keep.pk, merge_id=merged.pk,
                         choices={})
        assert str(keep.pk) in str(refused.value)
        assert list(AuditEvent.objects.order_by("pk")[before:].values_list(
            "action", "person_id")) == [("denied", keep.pk)]


def test_merge_through_the_api_across_scope_is_a_404(land) -> None:
    client = Client()
    client.force_login(make_user("tracer", land.county1))
    keep = make_person(land.compound1)
    other = make_person(land.compound2)
    response = client.post("/api/v1/people/merge", {"keep_id": keep.pk, "merge_id": other.pk},
                           content_type="application/json")
    assert response.status_code == 404
    assert Person.objects.filter(pk=other.pk).exists()
    assert AuditEvent.objects.filter(action="denied").count() == 1


def test_merge_through_the_api(land) -> None:
    client = Client()
    client.force_login(make_user("tracer", land.county1))
    keep = make_person(land.compound1, name="Old Name")
    merged = make_person(land.compound1, name="New Name")
    response = client.post("/api/v1/people/merge", {
        "keep_id": keep.pk, "merge_id": merged.pk, "choices": {"name": "merge"}},
        content_type="application/json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["person"]["name"] == "New Name"
    assert body["merge_id"] == PersonMerge.objects.get().pk


def test_a_role_that_may_only_view_cannot_merge(land) -> None:
    commander = make_user("commander", land.county1)
    a, b = make_person(land.compound1), make_person(land.compound1)
    with pytest.raises(OutOfScope):
        merge_people(actor=Actor.of(commander), keep_id=a.pk, merge_id=b.pk, choices={})
    assert Person.objects.filter(pk=b.pk).exists()


def test_records_of_two_trees_are_not_merged(land) -> None:
    admin = make_user("tracer", land.region, land.corps_root)
    a, b = make_person(land.compound1), make_person(land.corps_unit)
    with pytest.raises(InvalidInput):
        merge_people(actor=Actor.of(admin), keep_id=a.pk, merge_id=b.pk, choices={})
    assert Person.objects.filter(pk=b.pk).exists()


def test_unknown_field_or_side_and_merging_with_itself_are_refused(land) -> None:
    tracer = make_user("tracer", land.county1)
    a, b = make_person(land.compound1), make_person(land.compound1)
    for choices in ({"tenant": "merge"}, {"name": "both"}):
        with pytest.raises(InvalidInput):
            merge_people(actor=Actor.of(tracer), keep_id=a.pk, merge_id=b.pk, choices=choices)
    with pytest.raises(InvalidInput):
        merge_people(actor=Actor.of(tracer), keep_id=a.pk, merge_id=a.pk, choices={})
    assert Person.objects.filter(pk=b.pk).exists()


def test_dismissals_of_the_merged_record_pass_to_the_kept_one(land) -> None:
    tracer = make_user("tracer", land.county1)
    keep, merged, other = (make_person(land.compound1) for _ in range(3))
    dismiss_pair(actor=Actor.of(tracer), person_ids=(merged.pk, other.pk))
    dismiss_pair(actor=Actor.of(tracer), person_ids=(keep.pk, merged.pk))
    merge_people(actor=Actor.of(tracer), keep_id=keep.pk, merge_id=merged.pk, choices={})
    assert list(DismissedPair.objects.values_list("person_low", "person_high")) == [
        (min(keep.pk, other.pk), max(keep.pk, other.pk))]


def test_references_are_counted_per_side(land) -> None:
    person = make_person(land.compound1)
    source = case_of(make_person(land.compound1))
    case_of(person)
    case_of(person)
    contact_of(person, source)
    tag(person, "traveller")
    assert dict(count_references(person)) == {"cases": 2, "contact": 1}


def test_every_field_of_the_form_is_a_person_field() -> None:
    names = {f.name for f in Person._meta.fields}
    assert {c for cols in MERGE_FIELDS.values() for c in cols} <= names


def test_a_module_can_refuse_a_merge_and_nothing_changes(land) -> None:
    tracer = make_user("tracer", land.county1)
    keep, merged = make_person(land.compound1), make_person(land.compound1)
    case = case_of(merged)

    def refuse(event: PeopleMerged):
        assert event.moved == {"tracing.Case": [case.pk]}
        raise InvalidInput("a rule of another module says no")

    events.subscribe(PeopleMerged)(refuse)
    try:
        with pytest.raises(InvalidInput):
            merge_people(actor=Actor.of(tracer), keep_id=keep.pk, merge_id=merged.pk, choices={})
    finally:
        events.unsubscribe(PeopleMerged, refuse)
    case.refresh_from_db()
    assert case.person_id == merged.pk
    assert not PersonMerge.objects.exists()
    assert not AuditEvent.objects.exists()


def test_merge_pages_refuse_a_person_of_another_county(land) -> None:
    client = Client()
    client.force_login(make_user("tracer", land.county1))
    keep, other = make_person(land.compound1), make_person(land.compound2, name="Far Away")
    for response in (client.get(f"/duplicates/{keep.pk}/{other.pk}/"),
                     client.post(f"/duplicates/{keep.pk}/{other.pk}/", {"choice_name": "merge"}),
                     client.post(f"/duplicates/{keep.pk}/{other.pk}/merge/"),
                     client.post(f"/duplicates/{keep.pk}/{other.pk}/dismiss/")):
        assert response.status_code == 404
        assert b"Far Away" not in response.content
    assert Person.objects.filter(pk=other.pk).exists()
    assert not DismissedPair.objects.exists()
    assert AuditEvent.objects.filter(action="denied").count() == 4
    assert not AuditEvent.objects.filter(action="view", person_id=other.pk).exists()


def test_compare_page_records_two_views_and_merge_page_lands_on_the_kept_record(land) -> None:
    client = Client()
    client.force_login(make_user("tracer", land.county1))
    keep = make_person(land.compound1, name="Kept", phone="")
    merged = make_person(land.compound1, name="Gone", phone="13800000000")
    page = client.get(f"/duplicates/{keep.pk}/{merged.pk}/")
    assert page.status_code == 200
    assert AuditEvent.objects.filter(action="view").count() == 2
    differs = [row.key for row in page.context["rows"] if row.differs]
    assert "name" in differs and "phone" in differs
    confirm = client.post(f"/duplicates/{keep.pk}/{merged.pk}/", {"choice_phone": "merge"})
    assert b"13800000000" in confirm.content
    done = client.post(f"/duplicates/{keep.pk}/{merged.pk}/merge/", {"choice_phone": "merge"})
    assert done.status_code == 302 and done["Location"] == f"/people/{keep.pk}/"
    keep.refresh_from_db()
    assert (keep.name, keep.phone) == ("Kept", "13800000000")
