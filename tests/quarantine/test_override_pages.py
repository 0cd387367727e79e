"""A commander's overrides through the pages (issue 10, "Bad input"): the person page and the
awaiting list of their scope, the refusal's reason shown, and the placement, test and release
forms with a written reason, kept as an Override and in the audit trail. A manager's forms take
no reason; out of scope is "does not exist"."""

from __future__ import annotations

from datetime import timedelta

import pytest

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
