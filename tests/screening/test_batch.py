"""POST /api/v1/screening/tubes/batch (services/batch.py, issue 9): several sealed tubes in one
call, each answered on its own (created, unchanged, refused with its reasons), the good ones
saved whatever the others hold, idempotent by barcode, scoped like one tube."""

from __future__ import annotations

import json

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotPermitted
from outbreakhq.core.models import AuditEvent
from outbreakhq.screening import services
from outbreakhq.screening.models import Tube, TubeMember
from outbreakhq.screening.services.tubes import capacity_of
from tests.factories import logged_in, make_user

URL = "/api/v1/screening/tubes/batch"


def send(client, screen, tubes: list[tuple[str, list[str]]], **extra):
    body = {"tubes": [{"barcode": barcode, "members": codes, "site": screen.site.pk,
                       "round": screen.round.pk, **extra} for barcode, codes in tubes]}
    return client.post(URL, json.dumps(body), content_type="application/json")


def test_each_tube_of_a_batch_is_answered_and_the_good_ones_are_saved(screen):
    people = screen.people(8)
    codes = screen.codes(people)
    screen.submit("OLD", people[:1])
    too_many = screen.codes(screen.people(capacity_of(screen.round) + 1))
    answer = send(logged_in(screen.operator), screen, [
        ("B1", codes[1:3]),        # row 1: good
        ("OLD", codes[:1]),        # row 2: sent before with the same people
        ("OLD", codes[3:4]),       # row 3: that barcode with other people
        ("B2", ["S9-ZZZZ"]),       # row 4: an unknown code
        ("B3", [codes[1]]),        # row 5: sampled in row 1's tube
        ("B4", too_many),          # row 6: more than the pool allows
        ("B5", codes[5:7]),        # row 7: good
    ])
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert [(t["row"], t["barcode"], t["status"]) for t in body["tubes"]] == [
        (1, "B1", "created"), (2, "OLD", "unchanged"), (3, "OLD", "refused"),
        (4, "B2", "refused"), (5, "B3", "refused"), (6, "B4", "refused"), (7, "B5", "created")]
    assert (body["created"], body["unchanged"], body["refused"]) == (2, 1, 4)
    reasons = {t["row"]: t["errors"] for t in body["tubes"]}
    assert reasons[3][0]["field"] == "barcode" and "OLD" in reasons[3][0]["message"]
    assert reasons[4][0]["field"] == "members" and "S9-ZZZZ" in reasons[4][0]["message"]
    assert "row 1" in reasons[5][0]["message"]
    assert "at most" in reasons[6][0]["message"]
    assert reasons[1] == [] and reasons[2] == []
    assert set(Tube.objects.values_list("barcode", flat=True)) == {"OLD", "B1", "B5"}
    assert TubeMember.objects.count() == 5


def test_a_batch_sent_again_changes_nothing(screen):
    codes = screen.codes(screen.people(4))
    client = logged_in(screen.operator)
    first = send(client, screen, [("R1", codes[:2]), ("R2", codes[2:])]).json()
    events = AuditEvent.objects.filter(object_type="tube").count()
    again = send(client, screen, [("R1", codes[:2]), ("R2", codes[2:])]).json()
    assert [t["status"] for t in first["tubes"]] == ["created", "created"]
    assert [t["status"] for t in again["tubes"]] == ["unchanged", "unchanged"]
    assert Tube.objects.count() == 2 and TubeMember.objects.count() == 4
    assert AuditEvent.objects.filter(object_type="tube").count() == events


def test_a_tube_sent_alone_then_in_a_batch_is_the_same_tube(screen):
    people = screen.people(3)
    screen.submit("ONE", people)
    answer = send(logged_in(screen.operator), screen, [("ONE", screen.codes(people))]).json()
    assert answer["tubes"][0]["status"] == "unchanged"


def test_people_and_sites_outside_the_operators_area_read_as_unknown(screen):
    outside = screen.codes(screen.people(1, area=screen.land.compound2))
    client = logged_in(screen.operator)
    unknown = send(client, screen, [("X1", ["S999999-ABCD"])]).json()["tubes"][0]
    foreign = send(client, screen, [("X1", outside)]).json()["tubes"][0]
    assert foreign["status"] == unknown["status"] == "refused"
    assert foreign["errors"][0]["message"].replace(outside[0], "?") == \
        unknown["errors"][0]["message"].replace("S999999-ABCD", "?")
    other = make_user("screening", screen.land.county2, username="ola")
    mine = screen.codes(screen.people(1))
    answer = send(logged_in(other), screen, [("X2", mine)]).json()["tubes"][0]
    assert answer["status"] == "refused"
    fields = {e["field"] for e in answer["errors"]}
    assert "site" in fields  # the site of county 1 is not theirs, nor are its residents
    assert not Tube.objects.exists()


