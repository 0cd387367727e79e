"""The daily regrade reads only the areas that can have changed (issue 11, regrade under a
second): new events, decisions since the last run, or the day the clock can move by itself
(rules.next_check). Whatever it skips, a full run of the same day would not propose."""

from __future__ import annotations

import contextlib
import random
from datetime import date, timedelta

import pytest
from django.db import transaction

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.protocols import load
from outbreakhq.zones import feed
from outbreakhq.zones.models import ClockWatch, Designation, RegradeRun, Status
from outbreakhq.zones.rules import AreaEvent, ClockRules, next_check, state_on
from outbreakhq.zones.services import designations as svc
from tests.factories import make_area
from tests.zones.conftest import D0


def rules_of(preset: str) -> ClockRules:
    return ClockRules.from_grading(load(preset).grading)


def day(n: int) -> date:
    return D0 + timedelta(days=n)


def test_next_check_is_the_day_a_step_without_round_is_earned():
    rules = rules_of("cn-9th-edition")
    high = state_on(rules, [AreaEvent(D0, "infection")], day(3))
    assert next_check(rules, high) is None  # high waits for a negative round: an event
    earned = state_on(rules, [AreaEvent(D0, "infection"), AreaEvent(day(7), "round_negative")],
                      day(7))
    assert earned.pending == "medium"
    # medium from day 8, come down from high: 3 case-free days counted from day 7, no round.
    assert next_check(rules, earned) == day(10)
    medium = state_on(rules, [AreaEvent(D0, "infection"), AreaEvent(day(7), "round_negative")],
                      day(9))
    assert next_check(rules, medium) == day(10)
    low = state_on(rules, [AreaEvent(D0, "infection"), AreaEvent(day(7), "round_negative")],
                   day(11))
    assert low.grade == "low" and next_check(rules, low) is None
    quick = rules_of("cn-20-measures")
    assert next_check(quick, state_on(quick, [AreaEvent(D0, "infection")], day(2))) == day(5)




@pytest.mark.django_db
def test_second_run_reads_nothing_and_the_step_day_reads_the_area(zones):
    c1 = zones.land.compound1
    zones.event(c1, D0, "infection")
    cora = Actor.of(zones.commander)
    assert svc.regrade(day=D0).areas == 1
    assert RegradeRun.objects.get().full
    assert svc.regrade(day=day(1)).areas == 0  # its own proposal is no decision since
    svc.approve(actor=cora, designation_id=Designation.objects.get().pk)
    assert svc.regrade(day=day(1)).areas == 1  # a decision since the last run
    assert svc.regrade(day=day(2)).areas == 0  # nothing new, high waits for a round
    zones.event(c1, day(7), "round_negative")
    result = svc.regrade(day=day(7))
    assert (result.areas, result.proposed) == (1, 1)
    assert ClockWatch.objects.get(area=c1).check_on == day(10)
    svc.approve(actor=cora, designation_id=Designation.objects.get(status=Status.PROPOSED).pk)
    assert svc.regrade(day=day(8)).areas == 1
    assert svc.regrade(day=day(9)).areas == 0
    result = svc.regrade(day=day(10))  # medium's three days are up: low proposed from day 11
    assert (result.areas, result.proposed) == (1, 1)
    assert Designation.objects.filter(status=Status.PROPOSED).get().since == day(11)


@pytest.mark.django_db
def test_an_event_recorded_ahead_of_its_day_is_read_on_its_day(zones):
    c2 = zones.land.compound2
    zones.event(c2, day(5), "infection")
    assert svc.regrade(day=D0).areas == 0
    assert ClockWatch.objects.get(area=c2).check_on == day(5)
    assert svc.regrade(day=day(4)).areas == 0
    assert svc.regrade(day=day(5)).proposed == 1


@pytest.mark.django_db
def test_a_taken_back_infection_marks_its_area(zones):
    c1 = zones.land.compound1
    zones.event(c1, D0, "infection", "case 7")
    svc.regrade(day=D0)
    feed.take_back("case 7")
    assert svc.regrade(day=day(1)).areas == 0  # its log is empty now: no clock


def _full_run_proposes(on: date) -> int:
    with transaction.atomic():
        proposed = svc.regrade(day=on, full=True).proposed
        transaction.set_rollback(True)
    return proposed


@pytest.mark.django_db
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_runs_propose_what_full_runs_would(zones, seed):
    rng = random.Random(seed)
    county = zones.land.county1
    areas = [make_area(f"{county.code}9{i:02d}", "compound", county) for i in range(12)]
    cora = Actor.of(zones.commander)
    kinds = ["infection", "stay", "round_negative", "round_negative", "round_incomplete"]
    for n in range(45):
        for area in rng.sample(areas, 3):
            if rng.random() < 0.5:
                zones.event(area, day(n + rng.choice([-2, 0, 0, 0, 3])), rng.choice(kinds))
        svc.regrade(day=day(n))
        assert _full_run_proposes(day(n)) == 0, f"day {n}"
        for proposal in Designation.objects.filter(status=Status.PROPOSED):
            choice = rng.random()
            with contextlib.suppress(InvalidInput):  # stale: an event dated ahead arrived
                if choice < 0.5:
                    svc.approve(actor=cora, designation_id=proposal.pk)
                elif choice < 0.6:
                    svc.reject(actor=cora, designation_id=proposal.pk)
        if rng.random() < 0.1:
            svc.designate(actor=cora, data={"area": rng.choice(areas).code, "grade": "medium",
                                            "since": day(n).isoformat(), "reason": "by hand"})
    assert not RegradeRun.objects.filter(full=True).exclude(pk=RegradeRun.objects.order_by(
        "id").first().pk).exists()


@pytest.mark.django_db
def test_an_automatic_approval_publishes_a_new_version_of_todays_list(zones, settings):
    from django.utils import timezone

    from outbreakhq.zones import public

    today = timezone.localdate()
    assert public.current(today).version == 1
    settings.OUTBREAKHQ_ZONES_AUTO_APPROVE = True
    zones.event(zones.land.compound1, today, "infection")
    assert svc.regrade(day=today).approved == 1
    latest = public.current(today)
    assert latest.version == 2 and latest.note
    assert [a["code"] for a in latest.content["areas"]] == [zones.land.compound1.code]
