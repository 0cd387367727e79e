"""The loader writes the simulator's last screening rounds tube by tube, with their members,
boxes, results and recalls, so that the demo's last day shows a round in progress; replacing a
scenario removes them first."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, time, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.db.models import Count, F
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.screening.models import (
    Box,
    BoxStatus,
    Campaign,
    Lab,
    Recall,
    RecallStatus,
    Round,
    Site,
    Tube,
    TubeMember,
    TubeStatus,
)
from outbreakhq.simulate.detection import MEMBER_DAYS
from outbreakhq.simulate.engine import Config, simulate
from outbreakhq.wiring import scenario_loader as loader
from outbreakhq.wiring.demo_users import ensure_demo_users
from tests.factories import logged_in

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scenario():
    return simulate(Config(population=3_000, days=11, seed=1))  # positive pools on its last days


def _at_afternoon(monkeypatch):
    """Load at 15:00 local time today: the round is well under way."""
    tz = timezone.get_current_timezone()
    afternoon = datetime.combine(timezone.localdate(), time(15), tz)
    monkeypatch.setattr(timezone, "now", lambda: afternoon)
    return afternoon


def test_the_simulator_lists_the_members_of_its_last_days_tubes(scenario) -> None:
    tubes = scenario["tubes"].to_pydict()
    members = scenario["tube_members"].to_pydict()
    last = max(tubes["collection_date"])
    recent = {t for t, d in zip(tubes["tube"], tubes["collection_date"], strict=True)
              if (last - d).days < MEMBER_DAYS}
    assert set(members["tube"]) == recent
    swabs = dict(zip(tubes["tube"], tubes["swabs"], strict=True))
    assert Counter(members["tube"]) == {t: swabs[t] for t in recent}
    again = simulate(Config(population=3_000, days=11, seed=1))["tube_members"]
    assert again.equals(scenario["tube_members"])  # deterministic


def test_the_last_day_shows_a_round_in_progress(scenario, monkeypatch) -> None:
    now = _at_afternoon(monkeypatch)
    loader.load(scenario)
    today = timezone.localdate()
    assert Campaign.objects.count() == 1
    rounds = Round.objects.all()
    assert {r.day for r in rounds} == {today - timedelta(days=d) for d in range(MEMBER_DAYS)}
    assert not rounds.filter(day=today, closed=True).exists()
    assert not rounds.filter(day__lt=today, closed=False).exists()
    todays = Counter(Tube.objects.filter(round__day=today).values_list("status", flat=True))
    assert set(todays) == {TubeStatus.SEALED, TubeStatus.SHIPPED, TubeStatus.RECEIVED,
                           TubeStatus.RESULTED}, todays
    assert set(Tube.objects.filter(round__day__lt=today).values_list("status", flat=True)) \
        == {TubeStatus.RESULTED}
    # Every tube lists exactly its members; nobody twice in one round.
    assert not Tube.objects.annotate(n=Count("members")).exclude(n=F("members_count")).exists()
    assert not Tube.objects.filter(members_count__gt=F("capacity")).exists()
    assert TubeMember.objects.count() == sum(Tube.objects.values_list("members_count",
                                                                      flat=True))
    # Custody: in order, never in the future; sealed tubes wait for their box at the site.
    assert not Tube.objects.filter(collected_at__gt=now).exists()
    assert not Tube.objects.filter(status=TubeStatus.SEALED, box__isnull=False).exists()
    assert not Tube.objects.filter(status=TubeStatus.SHIPPED, box__status=BoxStatus.RECEIVED) \
        .exists()
    assert not Tube.objects.filter(received_at__lt=F("shipped_at")).exists()
    assert not Tube.objects.filter(resulted_at__lt=F("received_at")).exists()
    assert Tube.objects.filter(status=TubeStatus.RESULTED, reported_at__isnull=False).exists()
    assert not Tube.objects.exclude(status=TubeStatus.RESULTED).exclude(result="").exists()
    assert Box.objects.filter(status=BoxStatus.SHIPPED).exists()
    assert Site.objects.count() == Tube.objects.values("site").distinct().count()
    # Results are the simulator's.
    sim = scenario["tubes"].to_pydict()
    positive = {f"{scenario.meta['region_code']}-T{t:09d}": p
                for t, p in zip(sim["tube"], sim["positive"], strict=True)}
    for barcode, result in Tube.objects.filter(status=TubeStatus.RESULTED) \
            .values_list("barcode", "result"):
        assert result == ("positive" if positive[barcode] else "negative")
    # Boxes are received at their county's lab (the CDC laboratory); in transit, at none yet.
    received = Box.objects.filter(status=BoxStatus.RECEIVED).select_related("lab", "area")
    assert received.exists()
    for box in received:
        assert box.lab.area.level == "county" and box.area.path.startswith(box.lab.area.path)
    assert not Box.objects.filter(status=BoxStatus.SHIPPED, lab__isnull=False).exists()


def test_positive_pools_resulted_recall_their_members(scenario, monkeypatch) -> None:
    _at_afternoon(monkeypatch)
    loader.load(scenario)
    pools = Tube.objects.filter(result="positive", members_count__gt=1)
    recalls = Recall.objects.all()
    assert pools.exists()  # the fixture's last days have positive pools
    assert set(recalls.values_list("status", flat=True)) == {RecallStatus.NOTIFIED}
    assert recalls.count() == sum(pools.values_list("members_count", flat=True))
    for recall in recalls.select_related("tube"):
        assert TubeMember.objects.filter(tube=recall.tube, person=recall.person_id).exists()
        if recall.status == RecallStatus.RESULTED:
            assert recall.result in ("positive", "negative")
        else:
            assert recall.status == RecallStatus.NOTIFIED and recall.result == ""
    # What the demo shows today (`outbreakhq demo` simulates up to a day after positive
    # pools, like this fixture): people to resample on the recall page and the site's home.
    ensure_demo_users()
    users = {u.username: u for u in get_user_model().objects.all()}
    page = logged_in(users["commander"]).get("/screening/recalls/").content.decode()
    assert recalls.select_related("person")[0].person.name in page
    mine = Recall.objects.visible_to(Actor.of(users["screening"]), "person.view").filter(
        status=RecallStatus.NOTIFIED).count()
    home = logged_in(users["screening"]).get("/").content.decode()
    assert mine and f"{mine} recalled people to resample" in home


def test_replacing_the_scenario_replaces_its_screening(scenario) -> None:
    loader.load(scenario)
    counts = (Tube.objects.count(), TubeMember.objects.count(), Round.objects.count(),
              Recall.objects.count(), Box.objects.count(), Lab.objects.count())
    assert counts[0] and counts[1]
    loader.load(scenario, replace=True)
    assert (Tube.objects.count(), TubeMember.objects.count(), Round.objects.count(),
            Recall.objects.count(), Box.objects.count(), Lab.objects.count()) == counts
    assert Campaign.objects.count() == 1



def test_a_chinese_deployment_names_its_labs_and_sites_in_chinese(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # OUTBREAKHQ_LANGUAGE=zh-hans
    loader.load(scenario)
    areas = scenario["areas"].to_pydict()
    chinese = dict(zip(areas["code"], areas["name_zh"], strict=True))
    for lab in Lab.objects.select_related("area"):
        assert lab.name == f"{chinese[lab.area.code]}疾控中心实验室"
    for site in Site.objects.select_related("area"):
        assert site.name == f"{chinese[site.area.code]}采样点"
    assert Campaign.objects.get().name.endswith("全员核酸筛查")
    assert Lab.objects.exists() and Site.objects.exists()


def test_an_english_deployment_keeps_english_names(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "en"
    loader.load(scenario)
    assert all(name.endswith(" CDC laboratory") for name in Lab.objects.values_list(
        "name", flat=True))
    assert not Site.objects.filter(name__regex=r"[\u4e00-\u9fff]").exists()
