"""The loader writes the simulator's quarantine stays, support requests and stranded travellers
with the modules' rules, so the demo's quarantine manager and community worker have today's
work; replacing a scenario removes them first."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

import pytest
from django.db.models import Count
from django.utils import timezone

from outbreakhq.quarantine.models import Awaiting, Room, Site, SiteKind, Stay, StayStatus, StayTest
from outbreakhq.simulate.engine import Config, simulate
from outbreakhq.support.models import Status, SupportRequest, SupportTeam, Traveller
from outbreakhq.support.scenario_load import HISTORY_DAYS
from outbreakhq.wiring import scenario_loader as loader

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def scenario():
    return simulate(Config(population=3_000, days=16, seed=1))


def test_quarantine_sites_hold_todays_stays_in_rooms_of_one_household(scenario) -> None:
    loader.load(scenario)
    today = timezone.localdate()
    assert Site.objects.filter(kind=SiteKind.HOME).count() >= 1
    assert Site.objects.exclude(kind=SiteKind.HOME).exists()
    placed = Stay.objects.filter(status=StayStatus.PLACED)
    assert placed.exists() and Stay.objects.filter(status=StayStatus.RELEASED).exists()
    assert not placed.values("person").annotate(n=Count("id")).filter(n__gt=1).exists()
    in_rooms = placed.filter(room__isnull=False)
    assert in_rooms.exists()
    assert not in_rooms.filter(quarantine_end__lt=today).exists()
    for room in Room.objects.filter(stays__in=in_rooms).distinct():
        held = [s for s in in_rooms if s.room_id == room.pk]
        assert len(held) <= room.beds
        assert len({s.household for s in held}) == 1  # no unrelated people together
    assert not placed.filter(site__kind=SiteKind.HOME, room__isnull=False).exists()
    tests = StayTest.objects.all()
    assert tests.exists() and not tests.filter(date__gte=today).exists()
    assert Awaiting.objects.filter(status="waiting").exists()  # today's arrivals to place


def test_support_requests_fill_todays_queue_and_travellers_wait(scenario) -> None:
    loader.load(scenario)
    today = timezone.localdate()
    requests = SupportRequest.objects.all()
    assert requests.exists()
    assert not requests.filter(received_at__date__lte=today - timedelta(days=HISTORY_DAYS)) \
        .exists()
    todays = requests.filter(received_at__date=today)
    assert set(todays.values_list("status", flat=True)) == {
        Status.RECEIVED, Status.TRIAGED, Status.ASSIGNED, Status.IN_PROGRESS}
    assert all(r.is_open for r in todays)
    assert not todays.filter(status__in=(Status.ASSIGNED, Status.IN_PROGRESS),
                             team__isnull=True).exists()
    assert not requests.filter(received_at__gt=timezone.now()).exists()
    earlier = requests.filter(received_at__date__lt=today)
    assert earlier.exists() and not earlier.filter(is_open=True).exists()
    urgency = Counter(requests.values_list("urgency", flat=True))
    assert urgency["urgent"] and urgency["normal"]
    assert Traveller.objects.count() == scenario["stranded_travellers"].num_rows


def test_replacing_the_scenario_replaces_its_stays_and_requests(scenario) -> None:
    loader.load(scenario)
    counts = (Stay.objects.count(), SupportRequest.objects.count(), Site.objects.count())
    loader.load(scenario, replace=True)
    assert (Stay.objects.count(), SupportRequest.objects.count(), Site.objects.count()) == \
        counts


def _place_names(scenario, column: str) -> set[str]:
    places = scenario["places"].to_pydict()
    return {name for name, kind in zip(places[column], places["type"], strict=True)
            if kind == "quarantine_site"}


def test_a_chinese_deployment_names_its_quarantine_sites_in_chinese(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # OUTBREAKHQ_LANGUAGE=zh-hans
    loader.load(scenario)
    homes = Site.objects.filter(kind=SiteKind.HOME).select_related("area")
    assert homes.exists()
    for site in homes:
        assert site.name == f"{site.area.name_zh}居家隔离"
    built = set(Site.objects.exclude(kind=SiteKind.HOME).values_list("name", flat=True))
    assert built and built <= _place_names(scenario, "name_zh")
    assert all(name.endswith("隔离点") for name in built)


def test_an_english_deployment_names_its_quarantine_sites_in_english(scenario,
                                                                     settings) -> None:
    settings.LANGUAGE_CODE = "en"
    loader.load(scenario)
    for site in Site.objects.filter(kind=SiteKind.HOME).select_related("area"):
        assert site.name == f"{site.area.name_en} home quarantine"
    built = set(Site.objects.exclude(kind=SiteKind.HOME).values_list("name", flat=True))
    assert built and built <= _place_names(scenario, "name_en")
    assert not Site.objects.filter(name__regex=r"[\u4e00-\u9fff]").exists()


def test_a_chinese_deployment_names_its_support_teams_in_chinese(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "zh-hans"  # OUTBREAKHQ_LANGUAGE=zh-hans
    loader.load(scenario)
    teams = SupportTeam.objects.select_related("area")
    assert teams.exists()
    for team in teams:
        assert team.name == f"{team.area.name_zh}社区保障组"
    # and the stranded travellers' home provinces: 四川省, not Sichuan
    homes = set(Traveller.objects.values_list("home_destination", flat=True))
    assert homes and all(home.endswith(("省", "市")) for home in homes)


def test_an_english_deployment_names_its_support_teams_in_english(scenario, settings) -> None:
    settings.LANGUAGE_CODE = "en"
    loader.load(scenario)
    teams = SupportTeam.objects.select_related("area")
    assert teams.exists()
    for team in teams:
        assert team.name == f"{team.area.name_en} community team"
    homes = set(Traveller.objects.values_list("home_destination", flat=True))
    assert homes and homes <= {"Beijing", "Shanghai", "Guangdong", "Sichuan", "Zhejiang",
                               "Jiangsu", "Hubei", "Shaanxi"}
