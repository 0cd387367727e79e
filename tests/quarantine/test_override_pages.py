"""A commander's overrides through the pages (issue 10, "Bad input"): the person page and the
awaiting list of their scope, the refusal's reason shown, and the placement, test and release
forms with a written reason, kept as an Override and in the audit trail. A manager's forms take
no reason; out of scope is "does not exist"."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from outbreakhq.core.models import AuditEvent
from outbreakhq.quarantine import services
from outbreakhq.quarantine.models import Override, Stay, StayStatus
from outbreakhq.quarantine.services.stays import today
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def commander(site):
    return make_user("commander", site.land.county1)


def _overrides(stay: Stay) -> list[tuple[str, str]]:
    return [(o.rule, o.reason) for o in Override.objects.filter(stay=stay)]


def test_a_commander_places_over_capacity_from_the_awaiting_list(site, commander):
    services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk,
                   room_number="101")  # its one bed taken
    person = site.person(name="Li Lei")
    services.add_awaiting(actor=site.actor, person_id=person.pk)
    client = logged_in(commander)
    page = client.get("/quarantine/awaiting/").content.decode()
    assert "Li Lei" in page and 'name="reason" required' in page
    form = {"person": [person.pk], "site": site.hotel.pk, "room": "101",
            "kind": "close_contact"}
    refused = client.post(f"/quarantine/people/{person.pk}/place/", form, follow=True)
    assert "room 101 is full" in refused.content.decode()  # no reason: the rule holds
    assert not Stay.objects.filter(person=person).exists()
    client.post(f"/quarantine/people/{person.pk}/place/",
                {**form, "reason": "Field hospital full tonight"})
    stay = Stay.objects.get(person=person)
    assert stay.room.number == "101"
    [(rule, reason)] = _overrides(stay)
    assert rule == "room" and reason.startswith("Field hospital full tonight")
    assert AuditEvent.objects.filter(object_type="stay", object_id=str(stay.pk),
                                     detail__override="room").exists()


def test_a_commander_sees_the_blockers_and_releases_early_with_a_reason(site, commander):
    person = site.person(name="Han Mei")
    stay = services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                          room_number="101")
    client = logged_in(commander)
    page = client.get(f"/quarantine/people/{person.pk}/").content.decode()
    assert "no result for the test of day 1" in page and "Written reason" in page
    assert f'action="/quarantine/people/{person.pk}/transfer/"' not in page  # managers'
    client.post(f"/quarantine/people/{person.pk}/release/",
                {"reason": "Moved to hospital care"})
    stay.refresh_from_db()
    assert stay.status == StayStatus.RELEASED
    assert _overrides(stay) == [("release", "Moved to hospital care")]


def test_a_commander_records_a_test_on_a_day_off_the_schedule(site, commander):
    person = site.person()
    stay = services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                          room_number="101", start=today() - timedelta(days=6))
    rule = services.rule_of(stay)
    day = next(d for d in range(1, 8) if d not in rule.test_days)
    on = stay.start + timedelta(days=day - 1)
    client = logged_in(commander)
    client.post(f"/quarantine/people/{person.pk}/tests/",
                {"date": on.isoformat(), "result": "negative", "reason": "Symptoms reported"})
    assert stay.tests.get(day=day).result == "negative"
    assert _overrides(stay) == [("test_day", "Symptoms reported")]


def test_a_managers_reason_is_refused_and_sets_no_rule_aside(site):
    person = site.person()
    stay = services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                          room_number="101")
    client = logged_in(site.manager)
    page = client.get(f"/quarantine/people/{person.pk}/").content.decode()
    assert 'name="reason"' not in page
    answer = client.post(f"/quarantine/people/{person.pk}/release/", {"reason": "Because"})
    assert answer.status_code in (400, 403, 404)
    stay.refresh_from_db()
    assert stay.status == StayStatus.PLACED and not _overrides(stay)
    other = site.person()
    answer = client.post(f"/quarantine/people/{other.pk}/place/",
                         {"person": [other.pk], "site": site.hotel.pk, "room": "101",
                          "reason": "Because"})
    assert answer.status_code == 403 and not Stay.objects.filter(person=other).exists()


def test_a_commander_of_another_county_finds_no_such_person(site):
    person = site.person()
    services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                   room_number="101")
    elsewhere = logged_in(make_user("commander", site.land.county2))
    assert elsewhere.get(f"/quarantine/people/{person.pk}/").status_code == 404
    assert elsewhere.get(f"/quarantine/people/{person.pk + 10000}/").status_code == 404
    answer = elsewhere.post(f"/quarantine/people/{person.pk}/release/", {"reason": "x"})
    assert answer.status_code in (400, 404)
    assert Stay.objects.get(person=person).status == StayStatus.PLACED


@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition")
def test_the_switch_page_previews_who_is_released_then_applies_it(site, commander):
    start = today() - timedelta(days=7)  # day 8: the last day under the twenty measures
    done = services.place(actor=site.actor, person_id=site.person(name="Done Dong").pk,
                          site_id=site.hotel.pk, room_id=site.rooms[0].pk, start=start)
    for n in (1, 2, 3, 5, 7):  # the 9th edition's test days so far
        services.record_test(actor=site.actor, stay_id=done.pk, result="negative",
                             on=start + timedelta(days=n - 1))
    for n in (6, 8):  # home days 1 and 3 of the twenty measures
        done.tests.create(tenant_id=done.tenant_id, day=n, date=start + timedelta(days=n - 1),
                          result="negative")
    recent = services.place(actor=site.actor, person_id=site.person(name="Recent Ren").pk,
                            site_id=site.hotel.pk, room_id=site.rooms[1].pk)
    client = logged_in(commander)
    query = {"to": "cn-20-measures", "on": today().isoformat()}
    page = client.get("/quarantine/switch/", query).content.decode()
    table = page[page.index('id="switch-preview"'):page.index("</table>")]
    rows = table.split("<tr>")[2:]
    assert ["Done Dong" in rows[0], "Released" in rows[0]] == [True, True]
    assert ["Recent Ren" in rows[1], "Released" in rows[1]] == [True, False]
    assert str(today() + timedelta(days=7)) in rows[1]  # the new last day
    assert "1 person released" in page
    assert Stay.objects.get(pk=done.pk).status == StayStatus.PLACED  # a preview writes nothing
    unconfirmed = client.post("/quarantine/switch/", query, follow=True)
    assert "tick the box" in unconfirmed.content.decode()
    assert Stay.objects.get(pk=done.pk).protocol == "cn-9th-edition"
    client.post("/quarantine/switch/", {**query, "confirm": "1"})
    done.refresh_from_db()
    recent.refresh_from_db()
    assert (done.status, done.ended_on, done.protocol) == ("released", today(), "cn-20-measures")
    assert recent.planned_end == today() + timedelta(days=7)
    assert AuditEvent.objects.filter(object_type="stay", object_id=str(recent.pk),
                                     detail__protocol_switch="cn-20-measures").exists()


def test_a_manager_may_not_switch_presets(site):
    services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk,
                   room_number="101")
    client = logged_in(site.manager)
    assert 'id="switch-link"' not in client.get("/quarantine/").content.decode()
    query = {"to": "cn-20-measures", "on": today().isoformat(), "confirm": "1"}
    assert client.get("/quarantine/switch/", query).status_code == 403
    assert client.post("/quarantine/switch/", query).status_code == 403
    assert Stay.objects.get().protocol != "cn-20-measures"


def test_the_switch_preview_names_everyone_it_lists_in_one_audit_event(site, commander):
    from outbreakhq.core.models import AuditShown

    person = site.person()
    services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                   room_id=site.rooms[0].pk)
    query = {"to": "cn-20-measures", "on": today().isoformat()}
    assert logged_in(commander).get("/quarantine/switch/", query).status_code == 200
    event = AuditEvent.objects.filter(object_type="stay", action="view",
                                      user=commander).latest("pk")
    assert event.detail["list"] == "preset switch"
    shown = AuditShown.objects.filter(event_id=event.pk).values_list("person_id", flat=True)
    assert list(shown) == [person.pk]
