"""The manager's pages and the API answer with the day's work and refuse bad input clearly."""

from __future__ import annotations

import json

import pytest

from outbreakhq.core import hooks
from outbreakhq.core.actor import Actor
from outbreakhq.quarantine import panels, services
from outbreakhq.quarantine.models import Stay
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db


def test_the_pages_show_sites_occupancy_and_the_day(site):
    person = site.person(name="Wang Fang")
    services.add_awaiting(actor=site.actor, person_id=person.pk)
    client = logged_in(site.manager)
    page = client.get("/quarantine/").content.decode()
    assert "Harbour Hotel" in page and "placed and not released" in page
    assert "Wang Fang" in client.get("/quarantine/awaiting/").content.decode()
    answer = client.post(f"/quarantine/people/{person.pk}/place/",
                         {"person": [person.pk], "site": site.hotel.pk, "room": "101",
                          "kind": "close_contact"})
    assert answer.status_code == 302
    stay = Stay.objects.get(person=person)
    day = client.get(f"/quarantine/site/?id={site.hotel.pk}").content.decode()
    assert "Wang Fang" in day and "Arrivals today (1)" in day
    page = client.get(f"/quarantine/people/{person.pk}/").content.decode()
    assert "Schedule" in page and "no result for the test of day 1" in page
    client.post(f"/quarantine/people/{person.pk}/tests/", {"result": "negative"})
    assert stay.tests.get().result == "negative"
    answer = client.post(f"/quarantine/people/{person.pk}/release/", follow=True)
    assert "The person was not released." in answer.content.decode()
    bulk = client.get("/quarantine/awaiting/bulk/").content.decode()
    assert "Nobody is awaiting placement." in bulk


def test_the_home_panel_and_the_tile_are_registered_and_count(site):
    assert any(p.context is panels.home_panel for p in hooks.HOME_PANELS)
    assert any(t.context is panels.tile for t in hooks.TILES)
    services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk,
                   room_id=site.rooms[0].pk)
    assert panels.home_panel(site.actor)["arrivals"] == 1
    commander = Actor.of(make_user("commander", site.land.region))
    assert panels.tile(commander) == {"beds": 5, "in_rooms": 1, "in_stay": 1, "free": 4}


def test_the_api_places_records_and_refuses_a_release_with_reasons(site):
    client = logged_in(site.manager)
    person = site.person()
    answer = client.post(f"/api/v1/quarantine/people/{person.pk}/place",
                         json.dumps({"site_id": site.hotel.pk, "room_id": site.rooms[0].pk}),
                         content_type="application/json")
    assert answer.status_code == 201, answer.content
    assert client.get("/api/v1/quarantine/sites").json()[0]["in_rooms"] == 1
    answer = client.post(f"/api/v1/quarantine/people/{person.pk}/tests",
                         json.dumps({"result": "negative"}), content_type="application/json")
    assert answer.status_code == 201 and answer.json()["day"] == 1
    answer = client.post(f"/api/v1/quarantine/people/{person.pk}/release", "{}",
                         content_type="application/json")
    assert answer.status_code == 400
    assert any(e["field"] == "schedule" for e in answer.json()["errors"])
    days = client.get("/api/v1/quarantine/schedule",
                      {"kind": "close_contact", "start": "2022-11-11"}).json()
    assert days[0] == {"day": 1, "date": "2022-11-11", "phase": "quarantine", "test": True}
    assert client.get("/api/v1/quarantine/schedule",
                      {"kind": "pilot", "start": "2022-11-11"}).status_code == 400


