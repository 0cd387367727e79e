"""The risk-area pages: staff pages in scope, the public list without login or personal data."""

from __future__ import annotations

import csv
import importlib
import io

import pytest
from django.utils import timezone, translation

from outbreakhq.core.actor import Actor
from outbreakhq.zones.models import Alert, Designation, Status
from outbreakhq.zones.public import COLUMNS
from outbreakhq.zones.services import designations as svc
from tests.factories import logged_in, make_person, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def graded(zones):
    """Compound 1 high today (a resident case), compound 2 proposed high."""
    today = timezone.localdate()
    make_person(zones.land.compound1, name="Zhang Secret")
    zones.event(zones.land.compound1, today, "infection", "case 7")
    svc.regrade(day=today)
    svc.approve(actor=Actor.of(zones.commander),
                designation_id=Designation.objects.get(area=zones.land.compound1).pk)
    zones.event(zones.land.compound2, today, "infection", "case 8")
    svc.regrade(day=today)
    return zones


def test_overview_shows_areas_measures_residents_and_map(graded):
    page = logged_in(graded.commander).get("/risk-areas/").content.decode()
    assert "Sealed: residents stay home" in page
    assert "Key places: tested every day." in page and "every 3 days" in page  # high, low
    assert graded.land.compound1.name_en in page
    assert "1 resident" in page
    assert '<svg' in page and 'class="area grade-high"' in page
    assert f'/risk-areas/areas/{graded.land.compound1.code}/' in page


def test_commander_approves_from_the_inbox(graded):
    client = logged_in(graded.commander)
    proposal = Designation.objects.get(area=graded.land.compound2, status=Status.PROPOSED)
    page = client.get("/risk-areas/proposals/").content.decode()
    assert graded.land.compound2.name_en in page
    assert "after: infection found living or working there" in page.lower()  # the code, read
    answer = client.post("/risk-areas/proposals/decide/", {
        "designation": proposal.pk, "decision": "approve", "note": "checked"})
    assert answer.status_code == 302
    assert Designation.objects.get(pk=proposal.pk).status == Status.APPROVED


def test_county_commander_cannot_decide_outside_the_county(graded):
    proposal = Designation.objects.get(area=graded.land.compound2, status=Status.PROPOSED)
    client = logged_in(graded.county_commander)
    assert graded.land.compound2.name_en not in client.get(
        "/risk-areas/proposals/").content.decode()
    answer = client.post("/risk-areas/proposals/decide/",
                         {"designation": proposal.pk, "decision": "approve"})
    assert answer.status_code == 404
    assert Designation.objects.get(pk=proposal.pk).status == Status.PROPOSED


def test_area_page_shows_history_and_clock(graded):
    page = logged_in(graded.commander).get(
        f"/risk-areas/areas/{graded.land.compound1.code}/").content.decode()
    assert "0 / 7" in page and "case 7" in page and "Approved" in page


def test_area_outside_scope_is_not_found(graded):
    answer = logged_in(graded.county_commander).get(
        f"/risk-areas/areas/{graded.land.compound2.code}/")
    assert answer.status_code == 404


def test_public_list_needs_no_login_and_names_nobody(graded):
    client = type(logged_in(graded.commander))()  # a fresh, anonymous client
    page = client.get("/public/risk-areas/")
    assert page.status_code == 200
    text = page.content.decode()
    assert graded.land.compound1.name_en in text and "Zhang Secret" not in text
    assert f'id="area-{graded.land.compound2.code}"' not in text  # proposed: not in force
    data = client.get("/public/risk-areas.json").json()
    assert data["version"] == 1 and data["counts"] == {"high": 1, "medium": 0}
    area = data["areas"][0]
    assert area["code"] == graded.land.compound1.code and area["round_needed"] is True
    assert [p["code"] for p in area["parents"]][-1] == graded.land.compound1.parent.code
    assert "Zhang" not in str(data) and "case 7" not in str(data)
    rows = list(csv.reader(io.StringIO(client.get("/public/risk-areas.csv").content.decode())))
    assert tuple(rows[0]) == COLUMNS and rows[1][2] == graded.land.compound1.code


def test_approval_after_publication_is_a_new_version_and_old_one_stays(graded):
    client = type(logged_in(graded.commander))()
    assert client.get("/public/risk-areas.json").json()["version"] == 1
    proposal = Designation.objects.get(area=graded.land.compound2, status=Status.PROPOSED)
    svc.approve(actor=Actor.of(graded.commander), designation_id=proposal.pk)
    latest = client.get("/public/risk-areas.json").json()
    assert latest["version"] == 2 and latest["note"] and len(latest["areas"]) == 2
    day = timezone.localdate().isoformat()
    first = client.get(f"/public/risk-areas.json?date={day}&version=1").json()
    assert len(first["areas"]) == 1


