"""The risk-area API (/api/v1/zones/): the same reads and services as the pages, scoped; a
record outside the caller's scope answers like a missing one."""

from __future__ import annotations

import json

import pytest
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from outbreakhq.zones.models import Alert, Designation, Status
from outbreakhq.zones.services import designations as svc
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db

API = "/api/v1/zones"


@pytest.fixture
def graded(zones):
    """Compound 1 high today (approved), compound 2 proposed high, an open alert in county 3."""
    today = timezone.localdate()
    zones.event(zones.land.compound1, today, "infection", "case 7")
    svc.regrade(day=today)
    svc.approve(actor=Actor.of(zones.commander),
                designation_id=Designation.objects.get(area=zones.land.compound1).pk)
    zones.event(zones.land.compound2, today, "infection", "case 8")
    svc.regrade(day=today)
    zones.alert = Alert.objects.create(tenant_id=zones.land.region.pk, area=zones.land.compound3,
                                       kind="positive_without_cases", day=today)
    return zones


def post(client, url: str, body: dict | None = None):
    return client.post(url, json.dumps(body or {}), content_type="application/json")


def proposal_of(area) -> Designation:
    return Designation.objects.get(area=area, status=Status.PROPOSED)


def test_designations_in_force_filtered_by_grade_and_area(graded):
    client = logged_in(graded.commander)
    body = client.get(f"{API}/designations/").json()
    assert [d["area"] for d in body["items"]] == [graded.land.compound1.code]
    item = body["items"][0]
    assert item["grade"] == "high" and item["status"] == "approved" and item["since"]
    assert "infection found living or working there" in item["reason"].lower()
    assert "case 7" not in json.dumps(body)  # record numbers stay on the scoped pages
    assert client.get(f"{API}/designations/?grade=medium").json()["items"] == []
    county2 = graded.land.county2.code  # compound 2: proposed only, not in force
    assert client.get(f"{API}/designations/?area={county2}").json()["items"] == []
    wrong = client.get(f"{API}/designations/?grade=purple")
    assert wrong.status_code == 400 and wrong.json()["errors"][0]["field"] == "grade"


def test_designations_page_by_number(graded):
    svc.approve(actor=Actor.of(graded.commander),
                designation_id=proposal_of(graded.land.compound2).pk)
    client = logged_in(graded.commander)
    first = client.get(f"{API}/designations/?limit=1").json()
    assert len(first["items"]) == 1 and first["next"]
    second = client.get(f"{API}/designations/?limit=1&after={first['next']}").json()
    assert len(second["items"]) == 1 and second["next"] is None
    assert first["items"][0]["area"] != second["items"][0]["area"]


def test_area_history_with_clock(graded):
    body = logged_in(graded.commander).get(f"{API}/areas/{graded.land.compound1.code}").json()
    assert body["grade"] == "high" and body["clock"]["days_required"] == 7
    assert body["parents"][0] == graded.land.region.code
    assert [d["status"] for d in body["designations"]] == ["approved"]


def test_area_outside_scope_answers_like_an_unknown_one(graded):
    client = logged_in(graded.county_commander)
    outside = client.get(f"{API}/areas/{graded.land.compound3.code}")
    unknown = client.get(f"{API}/areas/NOWHERE")
    assert outside.status_code == unknown.status_code == 404
    assert client.get(f"{API}/designations/?area={graded.land.compound3.code}"
                      ).status_code == 404


def test_commander_approves_a_proposal(graded):
    proposal = proposal_of(graded.land.compound2)
    client = logged_in(graded.commander)
    assert [p["id"] for p in client.get(f"{API}/proposals/").json()["items"]] == [proposal.pk]
    answer = post(client, f"{API}/proposals/{proposal.pk}/approve", {"note": "checked"})
    assert answer.status_code == 200, answer.content
    assert answer.json()["status"] == "approved" and answer.json()["decided_by"] == "cora"
    assert Designation.objects.get(pk=proposal.pk).note == "checked"
    assert AuditEvent.objects.filter(object_type="designation",
                                     object_id=str(proposal.pk)).exists()
    again = post(client, f"{API}/proposals/{proposal.pk}/approve")
    assert again.status_code == 400 and "only a waiting proposal" in again.json()["errors"][0][
        "message"]


