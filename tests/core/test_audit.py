"""The audit trail: exactly one event per view, search, create and change of a person; no
personal values in it; append-only down to the database; browsable by administrators only,
inside their scope."""

from __future__ import annotations

import json

import pytest
from django.db import DatabaseError, connection, transaction
from django.test import Client

from outbreakhq.core import services
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Role
from tests.factories import Territory, logged_in, make_person, make_user

pytestmark = pytest.mark.django_db




def events(**filters) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(**filters).order_by("id"))


def test_opening_a_person_page_leaves_exactly_one_view_event(land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1)

    assert logged_in(user).get(f"/people/{person.pk}/", REMOTE_ADDR="10.1.2.3").status_code == 200

    [event] = events()
    assert (event.action, event.object_type, event.object_id) == ("view", "person", str(person.pk))
    assert (event.user, event.username, event.person_id) == (user, user.username, person.pk)
    assert (event.channel, event.ip, event.area_path) == ("web", "10.1.2.3", land.compound1.path)
    assert event.tenant_id == land.region.pk


def test_reading_a_person_through_the_api_leaves_exactly_one_view_event(land: Territory) -> None:
    user = make_user(Role.COMMANDER, land.county1)
    person = make_person(land.compound1)

    assert logged_in(user).get(f"/api/v1/people/{person.pk}").status_code == 200

    [event] = events()
    assert (event.action, event.person_id, event.channel) == ("view", person.pk, "api")


def test_opening_the_edit_form_of_a_person_is_audited_as_a_view(land: Territory) -> None:
    """The form shows the whole record, so reading it there is a view like any other."""
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1)

    response = logged_in(user).get(f"/people/{person.pk}/edit/")

    assert response.status_code == 200
    assert person.id_number.encode() in response.content
    assert [(e.action, e.person_id) for e in events()] == [("view", person.pk)]


def test_a_page_search_leaves_one_search_event_whatever_it_finds(land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)
    for n in range(3):
        make_person(land.compound1, name=f"Li {n}")
    client = logged_in(user)

    client.get("/people/", {"q": "Li"})
    client.get("/people/", {"q": "Nobody"})

    searches = events(action="search")
    assert [(e.detail["kind"], e.detail["results"]) for e in searches] == [("name", 3),
                                                                             ("name", 0)]
    assert AuditEvent.objects.count() == 2


def test_a_search_event_names_the_records_it_showed(land: Territory) -> None:
    """A result list shows each person's number, phone and birth date: the auditor must be
    able to tell whose records a search exposed."""
    user = make_user(Role.TRACER, land.county1)
    shown = [make_person(land.compound1, name=f"Li {n}") for n in range(2)]

    logged_in(user).get("/api/v1/people/", {"q": "Li"})

    [event] = events()
    assert sorted(event.detail["people"]) == sorted(p.pk for p in shown)


def test_an_api_search_leaves_one_search_event(land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1)

    found = logged_in(user).get("/api/v1/people/", {"q": person.phone}).json()

    assert [p["id"] for p in found] == [person.pk]
    [event] = events()
    assert (event.action, event.channel, event.detail["kind"]) == ("search", "api", "phone")


def test_registering_a_person_leaves_one_create_event_without_personal_values(
        land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)

    response = logged_in(user).post("/people/new/", {
        "name": "Wang Fang", "sex": "F", "id_type": "passport", "id_number": "E98765432",
        "phone": "13900001111", "home_area": land.compound1.code, "address": "7 Elm Lane"})

    assert response.status_code == 302
    person = Person.objects.get()
    [event] = events()
    assert (event.action, event.person_id, event.area_path) == ("create", person.pk,
                                                                land.compound1.path)
    _assert_no_personal_values(event, "Wang Fang", "E98765432", "13900001111", "7 Elm Lane")


def test_changing_a_person_leaves_one_change_event_naming_only_the_changed_fields(
        land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1, name="Old Name", address="1 Oak Road")

    response = logged_in(user).patch(f"/api/v1/people/{person.pk}", {
        "name": "New Name", "phone": "13911112222", "address": "1 Oak Road"},
        content_type="application/json")

    assert response.status_code == 200
    [event] = events()
    assert (event.action, event.person_id, event.channel) == ("change", person.pk, "api")
    assert event.detail == {"fields": ["name", "phone"]}
    _assert_no_personal_values(event, "New Name", "Old Name", "13911112222", "1 Oak Road")


def test_changing_key_groups_through_the_page_names_key_groups_in_the_change_event(
        land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1, id_type="none", id_number="")
    data = {"name": person.name, "sex": person.sex, "id_type": "none",
            "home_area": land.compound1.code, "phone": person.phone,
            "birth_date": person.birth_date.isoformat(), "key_groups": ["health_worker"]}

    assert logged_in(user).post(f"/people/{person.pk}/edit/", data).status_code == 302

    [event] = events()
    assert event.detail == {"fields": ["key_groups"]}


def test_a_refused_change_leaves_no_change_event(land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1)

    response = logged_in(user).patch(f"/api/v1/people/{person.pk}", {"id_number": "123"},
                                     content_type="application/json")

    assert response.status_code == 400
    assert not AuditEvent.objects.filter(action="change").exists()


def _assert_no_personal_values(event: AuditEvent, *values: str) -> None:
    stored = json.dumps(event.detail, ensure_ascii=False) + event.object_id
    for value in values:
        assert value not in stored


