"""Every list that shows names and phones leaves one audit event per page, page or API alike,
naming the records shown and the people behind them (tracing/worklists.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from outbreakhq.core.models import AuditEvent, AuditShown
from tests.factories import make_user
from tests.tracing.conftest import open_case
from tests.tracing.test_api import Api

pytestmark = pytest.mark.django_db


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def the_list_event() -> AuditEvent:
    [event] = AuditEvent.objects.filter(detail__has_key="list")
    return event


def people_shown(event: AuditEvent) -> set[int]:
    return set(AuditShown.objects.filter(event_id=event.pk).values_list("person_id", flat=True))


def test_case_list_page_is_audited_naming_the_cases_shown(desk):
    other = open_case(desk.tracer, desk.person())
    before = AuditEvent.objects.count()

    response = client_for(desk.tracer).get("/cases/", REMOTE_ADDR="10.0.0.7")

    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = the_list_event()
    assert (event.action, event.object_type, event.channel, event.ip) == (
        "view", "case", "web", "10.0.0.7")
    assert sorted(event.detail["records"]) == sorted([desk.case.pk, other.pk])
    assert people_shown(event) == {desk.patient.pk, other.person_id}
    assert set(event.detail["people"]) == {desk.patient.pk, other.person_id}


def test_case_list_htmx_page_and_search_are_one_event_each(desk):
    client = client_for(desk.tracer)

    client.get("/cases/", {"after": "2999-01-01~1"}, HTTP_HX_REQUEST="true")
    client.get("/cases/", {"q": "Patient"})

    partial, search = AuditEvent.objects.filter(detail__has_key="list").order_by("id")
    assert (partial.action, partial.detail["records"]) == ("view", [desk.case.pk])
    assert (search.action, search.detail["query"]) == ("search", "Patient")
    assert people_shown(search) == {desk.patient.pk}


def test_a_search_that_finds_nobody_is_still_recorded(desk):
    client_for(desk.tracer).get("/cases/", {"q": "Nobody"})

    event = the_list_event()
    assert (event.action, event.detail["records"], people_shown(event)) == ("search", [], set())


def test_an_empty_list_page_writes_no_event(desk):
    before = AuditEvent.objects.count()

    client_for(desk.tracer).get("/contacts/")

    assert AuditEvent.objects.count() == before


def test_contact_list_page_is_audited_naming_the_contacts_shown(desk):
    contact = desk.contact()

    client_for(desk.tracer).get("/contacts/")

    event = the_list_event()
    assert (event.object_type, event.detail["list"]) == ("contact", "contacts")
    assert event.detail["records"] == [contact.pk]
    assert people_shown(event) == {contact.person_id}
    assert event.area_path == desk.land.compound1.path  # where an administrator finds it


def test_followup_worklist_is_audited_naming_the_contacts_shown(desk):
    contact = desk.contact()

    response = client_for(desk.tracer).get("/followups/")

    assert contact.person.name in response.content.decode()
    event = the_list_event()
    assert (event.detail["list"], event.detail["filters"]) == ("followups_due", {"who": "mine"})
    assert people_shown(event) == {contact.person_id}


def test_api_lists_are_audited_naming_the_records_shown(desk):
    contact = desk.contact()
    api = Api(desk.tracer)

    assert api.get("/cases/").status_code == 200
    assert api.get("/contacts/").status_code == 200
    assert api.get("/followups/overdue").status_code == 200

    events = AuditEvent.objects.filter(detail__has_key="list").order_by("id")
    assert [(e.detail["list"], e.channel) for e in events] == [
        ("cases", "api"), ("contacts", "api")]  # nobody is overdue: nothing shown, no event
    assert people_shown(events[0]) == {desk.patient.pk}
    assert people_shown(events[1]) == {contact.person_id}


def test_api_followups_due_is_audited_naming_the_contacts_shown(desk):
    contact = desk.contact()

    items = Api(desk.tracer).get("/followups/due").json()["items"]

    assert [i["id"] for i in items] == [contact.pk]
    event = the_list_event()
    assert (event.action, event.channel, event.detail["list"]) == ("view", "api",
                                                                  "followups_due")
    assert event.detail["records"] == [contact.pk]
    assert people_shown(event) == {contact.person_id}


def test_a_list_spanning_two_counties_is_placed_at_their_common_area(desk):
    land = desk.land
    other = make_user("tracer", land.county2)
    open_case(other, desk.person(land.compound2))
    regional = make_user("commander", land.pref1)

    client_for(regional).get("/cases/")

    event = the_list_event()
    assert (event.area_path, event.tenant_id) == (land.pref1.path, land.region.pk)


def test_a_case_page_names_its_contacts_and_infected_in_its_one_view_event(desk):
    contact = desk.contact()
    infected = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)

    client_for(desk.tracer).get(f"/cases/{desk.case.pk}/")

    [event] = AuditEvent.objects.filter(action="view", object_type="case")
    assert (event.object_id, event.person_id) == (str(desk.case.pk), desk.patient.pk)
    assert people_shown(event) == {contact.person_id, infected.person_id}


def test_a_contact_page_names_its_source_in_its_one_view_event(desk):
    contact = desk.contact()

    client_for(desk.tracer).get(f"/contacts/{contact.pk}/")

    [event] = AuditEvent.objects.filter(action="view", object_type="contact")
    assert (event.person_id, people_shown(event)) == (contact.person_id, {desk.patient.pk})


def test_a_person_page_names_the_sources_its_tracing_panel_shows(desk):
    contact = desk.contact()

    client_for(desk.tracer).get(f"/people/{contact.person_id}/")

    [event] = AuditEvent.objects.filter(action="view", object_type="person")
    assert (event.person_id, people_shown(event)) == (contact.person_id, {desk.patient.pk})


def test_an_export_names_the_people_exported_and_the_admin_panel_shows_it(desk):
    contact = desk.contact()
    elsewhere = desk.person(desk.land.compound2)
    open_case(make_user("tracer", desk.land.county2), elsewhere)

    response = client_for(desk.tracer).get("/export/contacts/?format=csv")
    b"".join(response.streaming_content)

    [event] = AuditEvent.objects.filter(action="export")
    assert people_shown(event) == {contact.person_id}
    admin = client_for(make_user("admin", desk.land.county1))
    looked = admin.get(f"/people/{contact.person_id}/").context["panels"][-1][1]["looked"]
    assert event in looked.events
    assert admin.get(f"/people/{elsewhere.pk}/").status_code == 404


def test_api_reads_of_a_cases_visits_and_a_contacts_followups_are_audited_as_views(desk):
    contact = desk.contact()
    api = Api(desk.tracer)

    assert api.get(f"/cases/{desk.case.pk}/visits").status_code == 200
    assert api.get(f"/contacts/{contact.pk}/followups").status_code == 200

    views = AuditEvent.objects.filter(action="view", channel="api").order_by("id")
    assert [(e.object_type, e.person_id) for e in views] == [
        ("case", desk.patient.pk), ("contact", contact.person_id)]
