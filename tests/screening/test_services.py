"""Collection, transport, results and recalls through the services."""

from __future__ import annotations

import pytest
from django.db import connection, transaction

from outbreakhq.core import events, hooks, kept
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.events import PositiveResultRecorded, ScreeningRoundClosed
from outbreakhq.core.models import AuditEvent, AuditShown
from outbreakhq.screening import services
from outbreakhq.screening.models import Recall, RecallStatus, Tube, TubeMember, TubeStatus
from outbreakhq.screening.services import tubes
from outbreakhq.tracing.models import Case
from outbreakhq.tracing.services.cases import propose_cases_from_results
from tests.factories import make_user


def test_a_sealed_tube_is_one_call_and_resubmitting_it_answers_the_same_tube(screen):
    people = screen.people(10)
    first = screen.submit("T0001", people)
    again = screen.submit("T0001", list(reversed(people)))
    assert first.created and not again.created and first.tube.pk == again.tube.pk
    assert first.tube.status == TubeStatus.SEALED and first.tube.members_count == 10


def test_the_same_barcode_with_other_people_is_refused_naming_the_barcode(screen):
    screen.submit("T0001", screen.people(2))
    with pytest.raises(InvalidInput) as refused:
        screen.submit("T0001", screen.people(2))
    assert "T0001" in str(refused.value)


def test_a_person_is_sampled_once_per_round(screen):
    people = screen.people(3)
    screen.submit("T0001", people[:2])
    with pytest.raises(InvalidInput) as refused:
        screen.submit("T0002", [people[2], people[1]])
    assert "row 2" in str(refused.value) and "T0001" in str(refused.value)
    assert not Tube.objects.filter(barcode="T0002").exists()


def test_a_tube_holds_no_more_than_the_presets_pool_size(screen):
    with pytest.raises(InvalidInput) as refused:
        screen.submit("T0001", screen.people(11))
    assert "at most 10" in str(refused.value)


def test_an_unknown_code_is_named_by_its_row_and_identity_numbers_are_accepted(screen):
    person = screen.people(1)[0]
    with pytest.raises(InvalidInput) as refused:
        services.submit_tube(actor=Actor.of(screen.operator), barcode="T1",
                             members=[person.id_number, "S999-ABCD"], site_id=screen.site.pk,
                             round_id=screen.round.pk)
    assert "row 2" in str(refused.value) and "S999-ABCD" in str(refused.value)
    done = services.submit_tube(actor=Actor.of(screen.operator), barcode="T1",
                                members=[person.id_number], site_id=screen.site.pk,
                                round_id=screen.round.pk)
    assert done.created


def test_people_outside_the_operators_area_are_unknown_to_them(screen):
    stranger = screen.people(1, area=screen.land.compound3)
    with pytest.raises(InvalidInput):
        screen.submit("T1", stranger)


def test_a_result_for_a_tube_never_received_is_refused_by_row(screen):
    screen.submit("T1", screen.people(2))
    with pytest.raises(InvalidInput) as refused:
        screen.results(("T1", "negative"), ("NOPE", "positive"))
    text = str(refused.value)
    assert "row 1" in text and "never received" in text and "row 2" in text and "NOPE" in text
    assert Tube.objects.get(barcode="T1").result == ""


def test_a_positive_pool_recalls_every_member_and_a_positive_retest_proposes_a_case(screen):
    people = screen.people(10)
    screen.submit("T1", people)
    screen.submit("T2", screen.people(5))
    screen.ship_and_receive("B1", "T1", "T2")
    done = screen.results(("T1", "positive"), ("T2", "negative"))
    assert done.recalls == 10 and done.positives == 0
    assert Recall.objects.filter(status=RecallStatus.NOTIFIED).count() == 10
    assert screen.results(("T1", "positive")).unchanged == 1  # sent again: nothing new
    screen.submit("R1", people[:1], retest=True)
    screen.submit("R2", people[1:2], retest=True)
    assert Recall.objects.filter(status=RecallStatus.RESAMPLED).count() == 2
    screen.ship_and_receive("B2", "R1", "R2")
    done = screen.results(("R1", "positive"), ("R2", "negative"))
    assert done.positives == 1
    case = Case.objects.get(person=people[0])
    assert case.classification == "suspected" and case.detection_route == "community_screening"
    assert Recall.objects.get(person=people[1]).result == "negative"
    assert services.results_of(people[1].pk)[0][1] == "negative"


