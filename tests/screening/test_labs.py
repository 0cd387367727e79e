"""Labs: a box is received at a lab (named, or the technician's only one; a lab outside the
scope is refused like a missing one); turnaround and the hourly figures per site and per lab
on the lab page and the round page; the planner adds labs on the page and through the API."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.screening import services, worklists
from outbreakhq.screening.models import Box, Lab
from tests.factories import logged_in
from tests.screening.conftest import Screen


def _lab(screen: Screen, name: str, area) -> Lab:
    return services.create_lab(actor=Actor.of(screen.planner), name=name, area_code=area.code)


def _ship(screen: Screen, box: str, *barcodes: str) -> None:
    services.ship_box(actor=Actor.of(screen.operator), site_id=screen.site.pk, box_code=box,
                      barcodes=list(barcodes))


def test_turnaround_is_given_per_site_and_per_lab_the_box_was_received_at(screen):
    north, alder = _lab(screen, "North lab", screen.land.pref1), _lab(
        screen, "Alder lab", screen.land.county1)
    screen.submit("T1", screen.people(3))
    screen.submit("T2", screen.people(3))
    screen.submit("T3", screen.people(3))
    _ship(screen, "B1", "T1", "T2")
    _ship(screen, "B2", "T3")
    lab = Actor.of(screen.lab)
    services.receive_box(actor=lab, box_code="B1", lab_id=north.pk)
    services.receive_box(actor=lab, box_code="B2", lab_id=alder.pk)
    screen.results(("T1", "negative"), ("T2", "negative"), ("T3", "negative"))
    assert Box.objects.get(code="B1").lab == north
    by_lab = {row["name"]: row for row in worklists.turnaround(lab, "result.record", by="lab")}
    assert {name: row["tubes"] for name, row in by_lab.items()} == {"North lab": 2,
                                                                    "Alder lab": 1}
    assert by_lab["North lab"]["total"]["count"] == 2  # negatives reported as recorded
    assert [row["tubes"] for row in worklists.turnaround(lab, "result.record")] == [3]
    hours = worklists.hourly(lab, "result.record", timezone.localdate())
    assert sum(r["resulted"] for r in hours if r["lab"] == "North lab") == 2
    assert sum(r["shipped"] for r in hours) == 3
    screen.submit("T4", screen.people(1))
    _ship(screen, "B3", "T4")  # in transit: no lab yet
    now = {(r["site"], r["lab"]): r for r in worklists.by_site_and_lab(
        lab, "result.record", timezone.localdate())}
    assert {k: (r["collected"], r["in_transit"], r["waiting"], r["resulted"])
            for k, r in now.items()} == {("School gate", "North lab"): (2, 0, 0, 2),
                                         ("School gate", "Alder lab"): (1, 0, 0, 1),
                                         ("School gate", ""): (1, 1, 0, 0)}


def test_the_technicians_only_lab_is_taken_when_none_is_named(screen):
    alder = _lab(screen, "Alder lab", screen.land.county1)
    _lab(screen, "Cedar lab", screen.land.county3)  # outside the technician's prefecture
    screen.submit("T1", screen.people(2))
    screen.ship_and_receive("B1", "T1")
    assert Box.objects.get(code="B1").lab == alder


def test_a_lab_outside_the_scope_is_refused_like_a_missing_one(screen):
    cedar = _lab(screen, "Cedar lab", screen.land.county3)
    screen.submit("T1", screen.people(2))
    _ship(screen, "B1", "T1")
    answers = []
    for lab_id in (cedar.pk, 999_999):
        with pytest.raises(InvalidInput) as refused:
            services.receive_box(actor=Actor.of(screen.lab), box_code="B1", lab_id=lab_id)
        answers.append(refused.value.errors[0].message.replace(str(lab_id), "N"))
    assert answers[0] == answers[1]
    _lab(screen, "North lab", screen.land.pref1)
    _lab(screen, "Alder lab", screen.land.county1)
    with pytest.raises(InvalidInput) as refused:  # several labs: which one?
        services.receive_box(actor=Actor.of(screen.lab), box_code="B1")
    assert "several labs" in str(refused.value)
    assert Box.objects.get(code="B1").received_at is None  # nothing half written


def test_the_planner_adds_a_lab_and_the_lab_page_receives_at_it(screen):
    planner = logged_in(screen.planner)
    page = planner.post(reverse("screening_rounds"), {"what": "lab", "name": "North lab",
                                                      "area": screen.land.pref1.code})
    assert page.status_code == 302
    again = planner.post(reverse("screening_rounds"), {"what": "lab", "name": "North lab",
                                                       "area": screen.land.pref1.code})
    assert again.status_code == 400 and "already a lab named" in again.content.decode()
    answer = planner.post("/api/v1/screening/labs/", {"name": "Alder lab",
                                                      "area": screen.land.county1.code},
                          content_type="application/json")
    assert answer.status_code == 201
    north = Lab.objects.get(name="North lab")
    technician = logged_in(screen.lab)
    assert {lab["name"] for lab in technician.get("/api/v1/screening/labs/").json()} == {
        "North lab", "Alder lab"}
    screen.submit("T1", screen.people(2))
    screen.submit("T2", screen.people(2))
    _ship(screen, "B1", "T1")
    _ship(screen, "B2", "T2")
    page = technician.get(reverse("screening_lab"))
    assert 'name="lab"' in page.content.decode()
    technician.post(reverse("screening_lab"), {"what": "receive", "box": "B1",
                                               "lab": str(north.pk)})
    received = technician.post("/api/v1/screening/boxes/received",
                               {"box": "B2", "lab": answer.json()["id"]},
                               content_type="application/json")
    assert received.status_code == 200 and received.json()["lab"] == answer.json()["id"]
    assert Box.objects.get(code="B1").lab == north
    screen.results(("T1", "negative"), ("T2", "negative"))
    for page in (technician.get(reverse("screening_lab")),
                 planner.get(reverse("screening_round") + f"?round={screen.round.pk}")):
        text = page.content.decode()
        assert 'id="turnaround-labs"' in text and "North lab" in text and "Alder lab" in text
        assert 'id="by-site-and-lab"' in text


def test_the_situation_reports_turnaround_lists_each_lab(screen):
    from outbreakhq.core import hooks

    north = _lab(screen, "North lab", screen.land.pref1)
    screen.submit("T1", screen.people(2))
    screen.submit("T2", screen.people(2))
    _ship(screen, "B1", "T1")
    services.receive_box(actor=Actor.of(screen.lab), box_code="B1", lab_id=north.pk)
    _ship(screen, "B2", "T2")
    services.receive_box(actor=Actor.of(screen.lab), box_code="B2")
    Box.objects.filter(code="B2").update(lab=None)  # a box received before labs existed
    screen.results(("T1", "negative"), ("T2", "negative"))
    answer = hooks.ask("screening.turnaround_of", screen.land.region.path, timezone.localdate())
    assert answer["count"] == 2
    assert [(row["lab"], row["count"]) for row in answer["labs"]] == [("North lab", 1)]