def _an_event(land: Territory) -> AuditEvent:
    user = make_user(Role.TRACER, land.county1)
    person = make_person(land.compound1)
    services.view_person(actor=Actor.of(user), person_id=person.pk)
    return AuditEvent.objects.get()


def test_updating_audit_events_in_bulk_is_refused_by_the_database(land: Territory) -> None:
    event = _an_event(land)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(pk=event.pk).update(action="change")
    assert AuditEvent.objects.get().action == "view"


def test_deleting_audit_events_in_bulk_is_refused_by_the_database(land: Territory) -> None:
    _an_event(land)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_raw_sql_cannot_rewrite_the_audit_trail(land: Territory) -> None:
    event = _an_event(land)
    for sql in ("UPDATE core_auditevent SET username = 'nobody'",
                "DELETE FROM core_auditevent"):
        with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(sql)
    assert AuditEvent.objects.get().username == event.username


def test_saving_or_deleting_an_existing_event_through_the_model_is_refused(
        land: Territory) -> None:
    event = _an_event(land)
    event.username = "nobody"
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.get().username != "nobody"


@pytest.fixture
def trail(land: Territory) -> dict[str, Person]:
    """A view in county1, one in county2, one in the parallel tree, and an unplaced event."""
    people = {"county1": make_person(land.compound1), "county2": make_person(land.compound2),
              "corps": make_person(land.corps_unit)}
    region_tracer = make_user(Role.TRACER, land.region, land.corps_root, username="tracer-all")
    for person in people.values():
        services.view_person(actor=Actor.of(region_tracer), person_id=person.pk)
    services.search_people(actor=Actor.of(region_tracer), query="nobody")
    return people


def _listed(client: Client, **query) -> list[AuditEvent]:
    response = client.get("/audit/", query)
    assert response.status_code == 200
    return response.context["events"]


def test_county_admin_sees_audit_events_of_own_county_only(
        land: Territory, trail: dict[str, Person]) -> None:
    client = logged_in(make_user(Role.ADMIN, land.county1))

    listed = _listed(client)

    assert [e.person_id for e in listed] == [trail["county1"].pk]
    assert _listed(client, person=str(trail["county2"].pk)) == []
    page = client.get("/audit/").content.decode()
    assert f'href="/people/{trail["county2"].pk}/"' not in page


def test_region_admin_sees_both_counties_and_unplaced_events_but_not_the_parallel_tree(
        land: Territory, trail: dict[str, Person]) -> None:
    client = logged_in(make_user(Role.ADMIN, land.region))

    listed = _listed(client)

    assert {e.person_id for e in listed if e.action == "view"} == {
        trail["county1"].pk, trail["county2"].pk}
    assert [e.action for e in listed if e.person_id is None] == ["search"]


def test_audit_page_filters_by_action_and_user(
        land: Territory, trail: dict[str, Person]) -> None:
    client = logged_in(make_user(Role.ADMIN, land.region))
    assert {e.action for e in _listed(client, action="search")} == {"search"}
    assert _listed(client, user="someone-else") == []
    assert len(_listed(client, user="tracer-all", action="view")) == 2


@pytest.mark.parametrize("role", [r for r in Role if r != Role.ADMIN])
def test_roles_other_than_admin_are_refused_the_audit_page_and_the_refusal_is_audited(
        land: Territory, trail: dict[str, Person], role: str) -> None:
    client = logged_in(make_user(role, land.region))
    denied = AuditEvent.objects.filter(action="denied").count()

    response = client.get("/audit/")

    assert response.status_code == 403
    assert AuditEvent.objects.filter(action="denied").count() == denied + 1


def test_posting_to_the_audit_page_changes_nothing(
        land: Territory, trail: dict[str, Person]) -> None:
    client = logged_in(make_user(Role.ADMIN, land.region))
    before = list(AuditEvent.objects.values_list("id", "action", "username"))
    assert client.post("/audit/", {"action": "delete"}).status_code in (200, 405)
    assert list(AuditEvent.objects.values_list("id", "action", "username")) == before


def test_the_django_admin_shows_audit_events_but_cannot_change_or_delete_them(
        land: Territory, trail: dict[str, Person], django_user_model) -> None:
    superuser = django_user_model.objects.create_superuser("root", password="x" * 20)
    client = logged_in(superuser)
    event = AuditEvent.objects.first()
    before = AuditEvent.objects.count()

    assert client.get("/admin/core/auditevent/").status_code == 200
    assert client.get("/admin/core/auditevent/add/").status_code == 403
    assert client.post(f"/admin/core/auditevent/{event.pk}/delete/", {"post": "yes"}) \
        .status_code == 403
    response = client.post(f"/admin/core/auditevent/{event.pk}/change/", {"username": "x"})
    assert response.status_code == 403
    assert AuditEvent.objects.count() == before
    assert AuditEvent.objects.get(pk=event.pk).username == event.username


@pytest.mark.parametrize("query", [{"person": "²"}, {"before": "²"}, {"day": "2026-02-30"},
                                   {"action": "nonsense"}, {"person": "12x"}])
def test_odd_audit_filters_are_ignored_rather_than_failing(
        land: Territory, trail: dict[str, Person], query: dict) -> None:
    client = logged_in(make_user(Role.ADMIN, land.region))
    assert client.get("/audit/", query).status_code == 200