def test_public_list_of_a_day_never_published_is_not_found(graded):
    client = type(logged_in(graded.commander))()
    assert client.get("/public/risk-areas.json?date=2001-01-01").status_code == 404
    assert client.get("/public/risk-areas/?date=yesterday").status_code == 400


def test_alert_inbox_and_acknowledgement(graded):
    alert = Alert.objects.create(tenant_id=graded.land.region.pk, area=graded.land.compound3,
                                 kind="positive_without_cases", day=timezone.localdate())
    tracer = make_user("tracer", graded.land.county3)
    client = logged_in(tracer)
    assert "Positive in an area without cases" in client.get("/risk-areas/alerts/").content.decode()
    client.post("/risk-areas/alerts/acknowledge/", {"alert": alert.pk})
    alert.refresh_from_db()
    assert alert.acknowledged_by == tracer
    other = logged_in(make_user("tracer", graded.land.county1))
    assert "Positive in an area" not in other.get("/risk-areas/alerts/").content.decode()


def test_commander_designates_by_hand_and_bad_fields_are_named(graded):
    client = logged_in(graded.commander)
    answer = client.post("/risk-areas/designate/", {
        "area": graded.land.compound3.code, "grade": "medium", "since": "2022-08-01",
        "reason": "a market"}, follow=True)
    assert "is medium from" in answer.content.decode()
    assert Designation.objects.get(area=graded.land.compound3).status == Status.APPROVED
    answer = client.post("/risk-areas/designate/", {"area": "", "grade": "x"}, follow=True)
    assert "reason: say why" in answer.content.decode()


def test_designating_outside_scope_is_not_found(graded):
    answer = logged_in(graded.county_commander).post("/risk-areas/designate/", {
        "area": graded.land.compound3.code, "grade": "high", "since": "2022-08-01",
        "reason": "x"})
    assert answer.status_code == 404
    assert not Designation.objects.filter(area=graded.land.compound3).exists()


def test_analyst_sees_the_area_page_without_record_numbers(graded):
    analyst = make_user("analyst", graded.land.region)
    page = logged_in(analyst).get(f"/risk-areas/areas/{graded.land.compound1.code}/")
    assert page.status_code == 200 and "case 7" not in page.content.decode()


def test_a_published_list_is_served_without_rebuilding_it(graded, monkeypatch):
    from outbreakhq.zones import public

    client = type(logged_in(graded.commander))()
    assert client.get("/public/risk-areas.json").json()["version"] == 1

    def rebuilt(day):
        raise AssertionError("a read rebuilt the published list")

    monkeypatch.setattr(public, "build", rebuilt)
    assert client.get("/public/risk-areas.json").json()["version"] == 1
    assert client.get("/public/risk-areas.csv").status_code == 200


def test_version_notes_are_codes_read_in_the_readers_language(graded):
    """An approval made in Chinese: the page says why in each reader's language, the JSON keeps
    the English note and the code."""
    client = type(logged_in(graded.commander))()
    client.get("/public/risk-areas.json")  # version 1 published
    proposal = Designation.objects.get(area=graded.land.compound2, status=Status.PROPOSED)
    with translation.override("zh-hans"):
        svc.approve(actor=Actor.of(graded.commander), designation_id=proposal.pk)
    data = client.get("/public/risk-areas.json").json()
    assert data["note"] == f"designation {proposal.pk} approved"
    assert data["note_code"] == {"code": "approved", "designation": proposal.pk}
    english = client.get("/public/risk-areas/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"designation {proposal.pk} approved" in english
    chinese = client.get("/public/risk-areas/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert f"划定 {proposal.pk} 已批准" in chinese
    assert f"designation {proposal.pk} approved" not in chinese
    assert client.get("/public/risk-areas.csv").content.decode().splitlines()[0] == ",".join(
        COLUMNS)  # the CSV's columns stay as they were: no note


def test_notes_stored_as_text_become_codes(graded):
    """Migration 0003: the texts stored before, in either language, become codes; a note a
    person typed stays."""
    from django.apps import apps

    from outbreakhq.zones.models import PublishedList

    migration = importlib.import_module("outbreakhq.zones.migrations.0004_published_note_code")
    day = timezone.localdate()
    rows = [PublishedList.objects.create(day=day, version=v, content={}, note=note)
            for v, note in ((5, "划定 12 已批准"), (6, "3 designations approved automatically"),
                            (7, "a typo in a name"))]
    migration.notes_to_codes(apps, None)
    for row in rows:
        row.refresh_from_db()
    assert [(r.note, r.note_code) for r in rows] == [
        ("designation 12 approved", {"code": "approved", "designation": 12}),
        ("3 designations approved automatically", {"code": "auto_approved", "n": 3}),
        ("a typo in a name", {})]
