"""The rules of case investigation and contact tracing, one sentence per test."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Contact, FollowUp, PlaceVisit, Team
from tests.factories import make_user
from tests.tracing.conftest import ago, open_case

pytestmark = pytest.mark.django_db


def fields_of(exc: pytest.ExceptionInfo) -> set[str]:
    return {e.field for e in exc.value.errors}


# Cases ---------------------------------------------------------------------------------------

def test_case_belongs_to_the_persons_home_area_and_its_opening_is_audited(desk):
    assert desk.case.area == desk.land.compound1
    assert desk.case.tenant_id == desk.land.region.pk
    event = AuditEvent.objects.get(object_type="case", action="create")
    assert event.person_id == desk.patient.pk and event.username == "tina"


def test_onset_after_report_date_is_refused_naming_the_field(desk):
    with pytest.raises(InvalidInput) as exc:
        open_case(desk.tracer, desk.person(), onset_date=ago(0), report_date=ago(1))
    assert fields_of(exc) == {"onset_date"}
    assert "after the report date" in str(exc.value)


def test_a_date_in_the_future_is_refused(desk):
    with pytest.raises(InvalidInput) as exc:
        open_case(desk.tracer, desk.person(), report_date=ago(-1))
    assert fields_of(exc) == {"report_date"} and "future" in str(exc.value)


def test_missing_classification_and_route_are_both_named(desk):
    with pytest.raises(InvalidInput) as exc:
        services.open_case(actor=Actor.of(desk.tracer), person_id=desk.person().pk,
                           data={"report_date": ago(0)})
    assert fields_of(exc) == {"classification", "detection_route"}


def test_unknown_source_case_is_refused(desk):
    with pytest.raises(InvalidInput) as exc:
        open_case(desk.tracer, desk.person(), source_case=999999)
    assert fields_of(exc) == {"source_case"}
    assert Case.objects.count() == 1


def test_a_source_case_outside_the_jurisdiction_is_unknown_to_the_tracer(desk):
    other = make_user("tracer", desk.land.county2)
    far = open_case(other, desk.person(desk.land.compound2))
    with pytest.raises(InvalidInput) as exc:
        open_case(desk.tracer, desk.person(), source_case=far.pk)
    assert fields_of(exc) == {"source_case"}


def test_case_linked_to_its_source_forms_a_chain(desk):
    child = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    assert child.source_case == desk.case
    assert list(desk.case.infected.all()) == [child]


def test_link_that_makes_a_cycle_is_refused(desk):
    b = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    c = open_case(desk.tracer, desk.person(), source_case=b.pk)
    with pytest.raises(InvalidInput) as exc:
        services.link_source(actor=Actor.of(desk.tracer), case_id=desk.case.pk, source_case_id=c.pk)
    assert fields_of(exc) == {"source_case"} and "cycle" in str(exc.value)
    desk.case.refresh_from_db()
    assert desk.case.source_case is None


def test_a_case_cannot_be_its_own_source(desk):
    with pytest.raises(InvalidInput):
        services.link_source(actor=Actor.of(desk.tracer), case_id=desk.case.pk,
                             source_case_id=desk.case.pk)


def test_unlinking_a_source_leaves_the_case_without_a_known_source(desk):
    b = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    services.link_source(actor=Actor.of(desk.tracer), case_id=b.pk, source_case_id=None)
    b.refresh_from_db()
    assert b.source_case is None


def test_update_audits_field_names_not_values(desk):
    services.update_case(actor=Actor.of(desk.tracer), case_id=desk.case.pk,
                         changes={"severity": "severe", "notes": "secret detail"})
    event = AuditEvent.objects.filter(object_type="case", action="change").get()
    assert event.detail == {"fields": ["notes", "severity"]}


def test_a_visit_after_the_report_date_is_refused(desk):
    with pytest.raises(InvalidInput) as exc:
        services.record_visit(actor=Actor.of(desk.tracer), case_id=desk.case.pk, data={
            "area": desk.land.compound2.code, "place": "Market", "date_from": ago(0),
            "date_to": ago(-1)})
    assert fields_of(exc) == {"date_to"}
    assert not PlaceVisit.objects.exists()


def test_a_visit_is_recorded_in_any_area_with_one_day_by_default(desk):
    visit = services.record_visit(actor=Actor.of(desk.tracer), case_id=desk.case.pk, data={
        "area": desk.land.compound3.code, "place": "Night market", "date_from": ago(2)})
    assert visit.area == desk.land.compound3 and visit.date_to == ago(2)


def test_an_exposure_after_the_report_date_is_refused(desk):
    case = open_case(desk.tracer, desk.person(), report_date=ago(3), onset_date=ago(4))
    with pytest.raises(InvalidInput) as exc:
        services.record_exposure(actor=Actor.of(desk.tracer), case_id=case.pk,
                                 data={"date": ago(1), "setting": "work"})
    assert fields_of(exc) == {"date"}


# Contacts ------------------------------------------------------------------------------------

def test_close_contact_followed_for_protocol_days_from_last_exposure(desk):
    contact = desk.contact(days_ago=3)
    rule = protocols.current().rule_for("close_contact")
    assert contact.followup_start == ago(3) + timedelta(days=1)
    assert contact.followup_end == ago(3) + timedelta(days=rule.followup_days)
    assert contact.status == "following" and contact.category == "close_contact"


@override_settings(OUTBREAKHQ_PROTOCOL="who-generic")
def test_the_who_preset_follows_close_contacts_for_its_own_number_of_days(desk):
    contact = desk.contact(days_ago=0)
    assert (contact.followup_end - contact.last_exposure).days == 14


@override_settings(OUTBREAKHQ_PROTOCOL="who-generic")
def test_a_protocol_that_does_not_trace_contacts_of_contacts_refuses_them(desk):
    close = desk.contact()
    with pytest.raises(InvalidInput) as exc:
        services.add_secondary_contact(actor=Actor.of(desk.tracer), contact_id=close.pk,
                                       person_id=desk.person().pk,
                                       data={"contact_type": "work", "last_exposure": ago(0)})
    assert fields_of(exc) == {"category"}


def test_a_contact_that_is_the_cases_own_person_is_refused(desk):
    with pytest.raises(InvalidInput) as exc:
        desk.contact(desk.patient)
    assert fields_of(exc) == {"person"}
    assert not Contact.objects.exists()


def test_the_same_person_cannot_be_recorded_twice_as_a_contact_of_one_case(desk):
    person = desk.person()
    desk.contact(person)
    with pytest.raises(InvalidInput) as exc:
        desk.contact(person)
    assert fields_of(exc) == {"person"}


def test_an_exposure_before_the_case_could_infect_is_refused(desk):
    lookback = protocols.current().tracing.lookback_days_before_onset
    with pytest.raises(InvalidInput) as exc:
        desk.contact(days_ago=2 + lookback + 1)  # the case's onset was 2 days ago
    assert fields_of(exc) == {"last_exposure"}


def test_contact_is_assigned_to_the_recording_tracer_and_their_team(desk):
    team = Team.objects.create(area=desk.land.county1, name="Team A")
    team.members.add(desk.tracer)
    contact = desk.contact()
    assert contact.tracer == desk.tracer and contact.team == team


def test_a_new_person_is_registered_with_the_contact_and_nothing_is_left_if_refused(desk):
    people = Person.objects.count()
    new = {"name": "New Neighbour", "home_area": desk.land.compound1.code, "phone": "13800001111"}
    with pytest.raises(InvalidInput):
        services.add_contact(actor=Actor.of(desk.tracer), case_id=desk.case.pk, new_person=new,
                             data={"contact_type": "household", "last_exposure": ago(-2)})
    assert Person.objects.count() == people
    contact = services.add_contact(actor=Actor.of(desk.tracer), case_id=desk.case.pk,
                                   new_person=new,
                                   data={"contact_type": "household", "last_exposure": ago(1)})
    assert contact.person.name == "New Neighbour" and Person.objects.count() == people + 1


def test_a_contact_of_a_close_contact_follows_the_secondary_rule(desk):
    close = desk.contact()
    secondary = services.add_secondary_contact(
        actor=Actor.of(desk.tracer), contact_id=close.pk, person_id=desk.person().pk,
        data={"contact_type": "work", "last_exposure": ago(0)})
    rule = protocols.current().rule_for("secondary_contact")
    assert secondary.source_contact == close and secondary.source_case is None
    assert (secondary.followup_end - secondary.last_exposure).days == rule.followup_days


def test_a_tracer_of_another_county_is_refused_and_the_refusal_is_audited(desk):
    stranger = make_user("tracer", desk.land.county2)
    with pytest.raises(NotFound):  # as if the case did not exist
        services.add_contact(actor=Actor.of(stranger), case_id=desk.case.pk,
                             person_id=desk.person().pk,
                             data={"contact_type": "work", "last_exposure": ago(1)})
    assert AuditEvent.objects.filter(action="denied", object_type="case").count() == 1
    assert not Contact.objects.exists()


# Follow-up -----------------------------------------------------------------------------------

def test_a_followup_is_recorded_once_per_day_and_a_second_one_corrects_it(desk):
    contact = desk.contact()
    services.record_followup(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                             data={"status": "well"})
    services.record_followup(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                             data={"status": "symptoms", "symptoms": "cough",
                                   "temperature": "38.2"})
    followup = FollowUp.objects.get()
    assert followup.status == "symptoms" and str(followup.temperature) == "38.2"
    contact.refresh_from_db()
    assert contact.last_followup == ago(0)


def test_a_followup_outside_the_window_is_refused(desk):
    contact = desk.contact(days_ago=0)  # follow-up starts tomorrow
    with pytest.raises(InvalidInput) as exc:
        services.record_followup(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                                 data={"status": "well"})
    assert fields_of(exc) == {"date"}


def test_a_body_temperature_must_be_plausible(desk):
    contact = desk.contact()
    with pytest.raises(InvalidInput) as exc:
        services.record_followup(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                                 data={"status": "well", "temperature": "370"})
    assert fields_of(exc) == {"temperature"}


def test_hand_over_to_quarantine_happens_once(desk):
    contact = desk.contact()
    assert services.hand_over_to_quarantine(actor=Actor.of(desk.tracer),
                                            contact_id=contact.pk).status \
        == "quarantine"
    with pytest.raises(InvalidInput):
        services.hand_over_to_quarantine(actor=Actor.of(desk.tracer), contact_id=contact.pk)


def test_followups_that_ended_are_closed_as_completed(desk):
    rule = protocols.current().rule_for("close_contact")
    ended = desk.contact(days_ago=1)
    running = desk.contact(days_ago=0)
    closing_day = ended.followup_end + timedelta(days=1)
    assert services.close_followups(actor=Actor.of(desk.tracer), today=closing_day) == 1
    ended.refresh_from_db(), running.refresh_from_db()
    assert ended.status == "completed" and running.status == "following"
    assert (closing_day - ended.last_exposure).days == rule.followup_days + 1


def test_a_contact_who_turns_positive_becomes_a_case_linked_to_the_source(desk):
    contact = desk.contact()
    case = services.convert_contact_to_case(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                                            data={
        "classification": "confirmed", "report_date": ago(0)})
    contact.refresh_from_db()
    assert contact.status == "converted" and contact.converted_case == case
    assert case.source_case == desk.case and case.detection_route == "contact_tracing"
    assert case.person == contact.person
    with pytest.raises(InvalidInput):
        services.convert_contact_to_case(actor=Actor.of(desk.tracer), contact_id=contact.pk, data={
            "classification": "confirmed", "report_date": ago(0)})


def test_case_found_in_quarantine_counts_as_under_control(desk):
    contact = desk.contact()
    services.hand_over_to_quarantine(actor=Actor.of(desk.tracer), contact_id=contact.pk)
    case = services.convert_contact_to_case(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                                            data={
        "classification": "asymptomatic", "report_date": ago(0),
        "detection_route": "quarantine_testing"})
    assert case.under_control_when_found


def test_case_found_in_the_community_does_not_count_as_under_control(desk):
    assert not desk.case.under_control_when_found
    person = desk.person()
    contact = desk.contact(person)
    contact.status = "completed"
    contact.save()
    assert not open_case(desk.tracer, person).under_control_when_found


def test_a_contact_of_a_contact_who_turns_positive_is_linked_to_the_case_their_contact_became(
        desk):
    close = desk.contact()
    secondary = services.add_secondary_contact(
        actor=Actor.of(desk.tracer), contact_id=close.pk, person_id=desk.person().pk,
        data={"contact_type": "household", "last_exposure": ago(0)})
    first = services.convert_contact_to_case(actor=Actor.of(desk.tracer), contact_id=close.pk,
                                             data={
        "classification": "confirmed", "report_date": ago(0)})
    second = services.convert_contact_to_case(actor=Actor.of(desk.tracer), contact_id=secondary.pk,
                                              data={
        "classification": "confirmed", "report_date": ago(0)})
    assert second.source_case == first and first.source_case == desk.case


def test_correcting_the_last_exposure_moves_the_followup_window(desk):
    contact = desk.contact(days_ago=1)
    changed = services.update_contact(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                                      changes={"last_exposure": ago(3), "contact_type": "work"})
    rule = protocols.current().rule_for("close_contact")
    assert changed.followup_start == ago(2)
    assert changed.followup_end == ago(3) + timedelta(days=rule.followup_days)
    event = AuditEvent.objects.filter(object_type="contact", action="change").get()
    assert event.detail["fields"] == ["contact_type", "followup_end", "followup_start",
                                      "last_exposure"]


def test_an_external_id_is_unique_among_contacts(desk):
    desk.contact(external_id="C-1")
    with pytest.raises(InvalidInput) as exc:
        desk.contact(external_id="C-1")
    assert fields_of(exc) == {"external_id"}
    other = desk.contact()
    with pytest.raises(InvalidInput):
        services.update_contact(actor=Actor.of(desk.tracer), contact_id=other.pk,
                                changes={"external_id": "C-1"})


def test_a_contact_lost_to_followup_leaves_the_worklists(desk):
    from outbreakhq.tracing import worklists

    contact = desk.contact()
    services.mark_lost(actor=Actor.of(desk.tracer), contact_id=contact.pk)
    assert not worklists.due_today(actor=Actor.of(desk.tracer)).rows
    with pytest.raises(InvalidInput):
        services.record_followup(actor=Actor.of(desk.tracer), contact_id=contact.pk,
                                 data={"status": "well"})


def test_a_contact_record_made_later_does_not_make_a_case_found_under_control(desk):
    person = desk.person()
    case = open_case(desk.tracer, person, report_date=ago(1), onset_date=ago(2))
    desk.contact(person, days_ago=2)
    services.update_case(actor=Actor.of(desk.tracer), case_id=case.pk,
                         changes={"notes": "called back"})
    case.refresh_from_db()
    assert not case.under_control_when_found