def test_the_person_page_shows_the_stay_its_test_days_and_cohorts_to_manager_and_commander(site):
    person = site.person(name="Panel Person")
    services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                   room_id=site.rooms[0].pk)
    team = services.create_cohort(actor=site.actor, area=site.land.county1,
                                  kind="quarantine_site", name="Night shift",
                                  site_id=site.hotel.pk)
    services.add_member(actor=site.actor, cohort_id=team.pk, person_id=person.pk)
    page = logged_in(site.manager).get(f"/people/{person.pk}/").content.decode()
    assert 'id="person-quarantine"' in page and "In a stay at Harbour Hotel" in page
    assert "Test of day 1" in page and "Night shift" in page
    assert "/quarantine/staff/cohort/?id=" in page
    # A commander reads it as the quarantine pages do (overriding their rules), the cohort's
    # name without the managers' cohort page; a tracer holds neither and sees no section.
    page = logged_in(make_user("commander", site.land.county1)).get(
        f"/people/{person.pk}/").content.decode()
    assert 'id="person-quarantine"' in page and "In a stay at Harbour Hotel" in page
    assert "Night shift" in page and "/quarantine/staff/cohort/?id=" not in page
    tracer = make_user("tracer", site.land.county1)
    page = logged_in(tracer).get(f"/people/{person.pk}/").content.decode()
    assert 'id="person-quarantine"' not in page


def test_the_days_work_is_on_the_api_and_the_command_line(site):
    """Arrivals, releases due, tests due and overdue, rooms free: the site page's lists, through
    the API (`GET day`, `GET forecast`) and `outbreakhq quarantine day`."""
    import io
    from datetime import timedelta

    from django.core.management import call_command

    from outbreakhq.quarantine.services.stays import today

    new = services.place(actor=site.actor, person_id=site.person().pk,
                         site_id=site.hotel.pk, room_number="101", kind="close_contact")
    old = services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk,
                         room_number="102", start=today() - timedelta(days=30))
    client = logged_in(site.manager)
    day = client.get(f"/api/v1/quarantine/day?site={site.hotel.pk}").json()
    assert [s["id"] for s in day["arrivals"]] == [new.pk]
    assert [s["id"] for s in day["releases_due"]] == [old.pk]
    assert [s["id"] for s in day["tests_due"]] == [new.pk]
    assert [s["id"] for s in day["tests_overdue"]] == [old.pk]
    assert [(r["number"], r["free"]) for r in day["rooms_free"]] == [("102", 2), ("103", 2)]
    assert client.get("/api/v1/quarantine/day").json()["arrivals"][0]["id"] == new.pk
    assert client.get("/api/v1/quarantine/day?site=999999").status_code == 404
    for _ in range(5):  # awaiting: as if placed today, for the 7 quarantine days (9th edition)
        services.add_awaiting(actor=site.actor, person_id=site.person().pk)
    forecast = client.get("/api/v1/quarantine/forecast").json()
    assert [(r["held"], r["awaiting"], r["beds"], r["short"]) for r in forecast] == [
        (1, 5, 5, 1)] * 7  # the day-30 stay holds no bed; today's holds one all week
    out = io.StringIO()
    call_command("quarantine", "day", "--user", "qiang", "--site", str(site.hotel.pk),
                 stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "list,site,room,free_beds,stay,person,start,planned_end"
    assert [line.split(",")[0] for line in lines[1:]] == [
        "arrival", "release_due", "test_due", "test_overdue", "room_free", "room_free"]
    assert f"arrival,Harbour Hotel,101,,{new.pk},{new.person_id}," in lines[1]


def test_the_days_lists_name_everyone_they_show_in_one_audit_event(site):
    """The site's day (page, API, command line) lists people: one `view` event names them."""
    from outbreakhq.core.models import AuditEvent, AuditShown

    person = site.person()
    services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                          room_number="101", kind="close_contact")
    before = AuditEvent.objects.filter(object_type="stay", action="view").count()
    assert logged_in(site.manager).get(
        f"/api/v1/quarantine/day?site={site.hotel.pk}").status_code == 200
    event = AuditEvent.objects.filter(object_type="stay", action="view").latest("pk")
    assert AuditEvent.objects.filter(object_type="stay", action="view").count() == before + 1
    shown = AuditShown.objects.filter(event_id=event.pk).values_list("person_id", flat=True)
    assert list(shown) == [person.pk]