def _retested(screen, pool: int, retested: int) -> list:
    """A positive pool of `pool` people, the first `retested` of them resampled (tubes R0,
    R1, ...) and their tubes received at the lab."""
    people = screen.people(pool)
    screen.submit("T1", people)
    screen.ship_and_receive("B1", "T1")
    screen.results(("T1", "positive"))
    for n, person in enumerate(people[:retested]):
        screen.submit(f"R{n}", [person], retest=True)
    screen.ship_and_receive("B2", *(f"R{n}" for n in range(retested)))
    return people


def test_a_labs_batch_of_positive_retests_proposes_one_case_each_set_based(screen):
    people = _retested(screen, 10, 4)
    lab = Actor.of(screen.lab)
    [already] = propose_cases_from_results(actor=lab, results=[PositiveResultRecorded(
        actor=lab, person_id=people[3].pk, area_path=people[3].home_area.path,
        detection_route="community_screening", sampled_on=people[3].created_at.date(),
        reference="earlier", found_under_control=False)])

    done = screen.results(("R0", "positive"), ("R1", "positive"), ("R2", "negative"),
                          ("R3", "positive"))

    assert done.positives == 3
    proposed = Case.objects.filter(person__in=people[:2])
    assert sorted(c.notes for c in proposed) == ["tube R0", "tube R1"]
    assert {(c.classification, c.detection_route, c.area_id) for c in proposed} == {
        ("suspected", "community_screening", people[0].home_area_id)}
    assert Case.objects.filter(person=people[3]).get() == already  # an open case: no second
    assert not Case.objects.filter(person=people[2]).exists()
    audited = AuditEvent.objects.filter(action="create", object_type="case",
                                        object_id__in=[str(c.pk) for c in proposed])
    assert audited.count() == 2


def test_a_positive_retest_of_someone_in_a_quarantine_stay_is_found_under_control(
        screen, monkeypatch):
    people = _retested(screen, 3, 2)
    asked = []

    def in_stay_many(person_ids, day):  # quarantine's answer: the first is in a stay
        asked.append((list(person_ids), day))
        return {people[0].pk} & set(person_ids)
    monkeypatch.setitem(hooks.PROVIDERS, "quarantine.in_stay_many", in_stay_many)

    screen.results(("R0", "positive"), ("R1", "positive"))

    assert len(asked) == 1  # once for the batch's sampling day
    found = dict(Case.objects.filter(person__in=people[:2]).values_list(
        "person_id", "under_control_when_found"))
    assert found == {people[0].pk: True, people[1].pk: False}


def test_an_individual_positive_with_an_open_case_proposes_nothing_more(screen):
    person = screen.people(1)[0]
    for barcode, box in (("S1", "B1"),):
        screen.submit(barcode, [person])
        screen.ship_and_receive(box, barcode)
    screen.results(("S1", "positive"))
    assert Case.objects.filter(person=person).count() == 1


def test_an_invalid_tube_asks_every_member_for_a_new_sample(screen):
    screen.submit("T1", screen.people(3))
    screen.ship_and_receive("B1", "T1")
    assert screen.results(("T1", "invalid")).recalls == 3
    assert set(Recall.objects.values_list("reason", flat=True)) == {"invalid_tube"}


def test_the_lab_reaches_boxes_only_in_its_area(screen):
    other_lab = make_user("lab", screen.land.pref2)
    screen.submit("T1", screen.people(1))
    services.ship_box(actor=Actor.of(screen.operator), site_id=screen.site.pk, box_code="B1",
                      barcodes=["T1"])
    with pytest.raises(InvalidInput):
        services.receive_box(actor=Actor.of(other_lab), box_code="B1")