def test_a_batch_needs_the_collect_role_and_one_to_five_hundred_tubes(screen):
    codes = screen.codes(screen.people(1))
    assert send(logged_in(screen.lab), screen, [("L1", codes)]).status_code == 403
    client = logged_in(screen.operator)
    assert send(client, screen, []).status_code == 400
    many = send(client, screen, [(f"M{n}", codes) for n in range(501)])
    assert many.status_code == 400 and "500" in many.content.decode()
    odd = client.post(URL, json.dumps({"tubes": ["not a tube", {"barcode": "Y1", "members":
                      codes, "site": screen.site.pk, "round": screen.round.pk}]}),
                      content_type="application/json").json()
    assert [t["status"] for t in odd["tubes"]] == ["refused", "created"]


def test_odd_values_in_a_tube_are_refused_by_field_not_failed(screen):
    answer = logged_in(screen.operator).post(URL, json.dumps({"tubes": [
        {"barcode": "Z1", "members": 5, "site": 2**40, "round": "x"}]}),
        content_type="application/json")
    assert answer.status_code == 200
    assert {e["field"] for e in answer.json()["tubes"][0]["errors"]} == {
        "members", "site", "round"}


def test_a_batch_keeps_each_tubes_collection_time(screen):
    """A queue sent an hour late keeps the time the tubes were swabbed (turnaround)."""
    codes = screen.codes(screen.people(2))
    answer = send(logged_in(screen.operator), screen, [("C1", codes[:1]), ("C2", codes[1:])],
                  collected_at="2026-01-05T08:15:00+08:00").json()
    assert [t["status"] for t in answer["tubes"]] == ["created", "created"]
    assert {t.collected_at.isoformat() for t in Tube.objects.all()} == {
        "2026-01-05T00:15:00+00:00"}


def test_a_tube_from_an_offline_queue_is_dated_by_how_long_it_waited(screen):
    """The collection page counts the seconds a sealed tube waited in its queue (not the
    phone's clock, which may be set wrong): the tube was collected that long before it
    arrived, so turnaround starts when it was swabbed."""
    from datetime import timedelta

    codes = screen.codes(screen.people(2))
    client = logged_in(screen.operator)
    answer = send(client, screen, [("Q1", codes[:1])], queued_seconds=3600).json()
    assert answer["tubes"][0]["status"] == "created"
    tube = Tube.objects.get(barcode="Q1")
    assert abs(tube.sealed_at - tube.collected_at - timedelta(hours=1)) < timedelta(seconds=5)
    for n, wrong in enumerate((-1, "soon", 8 * 86400)):
        refused = send(client, screen, [(f"W{n}", codes[1:])], queued_seconds=wrong).json()
        [problem] = refused["tubes"][0]["errors"]
        assert problem["field"] == "queued_seconds" and "0 to 604800" in problem["message"]
    assert not Tube.objects.filter(barcode__startswith="W").exists()


def test_a_person_refused_in_a_batch_is_named_by_what_the_operator_scanned(screen):
    """Review of batch.py: the refusals named people by their record number (`person 17`),
    which nobody at the site scanned; they name the code or identity number scanned."""
    people = screen.people(2)
    people[0].id_number = "310101198001010011"
    people[0].save(update_fields=["id_number"])
    screen.submit("FIRST", people[:1])
    code = screen.codes(people[1:])[0]
    answer = send(logged_in(screen.operator), screen, [
        ("AGAIN", ["310101198001010011"]),  # row 1: sampled in FIRST already
        ("N1", [code]), ("N2", [code])])  # rows 2, 3: one person in two tubes
    reasons = {t["row"]: t["errors"][0]["message"] for t in answer.json()["tubes"]
               if t["errors"]}
    assert reasons[1] == ("310101198001010011 was already sampled in this round "
                          "(tube FIRST)")
    assert reasons[3] == f"{code} is also in the tube of row 2"
    assert f"person {people[0].pk}" not in json.dumps(answer.json())


def test_the_batch_limit_and_role_hold_for_every_caller_of_the_service(screen):
    """Review of batch.py: the 1-to-500 limit and the role were checked by the API only; any
    other caller of submit_tube_batch could send a batch of any size (or none)."""
    codes = screen.codes(screen.people(1))
    rows = [{"barcode": f"S{n}", "members": codes, "site": screen.site.pk,
             "round": screen.round.pk} for n in range(services.MAX_BATCH + 1)]
    for batch in ([], rows):
        with pytest.raises(InvalidInput) as refused:
            services.submit_tube_batch(actor=Actor.of(screen.operator), rows=batch)
        assert refused.value.errors[0].field == "tubes"
    with pytest.raises(NotPermitted):
        services.submit_tube_batch(actor=Actor.of(screen.lab), rows=rows[:1])
    assert not Tube.objects.exists()
