"""Early warning and stays wired end to end: tracing's services and screening's round event
raise (and close) zones' alerts and feed its clocks (zones/feed.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from outbreakhq.core import events
from outbreakhq.core.actor import Actor
from outbreakhq.core.events import CasesImported, ImportedRecord, ScreeningRoundClosed
from outbreakhq.tracing import services as tracing
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case
from outbreakhq.zones.models import Alert, AlertKind, Designation, ZoneEvent
from outbreakhq.zones.services import designations
from tests.factories import logged_in, make_person, make_user

pytestmark = pytest.mark.django_db


def ago(days: int):
    return today() - timedelta(days=days)


@pytest.fixture
def tracer(zones):
    return make_user("tracer", zones.land.region)


def open_case(tracer, area, **data) -> Case:
    values = {"classification": "confirmed", "report_date": ago(0), "onset_date": ago(2),
              "detection_route": "clinic", **data}
    return tracing.open_case(actor=Actor.of(tracer), person_id=make_person(area).pk,
                             data=values)


def unknown_source_alerts():
    return Alert.objects.filter(kind=AlertKind.UNKNOWN_SOURCE)


def test_a_case_with_no_known_source_raises_one_alert_closed_when_the_source_is_found(
        zones, tracer):
    first = open_case(tracer, zones.land.compound1)
    second = open_case(tracer, zones.land.compound2)
    assert sorted(unknown_source_alerts().values_list("detail__case", "area")) == [
        (first.pk, zones.land.compound1.pk), (second.pk, zones.land.compound2.pk)]
    tracing.update_case(actor=Actor.of(tracer), case_id=second.pk, changes={"notes": "seen"})
    assert unknown_source_alerts().count() == 2  # once per case
    tracing.link_source(actor=Actor.of(tracer), case_id=second.pk, source_case_id=first.pk)
    closed = unknown_source_alerts().get(detail__case=second.pk)
    assert closed.acknowledged_at is not None and closed.acknowledged_by is None
    assert closed.detail["why"] == "source_case"
    assert "source became known" in closed.summary()
    tracing.link_source(actor=Actor.of(tracer), case_id=second.pk, source_case_id=None)
    assert unknown_source_alerts().count() == 2  # not raised again
    assert unknown_source_alerts().get(detail__case=first.pk).acknowledged_at is None


def test_a_traced_contact_or_a_recorded_exposure_is_a_known_source(zones, tracer):
    index = open_case(tracer, zones.land.compound1)
    person = make_person(zones.land.compound1)
    tracing.add_contact(actor=Actor.of(tracer), case_id=index.pk, person_id=person.pk,
                        data={"contact_type": "household", "last_exposure": ago(1)})
    tracing.open_case(actor=Actor.of(tracer), person_id=person.pk, data={
        "classification": "confirmed", "report_date": ago(0), "onset_date": ago(0),
        "detection_route": "clinic"})
    exposed = open_case(tracer, zones.land.compound2)
    tracing.record_exposure(actor=Actor.of(tracer), case_id=exposed.pk, data={
        "date": ago(3), "setting": "work", "description": "cold-store shift"})
    assert list(unknown_source_alerts().filter(acknowledged_at__isnull=True)
                .values_list("detail__case", flat=True)) == [index.pk]


def test_a_suspected_case_raises_nothing_until_it_is_confirmed(zones, tracer):
    case = open_case(tracer, zones.land.compound1, classification="suspected")
    assert not unknown_source_alerts().exists()
    tracing.update_case(actor=Actor.of(tracer), case_id=case.pk,
                        changes={"classification": "confirmed"})
    assert unknown_source_alerts().get().detail == {"case": case.pk}
    tracing.update_case(actor=Actor.of(tracer), case_id=case.pk,
                        changes={"classification": "discarded"})
    closed = unknown_source_alerts().get()
    assert closed.acknowledged_at is not None and closed.detail["why"] == "no_infection"


def test_imported_old_cases_raise_no_alert_recent_ones_do(zones,
                                                          django_capture_on_commit_callbacks):
    people = [make_person(zones.land.compound1), make_person(zones.land.compound2)]
    cases = [Case.objects.create(tenant=zones.land.region, person=p, area=p.home_area,
                                 classification="confirmed", report_date=report,
                                 detection_route="clinic")
             for p, report in zip(people, (ago(30), ago(1)), strict=True)]
    with django_capture_on_commit_callbacks(execute=True):
        events.publish(CasesImported(actor=Actor.of(zones.commander), records=tuple(
            ImportedRecord(c.pk, c.person) for c in cases)))
    assert list(unknown_source_alerts().values_list("detail__case", flat=True)) == [cases[1].pk]


def test_a_long_visit_in_the_infectious_period_is_a_stay_and_proposes_the_stay_grade(
        zones, tracer):
    case = open_case(tracer, zones.land.compound1)
    c2, c3 = zones.land.compound2, zones.land.compound3
    visit = tracing.record_visit(actor=Actor.of(tracer), case_id=case.pk, data={
        "area": c3.code, "place": "Night market", "date_from": ago(1), "hours": "3"})
    tracing.record_visit(actor=Actor.of(tracer), case_id=case.pk, data={
        "area": c2.code, "place": "Bakery", "date_from": ago(1), "hours": "1"})  # too short
    tracing.record_visit(actor=Actor.of(tracer), case_id=case.pk, data={
        "area": c2.code, "place": "Gym", "date_from": ago(9), "hours": "5"})  # not infectious
    stay = ZoneEvent.objects.get(kind="stay")
    assert (stay.area, stay.day, stay.ref) == (c3, ago(1), f"visit {visit.pk}")
    designations.regrade(day=today())
    proposal = Designation.objects.get(area=c3, status="proposed")
    assert proposal.grade == "medium"  # cn-9th-edition: grading.grade_on_case_stay
    assert not Designation.objects.filter(area=c2).exists()


def test_visits_of_a_suspected_case_count_once_it_is_confirmed_and_go_if_discarded(
        zones, tracer):
    case = open_case(tracer, zones.land.compound1, classification="suspected")
    tracing.record_visit(actor=Actor.of(tracer), case_id=case.pk, data={
        "area": zones.land.compound3.code, "place": "Night market", "date_from": ago(1)})
    assert not ZoneEvent.objects.filter(kind="stay").exists()
    tracing.update_case(actor=Actor.of(tracer), case_id=case.pk,
                        changes={"classification": "confirmed"})
    assert ZoneEvent.objects.filter(kind="stay").count() == 1
    tracing.update_case(actor=Actor.of(tracer), case_id=case.pk,
                        changes={"classification": "discarded"})
    assert not ZoneEvent.objects.filter(kind="stay").exists()


def test_too_many_hours_for_the_days_are_refused(zones, tracer):
    from outbreakhq.core.errors import InvalidInput

    case = open_case(tracer, zones.land.compound1)
    with pytest.raises(InvalidInput) as exc:
        tracing.record_visit(actor=Actor.of(tracer), case_id=case.pk, data={
            "area": zones.land.compound3.code, "place": "Hotel", "date_from": ago(1),
            "hours": "30"})
    assert [e.field for e in exc.value.errors] == ["hours"]
    assert not ZoneEvent.objects.filter(kind="stay").exists()


def close(zones, area, number: int, tubes: int, positive: int, day_offset: int) -> None:
    events.publish(ScreeningRoundClosed(
        actor=Actor.of(zones.commander), area_path=area.path, day=ago(day_offset),
        complete=True, all_negative=positive == 0, round_id=number, tubes=tubes,
        positive_tubes=positive))


def test_positivity_rising_over_three_rounds_raises_one_alert(zones):
    c1, c2 = zones.land.compound1, zones.land.compound2
    for number, positive in ((1, 1), (2, 2), (3, 3)):  # 1 %, 2 %, 3 % of 100 tubes
        close(zones, c1, number, 100, positive, 4 - number)
    for number, positive in ((4, 3), (5, 2), (6, 4)):  # a dip: no warning
        close(zones, c2, number, 100, positive, 7 - number)
    alert = Alert.objects.get(kind=AlertKind.RISING_POSITIVITY)
    assert (alert.area, alert.day, alert.detail["round"]) == (c1, ago(1), 3)
    assert alert.detail["positivity"] == [0.01, 0.02, 0.03]
    close(zones, c1, 3, 100, 3, 1)  # the same round heard again
    assert Alert.objects.filter(kind=AlertKind.RISING_POSITIVITY).count() == 1


def test_the_inbox_shows_what_an_alert_is_about_and_acknowledges_it(zones, tracer):
    case = open_case(tracer, zones.land.compound1)
    client = logged_in(zones.commander)
    page = client.get("/risk-areas/alerts/").content.decode()
    assert "Case with no known source" in page and f"case {case.pk}" in page
    alert = unknown_source_alerts().get()
    client.post("/risk-areas/alerts/acknowledge/", {"alert": alert.pk})
    assert unknown_source_alerts().get().acknowledged_by == zones.commander


def test_an_inbound_traveller_is_no_unknown_source(zones, tracer):
    open_case(tracer, zones.land.compound1, detection_route="inbound")
    assert not unknown_source_alerts().exists()


def test_a_line_list_import_raises_alerts_for_its_recent_unlinked_cases(
        zones, tmp_path, django_capture_on_commit_callbacks, monkeypatch):
    from outbreakhq.zones import feed
    from tests.tracing.test_import import CASE_HEADER, case_rows, ids, import_file, write_csv

    monkeypatch.setattr(feed, "REVIEW_CHUNK", 2)  # three cases: asked in two chunks

    zones.land.tracer = make_user("tracer", zones.land.county1)
    with django_capture_on_commit_callbacks(execute=True):
        import_file(zones.land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                                   case_rows(zones.land, ids(3))))
    # C1 reported 4 days ago: before alerts.positivity_window_days (3); C3's source is C2.
    assert list(unknown_source_alerts().values_list("detail__case", flat=True)) == [
        Case.objects.get(external_id="C2").pk]
