"""Closed-loop staff cohorts: members tested as often as the preset says for the cohort's kind,
today's untested list (typed tests and screening's results), breaches, scope and audit."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime, time, timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from outbreakhq.core import hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotPermitted
from outbreakhq.core.models import AuditEvent
from outbreakhq.quarantine import panels, rules, services, worklists
from outbreakhq.quarantine.models import Breach, CohortMember
from outbreakhq.quarantine.services.stays import today
from tests.factories import logged_in, make_user

pytestmark = pytest.mark.django_db


def cohort_of(site, kind="quarantine_site", **kw):
    if kind == "quarantine_site":
        kw.setdefault("site_id", site.hotel.pk)
    return services.create_cohort(actor=site.actor, area=site.land.county1, kind=kind,
                                  name=kw.pop("name", f"{kind} team"), **kw)


def member(site, cohort, *, days_ago=10, **fields) -> CohortMember:
    return services.add_member(actor=site.actor, cohort_id=cohort.pk,
                               person_id=site.person(**fields).pk,
                               joined_on=today() - timedelta(days=days_ago))


def untested_names(s, **kw) -> list[str]:
    return [r.member.person.name for r in worklists.untested_today(s.actor, today(), **kw)]


def test_the_frequency_decides_who_is_untested():
    day = today()
    assert rules.staff_untested(None, day, 1)
    assert not rules.staff_untested(day, day, 1)
    assert rules.staff_untested(day - timedelta(days=1), day, 1)  # daily: yesterday is not today
    assert not rules.staff_untested(day - timedelta(days=6), day, 7)
    assert rules.staff_untested(day - timedelta(days=7), day, 7)


def test_daily_testing_of_quarantine_site_staff_lists_who_has_no_test_today(site):
    team = cohort_of(site)
    a, b = member(site, team, name="Ann Lee"), member(site, team, name="Bo Chen")
    assert untested_names(site) == ["Ann Lee", "Bo Chen"]
    services.record_staff_test(actor=site.actor, member_id=a.pk, result="negative")
    assert untested_names(site) == ["Bo Chen"]
    services.record_staff_test(actor=site.actor, member_id=b.pk, result="negative",
                               on=today() - timedelta(days=1))
    assert untested_names(site) == ["Bo Chen"]  # yesterday's test does not cover a daily cohort
    assert untested_names(site, site=site.hotel) == ["Bo Chen"]


@override_settings(OUTBREAKHQ_PROTOCOL="cn-9th-edition",
                   OUTBREAKHQ_PROTOCOL_OVERRIDES="quarantine.staff_test_every_days.lab=3")
def test_the_presets_frequency_per_cohort_kind_is_read(site):
    lab = cohort_of(site, "lab", place="County CDC lab")
    m = member(site, lab, name="Lab Tech")
    services.record_staff_test(actor=site.actor, member_id=m.pk, result="negative",
                               on=today() - timedelta(days=2))
    assert untested_names(site) == []  # every 3 days: a test 2 days ago covers today
    services.record_staff_test(actor=site.actor, member_id=m.pk, result="negative",
                               on=today() - timedelta(days=2))
    row_days = [r.every_days for r in worklists.untested_today(
        site.actor, today() + timedelta(days=1))]
    assert row_days == [3]


def test_a_screening_result_counts_as_a_test(site, monkeypatch):
    team = cohort_of(site)
    m = member(site, team, name="Screened")
    sampled = datetime.combine(today(), time(8), tzinfo=UTC)
    monkeypatch.setitem(hooks.PROVIDERS, "screening.results_of_many",
                        lambda ids: {m.person_id: [(sampled, "negative")]}
                        if m.person_id in ids else {})
    assert untested_names(site) == []


def test_breaches_are_recorded_with_who_when_what_and_leaving_ends_membership(site):
    team = cohort_of(site)
    m = member(site, team, name="Runaway")
    when = datetime.now(UTC) - timedelta(hours=2)
    b = services.record_breach(actor=site.actor, member_id=m.pk, kind="left_loop",
                               what="went home after the shift", occurred_at=when)
    assert (b.kind, b.recorded_by_id, b.occurred_at) == ("left_loop", site.manager.pk, when)
    m.refresh_from_db()
    assert m.left_on is not None
    assert untested_names(site) == []  # out of the loop: no longer expected to test
    with pytest.raises(InvalidInput) as exc:
        services.record_breach(actor=site.actor, member_id=m.pk, kind="exposure", what="")
    assert "what" in str(exc.value.errors[0])
    with pytest.raises(InvalidInput):
        services.record_breach(actor=site.actor, member_id=m.pk, kind="picnic", what="x")
    assert Breach.objects.count() == 1
    assert AuditEvent.objects.filter(object_type="breach", action="create").count() == 1


def test_bad_input_names_the_field_and_writes_nothing(site):
    with pytest.raises(InvalidInput) as exc:
        cohort_of(site, "lab")  # no place
    assert exc.value.errors[0].field == "place"
    with pytest.raises(InvalidInput) as exc:
        services.create_cohort(actor=site.actor, area=site.land.county1, kind="pilots",
                               name="x", place="y")
    assert exc.value.errors[0].field == "kind"
    team = cohort_of(site)
    m = member(site, team, days_ago=0)
    with pytest.raises(InvalidInput) as exc:
        services.record_staff_test(actor=site.actor, member_id=m.pk, result="negative",
                                   on=today() - timedelta(days=1))
    assert exc.value.errors[0].field == "date"
    with pytest.raises(InvalidInput) as exc:
        services.add_member(actor=site.actor, cohort_id=team.pk, person_id=m.person_id)
    assert "already in" in str(exc.value.errors[0])
    assert CohortMember.objects.count() == 1


def test_another_countys_manager_sees_no_cohort_and_others_may_not_act(site):
    team = cohort_of(site)
    m = member(site, team, name="Hidden")
    other = Actor.of(make_user("quarantine", site.land.county2))
    assert worklists.untested_today(other, today()) == []
    with pytest.raises(InvalidInput) as exc:  # exactly as a missing member
        services.record_staff_test(actor=other, member_id=m.pk, result="negative")
    assert "no cohort member" in str(exc.value.errors[0])
    tracer = Actor.of(make_user("tracer", site.land.county1))
    with pytest.raises(NotPermitted):
        services.record_breach(actor=tracer, member_id=m.pk, kind="exposure", what="x")


def test_the_untested_list_is_audited_naming_the_people(site):
    team = cohort_of(site)
    m = member(site, team, name="Audited")
    worklists.untested_today(site.actor, today())
    event = AuditEvent.objects.filter(object_type="cohort member", action="view").latest("pk")
    assert event.detail["people"] == [m.person_id] and event.detail["list"] == "untested"


def test_pages_api_cli_and_home_panel(site):
    team = cohort_of(site, name="Hotel staff")
    m = member(site, team, name="Mei Wong")
    client = logged_in(site.manager)
    page = client.get("/quarantine/staff/").content.decode()
    assert "Mei Wong" in page and "Hotel staff" in page
    assert "Mei Wong" in client.get(f"/quarantine/staff/cohort/?id={team.pk}").content.decode()
    assert client.post("/quarantine/staff/tests/", {"member": m.pk, "result": "negative",
                                                    "cohort": team.pk}).status_code == 302
    assert "Mei Wong" not in client.get("/quarantine/staff/").content.decode().split(
        "Cohorts")[0]
    client.post("/quarantine/staff/breaches/", {"member": m.pk, "kind": "exposure",
                                                "what": "mask slipped in the red zone"})
    assert "mask slipped" in client.get("/quarantine/staff/").content.decode()

    api = client.get("/api/v1/quarantine/staff/untested").json()
    assert api == []
    other = member(site, team, name="Li Na")
    api = client.get(f"/api/v1/quarantine/staff/untested?site={site.hotel.pk}").json()
    assert [r["person"] for r in api] == [other.person_id] and api[0]["every_days"] == 1
    answer = client.post("/api/v1/quarantine/staff/tests",
                         json.dumps({"member_id": other.pk, "result": "maybe"}),
                         content_type="application/json")
    assert answer.status_code == 400
    answer = client.post("/api/v1/quarantine/staff/breaches",
                         json.dumps({"member_id": other.pk, "kind": "missed_test",
                                     "what": "no swab at 8"}), content_type="application/json")
    assert answer.status_code == 201

    out = io.StringIO()
    call_command("quarantine", "untested", "--user", "qiang", "--site", str(site.hotel.pk),
                 stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "member,person,name,cohort,kind,every_days,last_test"
    assert len(lines) == 2 and "Li Na" in lines[1]
    with pytest.raises(CommandError, match="--user"):
        call_command("quarantine", "untested", "--user", "nobody", stdout=io.StringIO())

    assert panels.staff_panel(site.actor) == {"untested": 1, "breaches": 2}
