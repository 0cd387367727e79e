"""Support's API: requests (create, list, status) and travellers with batches."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import make_person
from tests.support.factories import make_request, make_team


@pytest.mark.django_db
def test_requests_through_the_api(land, worker_client, community) -> None:
    make_request(community, kind="food")
    created = worker_client.post("/api/v1/support/requests/", {
        "kind": "dialysis", "name": "Li Na", "area": community.code, "address": "B3",
        "phone": "13800000001", "source": "hotline"}, content_type="application/json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["request"]["urgency"] == "urgent" and len(body["code"]) == 8
    listed = worker_client.get("/api/v1/support/requests/").json()["items"]
    assert listed[0]["reference"] == body["request"]["reference"]
    rid = body["request"]["id"]
    skipped = worker_client.post(f"/api/v1/support/requests/{rid}/status", {"to": "delivered"},
                                 content_type="application/json")
    assert skipped.status_code == 400 and "next step" in skipped.content.decode()
    worker_client.post(f"/api/v1/support/requests/{rid}/status", {"to": "triaged"},
                       content_type="application/json")
    team = make_team(community)
    assigned = worker_client.post(f"/api/v1/support/requests/{rid}/status",
                                  {"to": "assigned", "team": team.pk},
                                  content_type="application/json")
    assert assigned.status_code == 200 and assigned.json()["team"] == team.pk


@pytest.mark.django_db
def test_travellers_and_batches_through_the_api(land, answers, worker_client) -> None:
    person = make_person(land.compound1)
    made = worker_client.post("/api/v1/support/travellers/", {
        "person": person.pk, "area": land.compound1.code, "staying_at": "Inn",
        "home_destination": "Xi'an", "contact": "136"}, content_type="application/json")
    assert made.status_code == 201, made.content
    traveller = made.json()
    assert traveller["eligible"] is False and traveller["reasons"]
    batch = worker_client.post("/api/v1/support/batches/", {
        "means": "Train", "destination": "Xi'an", "date": str(timezone.localdate()),
        "capacity": 2, "area": land.compound1.code}, content_type="application/json").json()
    refused = worker_client.post(f"/api/v1/support/batches/{batch['id']}/travellers",
                                 {"traveller": traveller["id"]}, content_type="application/json")
    assert refused.status_code == 400 and "may not leave" in refused.content.decode()
    answers["results"][person.pk] = [(timezone.now() - timedelta(hours=2), "negative")]
    assert worker_client.get(f"/api/v1/support/travellers/{traveller['id']}").json()["eligible"]
    put = worker_client.post(f"/api/v1/support/batches/{batch['id']}/travellers",
                             {"traveller": traveller["id"]}, content_type="application/json")
    assert put.status_code == 201 and put.json()["taken"] == 1