def test_a_stale_proposal_is_refused_and_nothing_changes(graded):
    proposal = proposal_of(graded.land.compound2)
    graded.event(graded.land.compound2, timezone.localdate(), "infection", "case 9")
    answer = post(logged_in(graded.commander), f"{API}/proposals/{proposal.pk}/approve")
    assert answer.status_code == 400 and "stale" in answer.json()["errors"][0]["message"]
    assert Designation.objects.get(pk=proposal.pk).status == Status.PROPOSED


def test_commander_rejects_a_proposal(graded):
    proposal = proposal_of(graded.land.compound2)
    answer = post(logged_in(graded.commander), f"{API}/proposals/{proposal.pk}/reject",
                  {"note": "a duplicate address"})
    assert answer.status_code == 200 and answer.json()["status"] == "rejected"


def test_proposal_outside_scope_answers_like_a_missing_one(graded):
    graded.event(graded.land.compound3, timezone.localdate(), "infection", "case 10")
    svc.regrade(day=timezone.localdate())
    outside = proposal_of(graded.land.compound3)
    client = logged_in(graded.county_commander)
    assert outside.pk not in [p["id"] for p in client.get(f"{API}/proposals/").json()["items"]]
    for verb in ("approve", "reject"):
        there = post(client, f"{API}/proposals/{outside.pk}/{verb}")
        missing = post(client, f"{API}/proposals/999999/{verb}")
        assert there.status_code == missing.status_code == 404
    assert Designation.objects.get(pk=outside.pk).status == Status.PROPOSED


def test_a_role_without_the_capability_is_refused(graded):
    analyst = logged_in(make_user("analyst", graded.land.region))
    proposal = proposal_of(graded.land.compound2)
    assert analyst.get(f"{API}/designations/").status_code == 200  # aggregates: allowed
    assert analyst.get(f"{API}/proposals/").status_code == 403
    assert post(analyst, f"{API}/proposals/{proposal.pk}/approve").status_code == 403
    assert analyst.get(f"{API}/alerts/").status_code == 403
    assert post(analyst, f"{API}/alerts/{graded.alert.pk}/acknowledge").status_code == 403
    assert Designation.objects.get(pk=proposal.pk).status == Status.PROPOSED


def test_alert_inbox_and_acknowledgement(graded):
    tracer = make_user("tracer", graded.land.county3)
    client = logged_in(tracer)
    inbox = client.get(f"{API}/alerts/").json()["items"]
    assert [(a["id"], a["kind"]) for a in inbox] == [(graded.alert.pk, "positive_without_cases")]
    assert inbox[0]["kind_label"] == "Positive in an area without cases"
    answer = post(client, f"{API}/alerts/{graded.alert.pk}/acknowledge")
    assert answer.status_code == 200 and answer.json()["acknowledged_by"] == tracer.username
    assert client.get(f"{API}/alerts/").json()["items"] == []
    done = client.get(f"{API}/alerts/?status=acknowledged").json()["items"]
    assert [a["id"] for a in done] == [graded.alert.pk]
    assert post(client, f"{API}/alerts/{graded.alert.pk}/acknowledge").status_code == 400
    assert client.get(f"{API}/alerts/?status=maybe").json()["errors"][0]["field"] == "status"


def test_alert_outside_scope_answers_like_a_missing_one(graded):
    client = logged_in(make_user("tracer", graded.land.county1))
    assert client.get(f"{API}/alerts/").json()["items"] == []
    there = post(client, f"{API}/alerts/{graded.alert.pk}/acknowledge")
    missing = post(client, f"{API}/alerts/999999/acknowledge")
    assert there.status_code == missing.status_code == 404
    assert Alert.objects.get(pk=graded.alert.pk).acknowledged_at is None


def test_every_operation_is_in_the_openapi_schema(graded):
    paths = logged_in(graded.commander).get("/api/v1/openapi.json").json()["paths"]
    assert {"/api/v1/zones/designations/", "/api/v1/zones/areas/{code}",
            "/api/v1/zones/proposals/", "/api/v1/zones/proposals/{designation_id}/approve",
            "/api/v1/zones/proposals/{designation_id}/reject", "/api/v1/zones/alerts/",
            "/api/v1/zones/alerts/{alert_id}/acknowledge"} <= set(paths)
