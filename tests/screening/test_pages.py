"""The screening pages with data: collection (form fallback), shipping, the lab's bench (no
names), recalls, the round's coverage and pooling advisor, the printable code sheet; the API."""

from __future__ import annotations

import json

from django.template.loader import render_to_string
from django.utils import timezone

from outbreakhq.core import hooks
from outbreakhq.core.actor import Actor
from outbreakhq.screening import panels, services, worklists
from outbreakhq.screening.models import Recall, Tube
from tests.factories import logged_in


def test_the_operator_seals_ships_and_the_lab_results_through_the_pages(screen):
    people = screen.people(3)
    operator = logged_in(screen.operator)
    answer = operator.post("/screening/collect/", {
        "barcode": "T9", "members": "\n".join(screen.codes(people)), "site": screen.site.pk,
        "round": screen.round.pk})
    assert answer.status_code == 302
    page = operator.get("/screening/collect/")
    assert page.status_code == 200 and b"collect-form" in page.content
    assert operator.post("/screening/ship/", {"site": screen.site.pk, "box": "B9",
                                              "tubes": ["T9"]}).status_code == 302
    lab = logged_in(screen.lab)
    assert lab.post("/screening/lab/", {"what": "receive", "box": "B9"}).status_code == 302
    bench = lab.get("/screening/lab/").content.decode()
    assert "T9" in bench and people[0].name not in bench
    assert lab.post("/screening/lab/", {"what": "results", "tube": ["T9"],
                                        "result-T9": "positive"}).status_code == 302
    assert Recall.objects.count() == 3
    recalls = operator.get("/screening/recalls/").content.decode()
    assert all(p.name in recalls for p in people)


def test_a_bad_tube_on_the_collection_form_is_named_and_nothing_is_saved(screen):
    operator = logged_in(screen.operator)
    answer = operator.post("/screening/collect/", {
        "barcode": "T1", "members": "NOT-A-CODE", "site": screen.site.pk,
        "round": screen.round.pk})
    assert answer.status_code == 400 and b"NOT-A-CODE" in answer.content
    assert not Tube.objects.exists()


def test_the_round_page_shows_coverage_the_missing_and_the_pooling_advisor(screen):
    people = screen.people(4)
    screen.submit("T1", people[:3])
    page = logged_in(screen.planner).get(f"/screening/round/?round={screen.round.pk}")
    text = page.content.decode()
    assert page.status_code == 200
    assert "3 of 4 registered people sampled" in text and people[3].name in text
    assert "dorfman" in text and "nested" in text


def test_the_code_sheet_prints_a_qr_code_per_person(screen):
    person = screen.people(1, )[0]
    page = logged_in(screen.operator).get(f"/screening/codes/?area={screen.land.compound1.code}")
    text = page.content.decode()
    assert "<svg" in text and services.code_of(person.pk) in text and "style=" not in text


def test_the_api_answers_201_then_200_for_the_same_tube_and_takes_csv_results(screen):
    people = screen.people(2)
    operator = logged_in(screen.operator)
    body = {"barcode": "A1", "members": screen.codes(people), "site": screen.site.pk,
            "round": screen.round.pk}
    first = operator.post("/api/v1/screening/tubes/", json.dumps(body),
                          content_type="application/json")
    again = operator.post("/api/v1/screening/tubes/", json.dumps(body),
                          content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200)
    other = operator.post("/api/v1/screening/tubes/", json.dumps(
        {**body, "members": screen.codes(screen.people(1))}), content_type="application/json")
    assert other.status_code == 400 and "A1" in other.json()["errors"][0]["message"]
    services.ship_box(actor=Actor.of(screen.operator), site_id=screen.site.pk, box_code="B1",
                      barcodes=["A1"])
    lab = logged_in(screen.lab)
    assert lab.post("/api/v1/screening/boxes/received", json.dumps({"box": "B1"}),
                    content_type="application/json").status_code == 200
    answer = lab.post("/api/v1/screening/results/", "barcode,result,ct\nA1,negative,\n",
                      content_type="text/csv")
    assert answer.status_code == 200 and answer.json()["resulted"] == 1
    bad = lab.post("/api/v1/screening/results/", "barcode,result\nZZ,positive\n",
                   content_type="text/csv")
    assert bad.status_code == 400 and bad.json()["errors"][0]["row"] == 2
    tube = lab.get("/api/v1/screening/tubes/?barcode=A1").json()["items"][0]
    assert tube["result"] == "negative" and "name" not in json.dumps(tube)
    assert operator.get("/api/v1/screening/recalls/").json() == []


def test_the_overview_tile_and_the_hourly_figures_count_todays_tubes(screen):
    screen.submit("T1", screen.people(4))
    screen.ship_and_receive("B1", "T1")
    figures = worklists.today_figures(Actor.of(screen.planner))
    assert (figures["tubes"], figures["people"], figures["waiting"]) == (1, 4, 1)
    hours = worklists.hourly(Actor.of(screen.lab), "result.record", timezone.localdate())
    assert sum(h["collected"] for h in hours) == 1 and sum(h["received"] for h in hours) == 1
    assert b"Today, hour by hour" in logged_in(screen.lab).get("/screening/lab/").content


def test_the_home_panels_show_the_operators_open_tubes_and_the_labs_waiting_tubes(screen):
    # nothing to do yet: the panel says so with zeros
    assert panels.operator(Actor.of(screen.operator)) == {"open_tubes": 0, "in_transit": 0,
                                                          "to_resample": 0}
    screen.submit("T1", screen.people(2))
    screen.submit("T2", screen.people(2))
    screen.ship_and_receive("B1", "T2")
    mine = panels.operator(Actor.of(screen.operator))
    assert mine["open_tubes"] == 1
    bench = panels.lab(Actor.of(screen.lab))
    assert bench["waiting"] == 1
    assert "1 tubes waiting" in render_to_string("screening/_home_lab.html", bench)
    assert {p.template for p in hooks.HOME_PANELS} >= {"screening/_home_operator.html",
                                                       "screening/_home_lab.html"}
    assert hooks.ask("screening.results_of", screen.people(1)[0].pk, default=None) == []


def test_an_exempted_person_leaves_the_missing_list_and_home_samples_are_counted(screen):
    people = screen.people(3)
    home = services.create_site(actor=Actor.of(screen.planner), name="Door to door",
                                area_code=screen.land.compound1.code, home_visits=True)
    services.submit_tube(actor=Actor.of(screen.operator), barcode="H1",
                         members=screen.codes(people[:1]), site_id=home.pk,
                         round_id=screen.round.pk)
    planner = logged_in(screen.planner)
    url = f"/screening/round/?round={screen.round.pk}"
    assert planner.post(url, {"person": people[1].pk, "reason": ""}).status_code == 200
    answer = planner.post(url, {"person": people[1].pk, "reason": "in hospital"})
    assert answer.status_code == 302
    coverage = worklists.coverage(Actor.of(screen.planner), screen.round)
    assert (coverage.sampled, coverage.at_home, coverage.exempted) == (1, 1, 1)
    assert [p for _area, rows in coverage.missing_by_compound for p in rows] == [people[2]]
