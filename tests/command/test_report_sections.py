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
    Alert.objects.all().delete()  # the outbreak's first cases have no known source
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
    Alert.objects.all().delete()  # the outbreak's first cases have no known source
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


def test_screening_answers_the_turnaround_of_the_tubes_resulted_that_day(outbreak):
    from outbreakhq.screening.models import Campaign, Round, Site, Tube

    land, day = outbreak.land, today()
    zone = timezone.get_default_timezone()
    campaign = Campaign.objects.create(tenant=land.region, area=land.region, name="Round 1")
    round_ = Round.objects.create(tenant=land.region, campaign=campaign, area=land.region,
                                  day=day)
    site = Site.objects.create(tenant=land.region, area=land.compound1, name="School")
    morning_ = datetime.combine(day, datetime.min.time(), tzinfo=zone) + timedelta(hours=8)
    for i, (hours, area) in enumerate(((4, land.compound1), (10, land.compound1),
                                       (30, land.compound1), (5, land.compound3))):
        collected = morning_ - timedelta(hours=hours) + timedelta(minutes=1)
        Tube.objects.create(tenant=land.region, area=area, barcode=f"T{i}", round=round_,
                            site=site, capacity=10, content=str(i), status="resulted",
                            collected_at=collected, resulted_at=morning_, result="negative")
    Tube.objects.create(tenant=land.region, area=land.compound1, barcode="Y", round=round_,
                        site=site, capacity=10, content="y", status="resulted",
                        collected_at=morning_ - timedelta(days=2),
                        resulted_at=morning_ - timedelta(days=1), result="negative")
    county1 = hooks.ask("screening.turnaround_of", land.county1.path, day)
    assert county1["count"] == 3  # county 3's tube and yesterday's are not counted
    assert round(county1["median"], 1) == 10.0 and round(county1["max"], 1) == 30.0
    assert round(county1["within"][24], 2) == 0.67
    assert "3 tubes resulted on this day: median 10.0 hours" in _page(outbreak, land.county1)
