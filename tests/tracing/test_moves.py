"""Moving a case to another area (issue 13): the page's form and confirmation, the API
operation, both scoped and audited. The service and the daily figures that follow it are
tested in tests/command/test_aggregates.py."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from outbreakhq.core.tokens import issue_token
from outbreakhq.tracing.models import Case
from tests.factories import logged_in, make_user
from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def prefecture_tracer(desk):
    """A tracer of the first prefecture: counties 1 and 2, not county 3."""
    return make_user("tracer", desk.land.pref1, username="pat")


def moves_of(case: Case) -> list[dict]:
    return list(AuditEvent.objects.filter(action="change", object_type="case",
                                          object_id=str(case.pk), detail__fields=["area"])
                .values_list("detail", flat=True))


def test_the_case_page_offers_the_move_to_those_who_manage_cases_only(desk, prefecture_tracer):
    page = logged_in(prefecture_tracer).get(f"/cases/{desk.case.pk}/").content.decode()
    assert f"/cases/{desk.case.pk}/move/" in page
    commander = make_user("commander", desk.land.pref1)
    page = logged_in(commander).get(f"/cases/{desk.case.pk}/").content.decode()
    assert "/move/" not in page
    assert logged_in(commander).get(f"/cases/{desk.case.pk}/move/").status_code == 403


def test_the_form_lists_the_areas_of_the_scope_and_the_move_waits_for_the_confirmation(
        desk, prefecture_tracer):
    client, land, url = logged_in(prefecture_tracer), desk.land, f"/cases/{desk.case.pk}/move/"
    form = client.get(url).content.decode()
    assert f'value="{land.compound2.code}"' in form
    assert f'value="{land.compound3.code}"' not in form  # county 3 is not theirs
    assert f'<option value="{land.compound1.code}"' not in form  # where the case is now

    asked = client.post(url, {"area": land.compound2.code, "reason": "lives in Birch County"})
    assert asked.status_code == 200
    assert "daily figures move with it" in asked.content.decode()
    assert Case.objects.get(pk=desk.case.pk).area == land.compound1  # not yet

    done = client.post(url, {"area": land.compound2.code, "reason": "lives in Birch County",
                             "confirm": "1"})
    assert done.status_code == 302 and done["Location"] == f"/cases/{desk.case.pk}/"
    assert Case.objects.get(pk=desk.case.pk).area == land.compound2
    [move] = moves_of(desk.case)
    assert move["reason"] == "lives in Birch County"
    assert (move["from"], move["to"]) == (land.compound1.code, land.compound2.code)


def test_a_scope_too_large_to_list_types_the_area_code_and_a_lone_area_has_nowhere_to_go(
        desk, prefecture_tracer, monkeypatch):
    from outbreakhq.tracing.views import cases

    monkeypatch.setattr(cases, "MOVE_CHOICES_UP_TO", 1)
    form = logged_in(prefecture_tracer).get(f"/cases/{desk.case.pk}/move/").content.decode()
    assert '<input type="text" id="area" name="area"' in form and '<select id="area"' not in form
    monkeypatch.undo()
    alone = make_user("tracer", desk.land.compound1)
    form = logged_in(alone).get(f"/cases/{desk.case.pk}/move/").content.decode()
    assert "There is no other area where you manage cases." in form and "Continue" not in form


def test_a_move_without_a_reason_is_refused_naming_the_field_and_nothing_moves(
        desk, prefecture_tracer):
    response = logged_in(prefecture_tracer).post(
        f"/cases/{desk.case.pk}/move/", {"area": desk.land.compound2.code, "reason": " ",
                                         "confirm": "1"})
    assert response.status_code == 200
    assert "say why the case moves" in response.content.decode()
    assert Case.objects.get(pk=desk.case.pk).area == desk.land.compound1 and not moves_of(
        desk.case)


def test_an_area_outside_the_scope_is_refused_and_audited_on_the_page_as_in_the_api(
        desk, prefecture_tracer):
    target = desk.land.compound3.code
    page = logged_in(prefecture_tracer).post(f"/cases/{desk.case.pk}/move/", {
        "area": target, "reason": "x", "confirm": "1"})
    api = Api(prefecture_tracer).move(desk.case.pk, area=target, reason="x")
    assert page.status_code == api.status_code == 403
    assert Case.objects.get(pk=desk.case.pk).area == desk.land.compound1
    assert AuditEvent.objects.filter(action="denied", object_type="case",
                                     area_path=desk.land.compound3.path).count() == 2


class Api:
    def __init__(self, user) -> None:
        _token, secret = issue_token(actor=Actor.of(user), name="test")
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")

    def move(self, case_id: int, **body):
        return self.client.post(f"/api/v1/cases/{case_id}/move", json.dumps(body),
                                content_type="application/json")


def test_the_api_moves_a_case_and_answers_with_it(desk, prefecture_tracer):
    response = Api(prefecture_tracer).move(desk.case.pk, area=desk.land.compound2.code,
                                           reason="reported in the wrong county")
    assert response.status_code == 200, response.content
    assert response.json()["area"] == desk.land.compound2.code
    assert [m["reason"] for m in moves_of(desk.case)] == ["reported in the wrong county"]


def test_the_api_names_every_bad_field_of_a_move(desk, prefecture_tracer):
    response = Api(prefecture_tracer).move(desk.case.pk, area="nowhere", reason="")
    assert response.status_code == 400
    assert {e["field"] for e in response.json()["errors"]} == {"area", "reason"}


def test_a_case_outside_the_scope_answers_as_one_that_does_not_exist(desk):
    elsewhere = make_user("tracer", desk.land.county3, username="carl")
    theirs = open_case(elsewhere, desk.person(desk.land.compound3))
    api = Api(desk.tracer)
    mine = api.move(theirs.pk, area=desk.land.compound1.code, reason="x")
    none = api.move(theirs.pk + 1000, area=desk.land.compound1.code, reason="x")
    assert mine.status_code == none.status_code == 404
    assert Case.objects.get(pk=theirs.pk).area == desk.land.compound3


def test_openapi_documents_the_move():
    operation = Client().get("/api/v1/openapi.json").json()["paths"][
        "/api/v1/cases/{case_id}/move"]["post"]
    assert "wrong area" in operation["description"]
