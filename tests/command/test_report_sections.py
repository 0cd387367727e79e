"""The situation report's sections asked of other modules, and the morning reports."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.urls import reverse
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.command import morning, report
from outbreakhq.core import hooks, periodic
from outbreakhq.tracing.fields import today
from outbreakhq.zones.models import Alert, AlertKind, Designation, Status
from tests.factories import logged_in


def _page(outbreak, area=None) -> str:
    client = logged_in(outbreak.commander)
    return client.get(reverse("sitrep", args=[(area or outbreak.land.region).code])
                      ).content.decode()


def test_each_section_says_none_when_its_module_has_nothing(outbreak):
    page = _page(outbreak)
    assert "None: no tube resulted on this day." in page
    assert "None: no risk area changed on this day." in page
    assert "None: no alert raised on this day and none waiting." in page


def test_a_section_is_left_out_when_its_module_is_not_installed(outbreak, monkeypatch):
    for question in ("screening.turnaround_of", "zones.changes_on", "zones.alerts_on"):
        monkeypatch.delitem(hooks.PROVIDERS, question)
    page = _page(outbreak)
    for heading in ("Screening turnaround", "Risk-area changes of the day", "<h2>Alerts"):
        assert heading not in page
    assert "Epidemic curve" in page  # the rest of the report is there


def test_the_report_lists_risk_area_changes_up_and_down_and_the_alerts(outbreak):
    land, day = outbreak.land, today()
    high, *_rest, low = protocols.current().grading.grades
    tenant = land.region
    # County 1 raised to the highest grade today; county 2 lowered from it today.
    Designation.objects.create(tenant=tenant, area=land.county1, grade=high, since=day,
                               status=Status.APPROVED)
    Designation.objects.create(tenant=tenant, area=land.county2, grade=high,
                               since=day - timedelta(days=20), until=day - timedelta(days=1),
                               status=Status.APPROVED)
    Designation.objects.create(tenant=tenant, area=land.county2, grade=low, since=day,
                               status=Status.APPROVED)
    Alert.objects.create(tenant=tenant, area=land.compound3, kind=AlertKind.UNKNOWN_SOURCE,
                         day=day)
    changes = report.other_modules(land.region, day)["zone_changes"]
    assert [(c["area"], c["up"]) for c in changes] == [(land.county1, True),
                                                        (land.county2, False)]
    page = _page(outbreak)
    assert "raised" in page and "lowered" in page
    assert "Case with no known source" in page
    # A county's report holds its own subtree only.
    county3 = report.other_modules(land.county3, day)
    assert county3["zone_changes"] == [] and len(county3["alerts"]) == 1


def test_the_turnaround_section_shows_the_share_within_each_threshold(outbreak, monkeypatch):
    monkeypatch.setitem(hooks.PROVIDERS, "screening.turnaround_of", lambda path, day: {
        "count": 40, "mean": 9.0, "median": 8.5, "max": 30.0,
        "within": {6: 0.25, 12: 0.75, 24: 0.95}})
    page = _page(outbreak)
    assert "40 tubes resulted on this day: median 8.5 hours" in page
    assert "95 %" in page


def test_the_morning_job_stores_each_top_level_report_and_the_page_says_so(outbreak):
    land = outbreak.land
    slot = datetime.combine(today(), report.morning_time(),
                            tzinfo=timezone.get_default_timezone())
    job = morning.job()
    run, = periodic.run_due(slot + timedelta(minutes=1), jobs=[job])
    assert run.status == run.DONE, run.error
    stored = morning.stored(land.region, today())
    assert stored.read_bytes().startswith(b"%PDF")
    assert not morning.stored(land.county1, today()).exists()  # top-level jurisdictions only
    page = _page(outbreak)
    assert "Made every morning at 07:00" in page
    assert "This day's morning report was made at" in page