def test_a_box_is_shipped_once_and_takes_only_sealed_tubes_of_its_site(screen):
    operator = Actor.of(screen.operator)
    screen.submit("T1", screen.people(1))
    screen.submit("T2", screen.people(1))
    box = services.ship_box(actor=operator, site_id=screen.site.pk, box_code="B1",
                            barcodes=["T1"])
    again = services.ship_box(actor=operator, site_id=screen.site.pk, box_code="B1",
                              barcodes=["T1"])
    assert again.pk == box.pk  # a resend answers the same box
    with pytest.raises(InvalidInput) as other_tubes:
        services.ship_box(actor=operator, site_id=screen.site.pk, box_code="B1",
                          barcodes=["T1", "T2"])
    assert "already shipped with other tubes" in str(other_tubes.value)
    with pytest.raises(InvalidInput) as twice:
        services.ship_box(actor=operator, site_id=screen.site.pk, box_code="B2",
                          barcodes=["T2", "T1", "T9"])
    text = str(twice.value)
    assert "T1 is Shipped, not waiting to be shipped" in text
    assert "T9 was not collected at this site" in text
    assert Tube.objects.get(barcode="T2").status == TubeStatus.SEALED  # nothing half written
    assert Tube.objects.get(barcode="T1").box_id == box.pk


def test_closing_a_round_tells_zones_whether_it_was_complete_and_all_negative(screen):
    heard = []
    events.subscribe(ScreeningRoundClosed)(heard.append)
    try:
        people = screen.people(2)
        screen.submit("T1", people)
        screen.ship_and_receive("B1", "T1")
        screen.results(("T1", "negative"))
        services.close_round(actor=Actor.of(screen.planner), round_id=screen.round.pk)
    finally:
        events.unsubscribe(ScreeningRoundClosed, heard.append)
    assert len(heard) == 1 and heard[0].all_negative
    # zones' rising-positivity warning reads the round's tubes (first samples, resulted).
    assert (heard[0].round_id, heard[0].tubes, heard[0].positive_tubes) == (
        screen.round.pk, 1, 0)
    assert heard[0].area_path == screen.land.county1.path
    with pytest.raises(InvalidInput):  # a closed round takes no new tube
        screen.submit("T2", screen.people(1))


def test_a_ten_member_tube_costs_a_fixed_handful_of_queries(screen, django_assert_num_queries):
    """Issue 9 (the 9 a.m. surge): scope, site, round, the ten people in one query, then the
    tube, its members and one audit event naming them: in one transaction on SQLite (its
    two statements), in one statement on PostgreSQL (here in a savepoint, as the test runs in
    a transaction). A resubmission finds the tube through the unique barcode."""
    kept.forget_everything()
    people = screen.people(10)
    actor = Actor.of(screen.operator)
    codes = screen.codes(people[:5]) + [p.id_number for p in people[5:]]
    with django_assert_num_queries(7 if connection.vendor == "postgresql" else 10):
        done = services.submit_tube(actor=actor, barcode="Q10", members=codes,
                                    site_id=screen.site.pk, round_id=screen.round.pk)
    assert done.created and done.tube.members_count == 10
    # The site (and on PostgreSQL the round) now kept by this process (core/kept.py); the
    # write refused at its first row, the tube read.
    with django_assert_num_queries(6 if connection.vendor == "postgresql" else 7):
        again = services.submit_tube(actor=Actor.of(screen.operator), barcode="Q10",
                                     members=codes, site_id=screen.site.pk,
                                     round_id=screen.round.pk)
    assert not again.created and again.tube.pk == done.tube.pk


