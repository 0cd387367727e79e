"""The report step of turnaround: the lab releases resulted tubes (time and who); the
preset's `screening.report_at_once` results are reported as they are recorded; turnaround to
report per site; an alert for tubes not reported within the preset's hours."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.screening import services, worklists
from outbreakhq.screening.models import Tube
from tests.screening.conftest import Screen


def _resulted(screen: Screen) -> None:
    screen.submit("T1", screen.people(10))
    screen.submit("T2", screen.people(5))
    screen.submit("T3", screen.people(1))
    screen.ship_and_receive("B1", "T1", "T2", "T3")
    screen.results(("T1", "positive"), ("T2", "negative"), ("T3", "invalid"))


def test_negatives_are_reported_as_recorded_and_the_rest_wait_for_the_lab(screen):
    assert protocols.current().screening.report_at_once == ("negative",)
    _resulted(screen)
    tubes = {t.barcode: t for t in Tube.objects.all()}
    assert tubes["T2"].reported_at == tubes["T2"].resulted_at
    assert tubes["T2"].reported_by == screen.lab
    assert tubes["T1"].reported_at is None and tubes["T3"].reported_at is None
    assert [t.barcode for t in worklists.unreported_tubes(Actor.of(screen.lab))] == ["T1", "T3"]


def test_the_lab_reports_in_a_batch_with_time_and_who(screen):
    _resulted(screen)
    done = services.report_results(actor=Actor.of(screen.lab), barcodes=["T1", "T3", "T2"])
    assert (done.reported, done.unchanged) == (2, 1)
    t1 = Tube.objects.get(barcode="T1")
    assert t1.reported_by == screen.lab and t1.reported_at >= t1.resulted_at
    again = services.report_results(actor=Actor.of(screen.lab), barcodes=["T1"])
    assert (again.reported, again.unchanged) == (0, 1)
    assert Tube.objects.get(barcode="T1").reported_at == t1.reported_at


def test_reporting_a_tube_without_result_or_unknown_is_refused_naming_it(screen):
    _resulted(screen)
    screen.submit("T4", screen.people(2))
    with pytest.raises(InvalidInput) as refused:
        services.report_results(actor=Actor.of(screen.lab), barcodes=["T1", "T4", "NOPE"])
    text = str(refused.value)
    assert "T4" in text and "no result yet" in text and "NOPE" in text
    assert Tube.objects.get(barcode="T1").reported_at is None  # all or none


def test_a_site_operator_may_not_report(screen):
    _resulted(screen)
    with pytest.raises(Exception):  # noqa: B017 (refused: PermissionDenied or missing)
        services.report_results(actor=Actor.of(screen.operator), barcodes=["T1"])
    assert Tube.objects.get(barcode="T1").reported_at is None


def test_turnaround_to_report_per_site_and_the_overdue_alert(screen):
    _resulted(screen)
    now = timezone.now()
    base = now - timedelta(hours=20)
    Tube.objects.update(collected_at=base, received_at=base + timedelta(hours=2),
                        resulted_at=base + timedelta(hours=6))
    Tube.objects.filter(barcode="T2").update(reported_at=base + timedelta(hours=7))
    services.report_results(actor=Actor.of(screen.lab), barcodes=["T1"])  # now: 20 h
    [row] = worklists.turnaround(Actor.of(screen.lab), Can.RECORD_RESULTS)
    assert row["to_report"]["count"] == 2
    assert row["to_report"]["max"] == pytest.approx(14, abs=0.1)
    assert row["total"]["median"] == pytest.approx(13.5, abs=0.1)
    assert row["total"]["within"] == {6: 0.0, 12: 0.5, 24: 1.0}
    hours = protocols.current().screening.turnaround_hours.result_to_report
    overdue = worklists.overdue(Actor.of(screen.lab), Can.RECORD_RESULTS, 10, now,
                                report_hours=hours)
    assert overdue["not_reported"] == 1  # T3, resulted 14 h ago, still not reported


def test_the_lab_page_and_the_api_report(screen):
    _resulted(screen)
    client = Client()
    client.force_login(screen.lab)
    page = client.get(reverse("screening_lab"))
    assert b'name="report" value="T1"' in page.content
    answer = client.post(reverse("screening_lab"), {"what": "report", "report": ["T3"]})
    assert answer.status_code == 302
    assert Tube.objects.get(barcode="T3").reported_at is not None
    api = client.post("/api/v1/screening/results/reported", {"tubes": ["T1", "T9"]},
                      content_type="application/json")
    assert api.status_code == 400 and "T9" in api.content.decode()
    api = client.post("/api/v1/screening/results/reported", {"tubes": ["T1"]},
                      content_type="application/json")
    assert api.status_code == 200 and api.json() == {"reported": 1, "unchanged": 0}
    assert Tube.objects.filter(reported_at__isnull=True).count() == 0
