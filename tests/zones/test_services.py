"""Regrading on the database, approving and rejecting, grade_of, the public list as published."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import override_settings

from outbreakhq.core import events, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.events import (
    PositiveResultRecorded,
    PositiveResultsRecorded,
    ScreeningRoundClosed,
)
from outbreakhq.core.roles import Role
from outbreakhq.zones import public
from outbreakhq.zones.models import Alert, Designation, Status, ZoneEvent
from outbreakhq.zones.services import designations as svc
from tests.factories import make_person, make_user
from tests.zones.conftest import D0

pytestmark = pytest.mark.django_db


def day(n: int):
    return D0 + timedelta(days=n)


def only_proposal(area) -> Designation:
    return Designation.objects.get(area=area, status=Status.PROPOSED)


def test_infection_is_proposed_high_and_commander_approves_it(zones):
    c1 = zones.land.compound1
    zones.event(c1, D0, "infection", "case 1")
    result = svc.regrade(day=D0)
    assert (result.areas, result.proposed, result.approved) == (1, 1, 0)
    proposal = only_proposal(c1)
    assert (proposal.grade, proposal.since) == ("high", D0)
    assert proposal.basis["events"] == [[D0.isoformat(), "infection", "case 1"]]
    assert svc.grade_of(c1.path, D0) is None
    svc.approve(actor=Actor.of(zones.commander), designation_id=proposal.pk)
    assert svc.grade_of(c1.path, D0) == "high"
    assert hooks.ask("zones.grade_of", c1.path, D0) == "high"
    assert svc.grade_of(zones.land.county1.path, D0) is None  # the parent is not graded
    paths = [c1.path, zones.land.compound2.path, zones.land.county1.path]
    assert hooks.ask("zones.grades_of_many", paths, D0) == {
        c1.path: "high", zones.land.compound2.path: None, zones.land.county1.path: None}


def test_regrading_twice_proposes_once(zones):
    zones.event(zones.land.compound1, D0, "infection")
    svc.regrade(day=D0)
    assert svc.regrade(day=day(1)).proposed == 0
    assert Designation.objects.count() == 1


def test_downgrade_proposed_after_quiet_week_and_negative_round(zones):
    c1, cora = zones.land.compound1, Actor.of(zones.commander)
    zones.event(c1, D0, "infection")
    svc.regrade(day=D0)
    svc.approve(actor=cora, designation_id=only_proposal(c1).pk)
    zones.event(c1, day(7), "round_negative")
    assert svc.regrade(day=day(6)).proposed == 0
    assert svc.regrade(day=day(7)).proposed == 1
    down = only_proposal(c1)
    assert (down.grade, down.since) == ("medium", day(8))
    svc.approve(actor=cora, designation_id=down.pk)
    assert svc.grade_of(c1.path, day(7)) == "high" and svc.grade_of(c1.path, day(8)) == "medium"
    assert Designation.objects.get(grade="high").until == day(7)
    svc.regrade(day=day(10))
    low = only_proposal(c1)
    assert (low.grade, low.since) == ("low", day(11))


@override_settings(OUTBREAKHQ_ZONES_AUTO_APPROVE=True)
def test_auto_approve_puts_proposals_in_force(zones):
    zones.event(zones.land.compound2, D0, "infection")
    assert svc.regrade(day=D0).approved == 1
    assert svc.grade_of(zones.land.compound2.path, D0) == "high"


def test_approving_a_stale_proposal_is_refused(zones):
    c1 = zones.land.compound1
    zones.event(c1, D0, "infection")
    svc.regrade(day=D0)
    proposal = only_proposal(c1)
    zones.event(c1, day(1), "infection")
    with pytest.raises(InvalidInput, match="stale"):
        svc.approve(actor=Actor.of(zones.commander), designation_id=proposal.pk)
    assert Designation.objects.get(pk=proposal.pk).status == Status.PROPOSED


def test_a_superseded_proposal_cannot_be_approved(zones):
    c1 = zones.land.compound1
    zones.event(c1, D0, "stay")
    svc.regrade(day=D0)
    first = only_proposal(c1)
    zones.event(c1, day(1), "infection")
    svc.regrade(day=day(1))
    assert Designation.objects.get(pk=first.pk).status == Status.SUPERSEDED
    with pytest.raises(InvalidInput, match="(?i)superseded"):
        svc.approve(actor=Actor.of(zones.commander), designation_id=first.pk)


def test_rejected_proposal_is_not_proposed_again(zones):
    c1 = zones.land.compound1
    zones.event(c1, D0, "stay")
    svc.regrade(day=D0)
    svc.reject(actor=Actor.of(zones.commander), designation_id=only_proposal(c1).pk,
               note="the stay was outdoors")
    assert svc.regrade(day=day(1)).proposed == 0


def test_proposal_outside_the_commanders_county_is_not_found(zones):
    zones.event(zones.land.compound2, D0, "infection")  # county 2
    svc.regrade(day=D0)
    with pytest.raises(NotFound):
        svc.approve(actor=Actor.of(zones.county_commander),
                    designation_id=only_proposal(zones.land.compound2).pk)


def test_designation_for_an_area_outside_scope_is_refused_as_not_found(zones):
    for code in (zones.land.compound2.code, "nope"):
        with pytest.raises(NotFound, match="No area with code"):
            svc.designate(actor=Actor.of(zones.county_commander), data={
                "area": code, "grade": "high", "since": D0, "reason": "market"})
    assert not Designation.objects.exists()


def test_manual_designation_with_an_unknown_grade_is_refused(zones):
    with pytest.raises(InvalidInput) as exc:
        svc.designate(actor=Actor.of(zones.commander), data={
            "area": zones.land.compound1.code, "grade": "purple", "since": "soon"})
    assert {e.field for e in exc.value.errors} == {"grade", "since", "reason"}


def test_positive_result_in_a_quiet_area_is_an_infection_and_an_alert(zones):
    c3 = zones.land.compound3
    person = make_person(c3)
    lab = make_user(Role.LAB, zones.land.region)  # the lab recorded it
    events.publish(PositiveResultsRecorded(actor=Actor.of(lab), results=(PositiveResultRecorded(
        actor=Actor.of(lab), person_id=person.pk, area_path=c3.path, sampled_on=D0,
        detection_route="community_screening", found_under_control=False, reference="T-1"),)))
    assert ZoneEvent.objects.get(area=c3).kind == "infection"
    assert Alert.objects.get(area=c3).kind == "positive_without_cases"


def test_a_batch_of_positives_is_one_infection_each_and_one_alert_per_quiet_area(zones):
    c1, c3 = zones.land.compound1, zones.land.compound3
    lab = Actor.of(make_user(Role.LAB, zones.land.region))
    zones.event(c1, D0, "infection")  # compound 1 is not quiet

    def positive(area, reference):
        return PositiveResultRecorded(
            actor=lab, person_id=make_person(area).pk, area_path=area.path, sampled_on=D0,
            detection_route="community_screening", found_under_control=False,
            reference=reference)
    events.publish(PositiveResultsRecorded(actor=lab, results=(
        positive(c3, "T-1"), positive(c3, "T-2"), positive(c1, "T-3"))))

    assert sorted(ZoneEvent.objects.filter(kind="infection").values_list("area", "ref")) == [
        (c1.pk, ""), (c1.pk, "result T-3"), (c3.pk, "result T-1"), (c3.pk, "result T-2")]
    [alert] = Alert.objects.filter(kind="positive_without_cases")
    assert (alert.area, alert.detail["reference"]) == (c3, "T-1")  # the first of the quiet area


def test_screening_rounds_become_round_events(zones):
    c1 = zones.land.compound1
    for complete, negative in ((True, True), (False, True), (True, False)):
        events.publish(ScreeningRoundClosed(actor=Actor.of(zones.commander), area_path=c1.path,
                                            day=D0, complete=complete, all_negative=negative))
    assert sorted(ZoneEvent.objects.values_list("kind", flat=True)) == [
        "round_incomplete", "round_negative", "round_positive"]


def test_public_list_is_frozen_and_corrections_are_new_versions(zones):
    c1, cora = zones.land.compound1, Actor.of(zones.commander)
    zones.event(c1, D0, "infection")
    svc.regrade(day=D0)
    svc.approve(actor=cora, designation_id=only_proposal(c1).pk)
    first = public.publish(day=D0)
    assert first.version == 1 and [a["code"] for a in first.content["areas"]] == [c1.code]
    entry = first.content["areas"][0]
    assert entry["grade"] == "high" and entry["earliest_lift"] == day(11).isoformat()
    assert [p["code"] for p in entry["parents"]][0] == zones.land.region.code
    assert public.publish(day=D0).pk == first.pk  # nothing changed: nothing new
    svc.designate(actor=cora, data={"area": zones.land.compound2.code, "grade": "medium",
                                    "since": D0.isoformat(), "reason": "a case shopped here"})
    second = public.publish(day=D0, note="compound 2 added")
    assert second.version == 2 and second.note == "compound 2 added"
    assert len(public.latest(D0).content["areas"]) == 2
    assert len(type(first).objects.get(pk=first.pk).content["areas"]) == 1  # v1 untouched
    text = public.as_csv(second)
    assert text.splitlines()[0] == ",".join(public.COLUMNS)


def _stored_case(area, *, reported, onset=None, classification="confirmed"):
    from outbreakhq.tracing.models import Case

    return Case.objects.create(tenant_id=area.tenant_id, person=make_person(area), area=area,
                               classification=classification, report_date=reported,
                               onset_date=onset)


def _imported(zones, cases) -> None:
    from outbreakhq.core.events import CasesImported, ImportedRecord

    events.publish(CasesImported(actor=Actor.of(zones.commander), records=tuple(
        ImportedRecord(c.pk, c.person, c.area) for c in cases)))


def test_imported_cases_are_infections_in_their_areas(zones):
    land = zones.land
    cases = [_stored_case(land.compound1, reported=day(-1)),
             _stored_case(land.compound3, reported=day(-2))]
    _imported(zones, cases)
    assert sorted(ZoneEvent.objects.values_list("area__code", "ref", "kind")) == sorted([
        (land.compound1.code, f"case {cases[0].pk}", "infection"),
        (land.compound3.code, f"case {cases[1].pk}", "infection")])
    assert set(ZoneEvent.objects.values_list("tenant_id", flat=True)) == {land.region.pk}


def test_imported_cases_that_are_no_infection_are_left_out(zones):
    land = zones.land
    _imported(zones, [_stored_case(land.compound1, reported=day(-1), classification=kind)
                      for kind in ("suspected", "discarded", "asymptomatic")])
    assert ZoneEvent.objects.count() == 1


def test_imported_cases_are_infections_on_the_day_of_import_when_tracing_does_not_answer(
        zones, monkeypatch):
    from django.utils import timezone

    from outbreakhq.core.events import CasesImported, ImportedRecord

    monkeypatch.delitem(hooks.PROVIDERS, "tracing.case_days")
    people = [make_person(zones.land.compound1), make_person(zones.land.compound2)]
    events.publish(CasesImported(actor=Actor.of(zones.commander), records=(
        ImportedRecord(101, people[0]), ImportedRecord(102, people[1], zones.land.compound3))))
    assert sorted(ZoneEvent.objects.values_list("area__code", "ref", "day")) == sorted([
        (zones.land.compound1.code, "case 101", timezone.localdate()),
        (zones.land.compound3.code, "case 102", timezone.localdate())])


@pytest.mark.parametrize(("rule", "expected"), [("report", [day(-9), day(-2)]),
                                                 ("onset", [day(-12), day(-2)])])
def test_imported_cases_count_from_their_report_or_onset_day(zones, rule, expected):
    land = zones.land
    cases = [_stored_case(land.compound1, reported=day(-9), onset=day(-12)),
             _stored_case(land.compound2, reported=day(-2), classification="asymptomatic")]
    with override_settings(OUTBREAKHQ_PROTOCOL_OVERRIDES=f"grading.imported_case_day={rule}"):
        _imported(zones, cases)
    assert list(ZoneEvent.objects.order_by("day").values_list("day", flat=True)) == \
        sorted(expected)


def test_tracing_answers_the_days_of_its_cases(zones):
    case = _stored_case(zones.land.compound1, reported=day(3), onset=day(1))
    assert list(hooks.ask("tracing.case_days", [case.pk])) == [{
        "number": case.pk, "tree": zones.land.region.pk, "place": zones.land.compound1.pk,
        "reported": day(3), "onset": day(1), "classed": "confirmed"}]


def test_suspected_cases_are_left_out_when_tracing_says_so(zones, monkeypatch):
    from outbreakhq.core.events import CaseOpened
    from tests.factories import make_person

    monkeypatch.setitem(hooks.PROVIDERS, "tracing.case_classification",
                        lambda case_id: "suspected" if case_id == 1 else "confirmed")
    person = make_person(zones.land.compound1)
    for number in (1, 2):
        events.publish(CaseOpened(actor=Actor.of(zones.commander), record_id=number,
                                  person=person, area=zones.land.compound1))
    assert list(ZoneEvent.objects.values_list("ref", flat=True)) == ["case 2"]


def test_regrade_and_publish_commands(zones, capsys):
    from django.core.management import call_command

    zones.event(zones.land.compound1, D0, "infection")
    call_command("zones", "regrade", "--date", D0.isoformat())
    assert capsys.readouterr().out.strip() == f"{D0}: 1 areas, 1 proposed, 0 approved"
    svc.approve(actor=Actor.of(zones.commander), designation_id=only_proposal(
        zones.land.compound1).pk)
    call_command("zones", "publish", "--date", D0.isoformat())
    assert capsys.readouterr().out.strip() == f"{D0}: version 1, 1 areas"


def test_a_regrade_reason_is_a_code_read_in_the_readers_language(zones):
    from django.utils import translation

    from outbreakhq.zones import reasons

    zones.event(zones.land.compound1, D0, "infection", "case 1")
    svc.regrade(day=D0)
    proposal = only_proposal(zones.land.compound1)
    assert proposal.reason == ""  # no text in the language of the run
    assert proposal.basis["why"] == {"code": "events", "grade": "high", "kinds": ["infection"]}
    with translation.override("en"):
        english = reasons.of(proposal)
    with translation.override("zh-hans"):
        chinese = reasons.of(proposal)
    assert english.lower().startswith("high") and "infection" in english.lower()
    assert chinese != english and chinese.startswith("因")


def test_the_regrade_turns_the_garbage_collector_back_on_also_when_it_fails(zones, monkeypatch):
    import gc

    def broken(*args, **kwargs):
        assert not gc.isenabled()  # paused while the clocks run
        raise RuntimeError("the clocks failed")

    monkeypatch.setattr(svc, "clocks_on", broken)
    with pytest.raises(RuntimeError):
        svc.regrade(day=D0)
    assert gc.isenabled()