@pytest.mark.postgresql
def test_the_one_statement_write_leaves_the_rows_the_transaction_writes(screen):
    """PostgreSQL writes a first sample in one WITH statement (tubes._write_at_once); the
    tube, its members, the audit event and the people it names are the rows _write leaves."""
    first, second = screen.people(3), screen.people(3)
    actor = Actor.of(screen.operator)
    fast = screen.submit("ONE-STATEMENT", first).tube
    people = tubes.resolve_people(actor, screen.codes(second), "not saved")
    capacity = tubes.capacity_of(screen.round)
    with transaction.atomic():
        slow = tubes._write(actor, "TRANSACTION", people, screen.site, screen.round, capacity,
                            "fingerprint", False, "not saved")

    def tube_of(tube) -> dict:
        row = Tube.objects.filter(pk=tube.pk).values().get()
        return {k: v for k, v in row.items() if k not in (
            "id", "barcode", "content", "collected_at", "sealed_at")}

    def members_of(tube) -> list:
        return list(TubeMember.objects.filter(tube=tube).order_by("person_id").values_list(
            "tenant_id", "area_id", "round_id", "retest"))

    def audit_of(barcode: str) -> tuple:
        event = AuditEvent.objects.filter(object_type="tube", object_id=barcode).values().get()
        shown = sorted(AuditShown.objects.filter(event_id=event["id"]).values_list(
            "person_id", "tenant_id"))
        return {k: v for k, v in event.items() if k not in ("id", "at", "object_id")}, shown

    assert tube_of(fast) == tube_of(slow)
    assert members_of(fast) == members_of(slow) and len(members_of(fast)) == 3
    assert Tube.objects.get(pk=fast.pk).sealed_at == fast.sealed_at
    fast_event, fast_shown = audit_of("ONE-STATEMENT")
    slow_event, slow_shown = audit_of("TRANSACTION")
    assert fast_event == slow_event
    assert fast_shown == sorted((p.pk, p.tenant_id) for p in first)
    assert slow_shown == sorted((p.pk, p.tenant_id) for p in second)


def test_a_round_closed_by_another_process_refuses_the_next_tube_at_once(screen):
    """The round may be kept per process (core/kept.py); whether it is closed is not: closed
    by another server process (no signal here), the next tube is refused, and a tube sent
    before it closed is still answered as sent."""
    before = screen.people(2)
    sent = screen.submit("T-BEFORE", before)
    screen.submit("T-KEEPS", screen.people(1))  # the round is read, and kept
    type(screen.round).objects.filter(pk=screen.round.pk).update(closed=True)  # no signal
    with pytest.raises(InvalidInput, match="closed"):
        screen.submit("T-AFTER", screen.people(2))
    assert not Tube.objects.filter(barcode="T-AFTER").exists()
    assert not AuditEvent.objects.filter(object_type="tube", object_id="T-AFTER").exists()
    again = screen.submit("T-BEFORE", before)
    assert not again.created and again.tube.pk == sent.tube.pk


def test_a_kept_site_is_still_checked_against_the_operators_scope(screen):
    screen.submit("T-KEEPS", screen.people(1))  # the site is read, and kept
    elsewhere = make_user("screening", screen.land.county2)
    with pytest.raises(InvalidInput, match="no collection site"):
        services.submit_tube(actor=Actor.of(elsewhere), barcode="T-OTHER",
                             members=screen.codes(screen.people(1)), site_id=screen.site.pk,
                             round_id=screen.round.pk)
    assert AuditEvent.objects.filter(action="denied", object_type="screening_site").exists()


def test_a_result_keeps_its_ct_who_and_when_and_a_contradiction_names_the_first_result(screen):
    """Results are written set-based (one UPDATE per result and Ct): each tube keeps its own
    Ct, the lab user and the time; a later contradicting result names the one recorded."""
    from decimal import Decimal

    screen.submit("T1", screen.people(2))
    screen.submit("T2", screen.people(2))
    screen.submit("T3", screen.people(2))
    screen.ship_and_receive("B1", "T1", "T2", "T3")
    services.record_results(actor=Actor.of(screen.lab), rows=[
        {"barcode": "T1", "result": "positive", "ct": "28.5"},
        {"barcode": "T2", "result": "positive", "ct": "31"},
        {"barcode": "T3", "result": "negative"}])
    tubes = {t.barcode: t for t in Tube.objects.filter(barcode__in=["T1", "T2", "T3"])}
    assert tubes["T1"].ct == Decimal("28.5") and tubes["T2"].ct == Decimal("31.0")
    assert tubes["T3"].ct is None and tubes["T3"].result == "negative"
    assert all(t.status == TubeStatus.RESULTED and t.resulted_by == screen.lab
               and t.resulted_at is not None for t in tubes.values())
    with pytest.raises(InvalidInput) as refused:
        screen.results(("T1", "negative"))
    assert "already resulted Positive" in str(refused.value)
