""""Who looked at this person": every event that showed them, single views and lists alike,
for the administrators of their area only; the table behind it is append-only."""

from __future__ import annotations

import pytest
from django.db import DatabaseError, connection, transaction

from outbreakhq.core import services
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, AuditShown
from outbreakhq.core.roles import Role
from outbreakhq.core.who_looked import events_showing
from tests.factories import Territory, logged_in, make_person, make_user

pytestmark = pytest.mark.django_db




def test_admin_sees_who_looked_at_a_person(land: Territory) -> None:
    person = make_person(land.compound1, name="Li Wei")
    tina = logged_in(make_user(Role.TRACER, land.county1, username="tina"))
    tina.get(f"/people/{person.pk}/", REMOTE_ADDR="10.0.0.1")
    tina.get("/people/", {"q": "Li"}, REMOTE_ADDR="10.0.0.2")
    logged_in(make_user(Role.SCREENING, land.county1, username="sam")).get(
        "/api/v1/people/", {"q": "Li"}, REMOTE_ADDR="10.0.0.3")
    make_person(land.compound1, name="Li Na")  # shown by no one

    response = logged_in(make_user(Role.ADMIN, land.county1, username="boss")).get(
        f"/people/{person.pk}/")

    assert response.status_code == 200
    looked = response.context["panels"][-1][1]["looked"]
    assert [(e.username, e.action, e.channel, e.ip) for e in looked.events] == [
        ("sam", "search", "api", "10.0.0.3"),
        ("tina", "search", "web", "10.0.0.2"), ("tina", "view", "web", "10.0.0.1")]
    html = response.content.decode()
    assert 'id="who-looked"' in html and "10.0.0.3" in html and "people search" in html


def test_tracer_does_not_see_the_who_looked_panel(land: Territory) -> None:
    person = make_person(land.compound1)
    tina = logged_in(make_user(Role.TRACER, land.county1))

    html = tina.get(f"/people/{person.pk}/").content.decode()

    assert 'id="who-looked"' not in html
    assert tina.get(f"/people/{person.pk}/looked/").status_code == 403


def test_the_admin_of_another_county_is_refused_the_older_events(land: Territory) -> None:
    person = make_person(land.compound1)
    denied = AuditEvent.objects.filter(action="denied").count()

    response = logged_in(make_user(Role.ADMIN, land.county2)).get(f"/people/{person.pk}/looked/")

    assert response.status_code == 404  # the same answer as for a record that does not exist
    assert AuditEvent.objects.filter(action="denied").count() == denied + 1


def test_older_events_page_backwards_from_the_newest(land: Territory) -> None:
    person = make_person(land.compound1)
    tracer = make_user(Role.TRACER, land.county1)
    for _ in range(3):
        services.view_person(actor=Actor.of(tracer), person_id=person.pk)
        services.search_people(actor=Actor.of(tracer), query=person.phone)
    admin = logged_in(make_user(Role.ADMIN, land.region))

    first = events_showing(person, limit=4)
    rest = admin.get(f"/people/{person.pk}/looked/", {"before": first.next_before})

    assert rest.status_code == 200
    older = rest.context["looked"].events
    ids = [e.pk for e in first.events + older]
    assert ids == sorted(ids, reverse=True) and len(ids) == 6
    assert rest.context["looked"].next_before is None


def test_events_of_a_record_merged_into_this_one_count_as_this_persons(land: Territory) -> None:
    from outbreakhq.core.merge import merge_people

    kept = make_person(land.compound1, name="Zhang San")
    merged = make_person(land.compound1, name="Zhang San", id_type="none", id_number="")
    tracer = make_user(Role.TRACER, land.county1)
    services.search_people(actor=Actor.of(tracer), query=merged.phone)
    merge_people(actor=Actor.of(tracer), keep_id=kept.pk, merge_id=merged.pk, choices={})

    actions = [(e.action, e.detail.get("kind")) for e in events_showing(kept).events]

    assert ("search", "phone") in actions


def _a_shown_row(land: Territory) -> AuditShown:
    person = make_person(land.compound1)
    services.search_people(actor=Actor.of(make_user(Role.TRACER, land.county1)), query=person.phone)
    return AuditShown.objects.get()


def test_the_shown_table_refuses_update_and_delete_in_the_database(land: Territory) -> None:
    row = _a_shown_row(land)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditShown.objects.filter(person_id=row.person_id).update(person_id=0)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditShown.objects.all().delete()
    for sql in ("UPDATE core_auditshown SET person_id = 0", "DELETE FROM core_auditshown"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditShown.objects.get().person_id == row.person_id


def test_the_shown_table_refuses_being_emptied_at_once(land: Territory) -> None:
    # PostgreSQL's TRUNCATE skips row triggers (a statement trigger refuses it); SQLite has no
    # TRUNCATE but empties a table with a bare DELETE, which its triggers refuse.
    statement = ("TRUNCATE core_auditshown" if connection.vendor == "postgresql"
                 else "DELETE FROM core_auditshown")
    _a_shown_row(land)
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)
    assert AuditShown.objects.count() == 1


def test_a_shown_row_cannot_be_saved_again_or_deleted_through_the_model(land: Territory) -> None:
    row = _a_shown_row(land)
    with pytest.raises(PermissionError):
        row.save()
    with pytest.raises(PermissionError):
        row.delete()


def test_the_audit_browser_filtered_by_person_finds_the_lists_that_showed_them(
        land: Territory) -> None:
    person = make_person(land.compound1)
    tracer = make_user(Role.TRACER, land.county1)
    services.search_people(actor=Actor.of(tracer), query=person.phone)
    services.view_person(actor=Actor.of(tracer), person_id=person.pk)
    services.search_people(actor=Actor.of(tracer), query="nobody")

    response = logged_in(make_user(Role.ADMIN, land.region)).get(
        "/audit/", {"person": str(person.pk)})

    assert [e.action for e in response.context["events"]] == ["view", "search"]
