"""The tracing API: the same services and scope as the pages, errors naming the field."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from outbreakhq.core.tokens import issue_token
from outbreakhq.tracing.models import Case, Contact
from tests.factories import make_user
from tests.tracing.conftest import ago, open_case

pytestmark = pytest.mark.django_db


class Api:
    """A token-authenticated client (a session would need the CSRF dance for writes)."""

    def __init__(self, user) -> None:
        _token, secret = issue_token(actor=Actor.of(user), name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def get(self, path: str, **params):
        return self.client.get(f"/api/v1{path}", params)

    def send(self, method: str, path: str, body: dict | None = None):
        call = getattr(self.client, method)
        return call(f"/api/v1{path}", json.dumps(body or {}), content_type="application/json")


@pytest.fixture
def api(desk) -> Api:
    return Api(desk.tracer)


def test_openapi_lists_the_tracing_paths():
    paths = Client().get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/cases/", "/api/v1/cases/{case_id}", "/api/v1/cases/{case_id}/contacts",
                 "/api/v1/contacts/{contact_id}/followups", "/api/v1/followups/due",
                 "/api/v1/chains/"):
        assert path in paths


def test_a_case_is_opened_with_a_new_person_and_read_back(desk, api):
    response = api.send("post", "/cases/", {
        "new_person": {"name": "Api Person", "home_area": desk.land.compound1.code},
        "classification": "confirmed", "detection_route": "clinic",
        "report_date": ago(0).isoformat(), "source_case": desk.case.pk})
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["person_name"] == "Api Person" and body["source_case"] == desk.case.pk
    read = api.get(f"/cases/{body['id']}")
    assert read.status_code == 200 and read.json()["area"] == desk.land.compound1.code


def test_a_bad_case_comes_back_as_400_naming_the_field(desk, api):
    response = api.send("post", "/cases/", {
        "person": desk.person().pk, "classification": "confirmed", "detection_route": "clinic",
        "report_date": ago(2).isoformat(), "onset_date": ago(0).isoformat()})
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["onset_date"]


def test_a_cycle_through_the_api_is_refused(desk, api):
    child = open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    response = api.send("put", f"/cases/{desk.case.pk}/source", {"source_case": child.pk})
    assert response.status_code == 400 and "cycle" in response.json()["errors"][0]["message"]


def test_the_case_list_pages_with_next(desk, api):
    for _ in range(3):
        open_case(desk.tracer, desk.person())
    first = api.get("/cases/", limit=2).json()
    second = api.get("/cases/", limit=2, after=first["next"]).json()
    ids = [c["id"] for c in first["items"] + second["items"]]
    assert len(ids) == len(set(ids)) == Case.objects.count() and second["next"] is None


def test_contact_followup_quarantine_and_conversion(desk, api):
    response = api.send("post", f"/cases/{desk.case.pk}/contacts", {
        "person": desk.person().pk, "contact_type": "household",
        "last_exposure": ago(1).isoformat()})
    assert response.status_code == 201, response.content
    contact = response.json()
    assert [c["id"] for c in api.get("/followups/due").json()["items"]] == [contact["id"]]
    followup = api.send("post", f"/contacts/{contact['id']}/followups",
                        {"status": "symptoms", "temperature": "38.4", "symptoms": "fever"})
    assert followup.status_code == 201 and followup.json()["temperature"] == "38.4"
    assert api.get("/followups/due").json()["items"] == []
    assert api.send("post", f"/contacts/{contact['id']}/quarantine").json()["status"] \
        == "quarantine"
    case = api.send("post", f"/contacts/{contact['id']}/convert",
                    {"classification": "confirmed", "report_date": ago(0).isoformat()})
    assert case.status_code == 201 and case.json()["source_case"] == desk.case.pk
    assert case.json()["under_control_when_found"] is True
    assert Contact.objects.get().status == "converted"


def test_chains_summary_counts_chains_and_unsourced_cases(desk, api):
    open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    open_case(desk.tracer, desk.person())
    data = api.get("/chains/").json()
    assert data["chains"] == 2 and data["sizes"][0]["size"] == 2
    assert len(data["without_source"]) == 2
    graph = api.get("/chains/graph").json()
    assert graph["chains_shown"] == 1


def test_another_countys_tracer_gets_404_for_a_case_and_an_audit_event(desk):
    stranger = Api(make_user("tracer", desk.land.county2))
    assert stranger.get(f"/cases/{desk.case.pk}").status_code == 404
    # An area code the user typed is refused naming it (areas are not personal data).
    assert stranger.get("/cases/").json()["items"] == []
    assert stranger.get("/cases/", area=desk.land.county1.code).status_code == 403
    assert AuditEvent.objects.filter(action="denied").count() == 2


def test_an_analyst_gets_403_on_personal_lists(desk):
    analyst = Api(make_user("analyst", desk.land.region))
    assert analyst.get("/contacts/").status_code == 403
    assert analyst.get("/chains/").status_code == 403


def test_a_contact_is_corrected_and_marked_lost_through_the_api(desk, api):
    contact = desk.contact()
    patched = api.send("patch", f"/contacts/{contact.pk}", {"last_exposure": ago(2).isoformat()})
    assert patched.status_code == 200 and patched.json()["followup_start"] == ago(1).isoformat()
    assert api.send("post", f"/contacts/{contact.pk}/lost").json()["status"] == "lost"


def test_a_visit_with_its_hours_is_recorded_and_read_back(desk, api):
    path = f"/cases/{desk.case.pk}/visits"
    made = api.send("post", path, {"area": desk.land.compound3.code, "place": "Night market",
                                   "date_from": ago(1).isoformat(), "hours": 3})
    assert made.status_code == 201 and made.json()["hours"] == 3
    assert [v["hours"] for v in api.get(path).json()] == [3]
    too_long = api.send("post", path, {"area": desk.land.compound3.code, "place": "Hotel",
                                       "date_from": ago(1).isoformat(), "hours": 25})
    assert too_long.status_code == 400 and "hours" in too_long.content.decode()
