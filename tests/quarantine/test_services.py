"""Placing, transferring, testing and releasing: the rules of issue 10 at the database."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from outbreakhq.core import events, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotPermitted
from outbreakhq.core.models import AuditEvent
from outbreakhq.quarantine import services, worklists
from outbreakhq.quarantine.models import Awaiting, Override, Stay, StayStatus
from outbreakhq.quarantine.services.stays import today
from tests.factories import make_user

pytestmark = pytest.mark.django_db


def place(site, person, room, **kw) -> Stay:
    return services.place(actor=site.actor, person_id=person.pk, site_id=site.hotel.pk,
                          room_id=room.pk, **kw)


def problems(exc) -> str:
    return " ".join(str(e) for e in exc.value.errors)


@override_settings(OUTBREAKHQ_PROTOCOL="cn-20-measures")
def test_a_placed_close_contact_gets_the_presets_dates(site):
    stay = place(site, site.person(), site.rooms[0])
    assert (stay.start, stay.status, stay.protocol) == (today(), "placed", "cn-20-measures")
    assert stay.planned_end == today() + timedelta(days=7)
    assert stay.quarantine_end == today() + timedelta(days=4)


def test_a_full_room_refuses_the_next_person(site):
    place(site, site.person(), site.rooms[0])
    with pytest.raises(InvalidInput) as exc:
        place(site, site.person(), site.rooms[0])
    assert "room 101 is full: 1 of 1 beds taken" in problems(exc)
    assert Stay.objects.count() == 1


def test_unrelated_people_do_not_share_a_room_unless_the_site_allows(site):
    place(site, site.person(), site.rooms[1])
    with pytest.raises(InvalidInput) as exc:
        place(site, site.person(), site.rooms[1])
    assert "does not put unrelated people in one room" in problems(exc)
    site.hotel.shared_rooms = True
    site.hotel.save()
    place(site, site.person(), site.rooms[1])


def test_a_household_is_placed_together_and_its_next_member_joins_its_room(site):
    a, b, c = site.person(), site.person(), site.person()
    stays = services.place_household(actor=site.actor, person_ids=[a.pk, b.pk],
                                     site_id=site.hotel.pk, room_id=site.rooms[1].pk)
    assert {s.household for s in stays} == {f"H{min(a.pk, b.pk)}"}
    with pytest.raises(InvalidInput) as exc:
        place(site, c, site.rooms[2], household=stays[0].household)
    assert "place its members together" in problems(exc)


def test_a_household_too_big_for_the_room_is_not_placed_at_all(site):
    people = [site.person() for _ in range(3)]
    with pytest.raises(InvalidInput):
        services.place_household(actor=site.actor, person_ids=[p.pk for p in people],
                                 site_id=site.hotel.pk, room_id=site.rooms[1].pk)
    assert not Stay.objects.exists()


def test_a_person_already_in_a_stay_is_refused(site):
    person = site.person()
    place(site, person, site.rooms[1])
    with pytest.raises(InvalidInput) as exc:
        place(site, person, site.rooms[2])
    assert "is already in a stay at Harbour Hotel" in problems(exc)


def test_a_start_in_the_future_or_a_release_before_the_start_is_refused(site):
    with pytest.raises(InvalidInput) as exc:
        place(site, site.person(), site.rooms[0], start=today() + timedelta(days=1))
    assert "start" in problems(exc) and "in the future" in problems(exc)
    stay = place(site, site.person(), site.rooms[0], start=today() - timedelta(days=2))
    with pytest.raises(InvalidInput) as exc:
        services.release(actor=site.actor, stay_id=stay.pk, on=today() - timedelta(days=3))
    assert "before the stay began" in problems(exc)


@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition")
def test_a_result_on_a_day_that_is_not_a_test_day_needs_an_override(site):
    stay = place(site, site.person(), site.rooms[0], start=today() - timedelta(days=3))
    with pytest.raises(InvalidInput) as exc:  # today is day 4; tests on 1, 2, 3, 5, 7, 10
        services.record_test(actor=site.actor, stay_id=stay.pk, result="negative")
    assert "day 4, not a test day" in problems(exc)
    commander = Actor.of(make_user("commander", site.land.region))
    services.record_test(actor=commander, stay_id=stay.pk, result="negative",
                         override_reason="Sent for a test by the clinic")
    assert Override.objects.get().rule == "test_day"


@override_settings(OUTBREAKHQ_PROTOCOL="cn-20-measures")
def test_release_is_blocked_until_the_schedule_is_complete_and_negative(site):
    start = today() - timedelta(days=7)  # today is day 8, the last
    stay = place(site, site.person(), site.rooms[0], start=start)
    with pytest.raises(InvalidInput) as exc:
        services.release(actor=site.actor, stay_id=stay.pk)
    assert "no result for the test of day 1" in problems(exc)
    for n in (1, 2, 3, 5, 6, 8):
        services.record_test(actor=site.actor, stay_id=stay.pk,
                             on=start + timedelta(days=n - 1), result="negative")
    released = services.release(actor=site.actor, stay_id=stay.pk)
    assert (released.status, released.ended_on) == (StayStatus.RELEASED, today())


def test_a_manager_cannot_override_and_a_commander_override_is_audited(site):
    stay = place(site, site.person(), site.rooms[0])
    with pytest.raises(NotPermitted):
        services.release(actor=site.actor, stay_id=stay.pk, override_reason="family emergency")
    commander = Actor.of(make_user("commander", site.land.region))
    with pytest.raises(InvalidInput):
        services.release(actor=commander, stay_id=stay.pk, override_reason="   ")
    services.release(actor=commander, stay_id=stay.pk, override_reason="Hospital transfer")
    assert Override.objects.get().reason == "Hospital transfer"
    assert AuditEvent.objects.filter(object_type="stay", object_id=str(stay.pk),
                                     detail__override="release").exists()


def test_a_positive_test_publishes_a_result_found_under_control(site):
    seen = []
    handler = events.subscribe(events.PositiveResultsRecorded)(seen.append)
    try:
        stay = place(site, site.person(), site.rooms[0])
        services.record_test(actor=site.actor, stay_id=stay.pk, result="positive")
    finally:
        events.unsubscribe(events.PositiveResultsRecorded, handler)
    assert len(seen) == 1 and len(seen[0].results) == 1
    event = seen[0].results[0]
    assert (event.person_id, event.detection_route, event.found_under_control) == (
        stay.person_id, "quarantine_testing", True)
    assert event.sampled_on == today() and event.reference == f"stay {stay.pk} day 1"


def test_a_transfer_moves_the_person_and_keeps_the_schedule_and_results(site):
    stay = place(site, site.person(), site.rooms[0])
    services.record_test(actor=site.actor, stay_id=stay.pk, result="negative")
    new = services.transfer(actor=site.actor, stay_id=stay.pk, site_id=site.hotel.pk,
                            room_id=site.rooms[2].pk)
    stay.refresh_from_db()
    assert stay.status == StayStatus.TRANSFERRED and new.previous == stay
    assert (new.start, new.planned_end, new.room) == (stay.start, stay.planned_end, site.rooms[2])
    assert list(new.tests.values_list("day", "result", "carried")) == [(1, "negative", True)]
    # Counted once by the question other modules ask.
    assert [r for _, r in hooks.ask("quarantine.results_of", stay.person_id)] == ["negative"]
    assert hooks.ask("quarantine.in_stay", stay.person_id, today()) is True
    assert hooks.ask("quarantine.in_stay", stay.person_id, today() - timedelta(days=1)) is False


def test_occupancy_counts_placed_stays_holding_a_bed(site):
    place(site, site.person(), site.rooms[0])
    stay = place(site, site.person(), site.rooms[1])
    [row] = worklists.sites_with_occupancy(site.actor, today())
    assert (row.beds, row.in_stay, row.in_rooms) == (5, 2, 2)
    services.release(actor=Actor.of(make_user("commander", site.land.region)), stay_id=stay.pk,
                     override_reason="Released by the court")
    [row] = worklists.sites_with_occupancy(site.actor, today())
    assert (row.in_stay, row.in_rooms) == (1, 1)
    assert [r.number for r in worklists.free_rooms(site.hotel, today())] == ["102", "103"]


def test_a_contact_handed_over_by_tracing_awaits_placement(site):
    from outbreakhq.tracing import services as tracing
    from tests.tracing.conftest import ago, open_case

    tracer = make_user("tracer", site.land.county1)
    case = open_case(tracer, site.person())
    contact = tracing.add_contact(actor=Actor.of(tracer), case_id=case.pk,
                                  person_id=site.person().pk,
                                  data={"contact_type": "household", "last_exposure": ago(1)})
    tracing.hand_over_to_quarantine(actor=Actor.of(tracer), contact_id=contact.pk)
    entry = worklists.awaiting(site.actor).get()
    assert (entry.person_id, entry.contact_id) == (contact.person_id, contact.pk)
    place(site, entry.person, site.rooms[0])
    assert not worklists.awaiting(site.actor).exists()
    assert Awaiting.objects.get().status == "placed"


@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition")
def test_tests_due_and_overdue_and_releases_due_are_listed(site):
    a = place(site, site.person(), site.rooms[0], start=today() - timedelta(days=1))  # day 2
    b = place(site, site.person(), site.rooms[1], start=today() - timedelta(days=9))  # day 10
    day = worklists.site_day(site.actor, site.hotel, today())
    assert [s.pk for s in day.tests_due] == [a.pk, b.pk]
    assert {s.pk for s in day.tests_overdue} == {a.pk, b.pk}  # day 1 of each not recorded
    assert [s.pk for s in day.releases_due] == [b.pk]
    counts = worklists.day_counts(site.actor, today())
    assert counts["tests_due"] == 2 and counts["releases_due"] == 1


def test_someone_outside_quarantine_cannot_place(site):
    tracer = Actor.of(make_user("tracer", site.land.county1))
    with pytest.raises(NotPermitted):
        services.place(actor=tracer, person_id=site.person().pk, site_id=site.hotel.pk,
                       room_id=site.rooms[0].pk)


def test_without_a_room_number_the_smallest_free_room_that_fits_is_picked(site):
    one = services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk)
    assert one.room.number == "101"
    pair = services.place_household(actor=site.actor, person_ids=[site.person().pk,
                                                                  site.person().pk],
                                    site_id=site.hotel.pk)
    assert {s.room.number for s in pair} == {"102"}
    with pytest.raises(InvalidInput) as exc:  # the household's room is full
        services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk,
                       household=pair[0].household)
    assert "room 102 is full" in problems(exc)
    third = services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk)
    assert third.room.number == "103"
    with pytest.raises(InvalidInput) as exc:
        services.place(actor=site.actor, person_id=site.person().pk, site_id=site.hotel.pk)
    assert "no room of Harbour Hotel has 1 free beds" in problems(exc)


@override_settings(OUTBREAKHQ_PROTOCOL="who-generic")
def test_a_kind_the_preset_does_not_quarantine_is_refused_by_its_label(site):
    with pytest.raises(InvalidInput) as exc:
        place(site, site.person(), site.rooms[0], kind="inbound_traveller")
    assert "the protocol who-generic quarantines no Inbound traveller" in problems(exc)
    assert "inbound_traveller" not in problems(exc)
    assert not Stay.objects.exists()


def test_running_stays_keep_their_rules_when_the_new_preset_says_so(site, settings):
    from outbreakhq.core.actor import Actor
    from outbreakhq.quarantine.services.switch import apply_switch, switch_preview
    from tests.factories import make_user

    commander = Actor.of(make_user("commander", site.land.county1))
    settings.OUTBREAKHQ_PROTOCOL = "cn-9th-edition"
    stay = place(site, site.person(), site.rooms[0], start=today() - timedelta(days=7))
    settings.OUTBREAKHQ_PROTOCOL = "cn-20-measures"
    settings.OUTBREAKHQ_PROTOCOL_OVERRIDES = "quarantine.running_stays_follow_switch=false"
    [row] = switch_preview(actor=commander, to="cn-20-measures", on=today())
    assert row.outcome.new_end == row.outcome.old_end == stay.planned_end
    assert not row.outcome.released_today
    assert apply_switch(actor=commander, to="cn-20-measures", on=today()) == (0, 0)
    stay.refresh_from_db()
    assert (stay.protocol, stay.status) == ("cn-9th-edition", "placed")

    settings.OUTBREAKHQ_PROTOCOL_OVERRIDES = ""  # the shipped preset: stays follow the switch
    assert apply_switch(actor=commander, to="cn-20-measures", on=today()) == (1, 0)
    stay.refresh_from_db()
    assert stay.planned_end == stay.start + timedelta(days=7)


def test_a_commander_places_over_capacity_only_with_a_written_reason_audited(site):
    """Over capacity (and a stranger's room) is refused; a commander may set the room's rule
    aside with a reason, kept as an Override of the stay naming the rule broken, and audited.
    A manager's reason is not enough."""
    r101 = site.rooms[0]  # one bed
    place(site, site.person(), r101)
    extra = site.person()
    with pytest.raises(InvalidInput, match="room 101 is full"):
        services.place(actor=site.actor, person_id=extra.pk, site_id=site.hotel.pk,
                       room_id=r101.pk)
    with pytest.raises(NotPermitted):
        services.place_household(actor=site.actor, person_ids=[extra.pk], site_id=site.hotel.pk,
                                 room_id=r101.pk, override_reason="no other bed tonight")
    commander = Actor.of(make_user("commander", site.land.region))
    with pytest.raises(InvalidInput, match="room 101 is full"):
        services.place_household(actor=commander, person_ids=[extra.pk], site_id=site.hotel.pk,
                                 room_id=r101.pk, override_reason="   ")
    [stay] = services.place_household(actor=commander, person_ids=[extra.pk],
                                      site_id=site.hotel.pk, room_id=r101.pk,
                                      override_reason="Mother and child, one bed")
    override = Override.objects.get(stay=stay)
    assert override.rule == "room" and override.reason.startswith("Mother and child, one bed")
    assert "room 101 is full: 1 of 1 beds taken" in override.reason
    assert AuditEvent.objects.filter(object_type="stay", object_id=str(stay.pk),
                                     detail__override="room").exists()
