"""The collection time a site or a lab system gives (FHIR Specimen.collection.
collectedDateTime, a batch's `collected_at`) is stored and exported again; a bulk message sent
again with its id (Idempotency-Key, a FHIR Bundle's identifier or id) is answered with the
first answer and not processed again; the same id with another body is refused."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management.base import CommandError
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.screening import importing
from outbreakhq.screening.models import Message, Tube
from outbreakhq.screening.services import messages
from tests.factories import logged_in
from tests.screening.test_import_cli import bundle_of, group, refused, run, specimen

TAKEN = datetime(2022, 4, 4, 0, 15, tzinfo=UTC)  # 08:15 in Shanghai


def _taken(screen, barcode: str, at: str = "2022-04-04T08:15:00+08:00", **bundle) -> str:
    codes = screen.codes(screen.people(2))
    text = json.loads(bundle_of(group(f"urn:uuid:{barcode}", codes), specimen(
        barcode, screen, {"reference": f"urn:uuid:{barcode}"},
        collection={"collectedDateTime": at})))
    return json.dumps({**text, **bundle})


def test_the_fhir_collection_time_is_stored_and_exported_again(screen, tmp_path):
    operator = logged_in(screen.operator)
    answer = operator.post("/api/v1/screening/tubes/bulk", _taken(screen, "F1"),
                           content_type="application/fhir+json")
    assert answer.status_code == 200 and answer.json()["created"] == 1
    tube = Tube.objects.get(barcode="F1")
    assert tube.collected_at == TAKEN and tube.sealed_at > TAKEN  # sealed when it reached us
    path = tmp_path / "f2.json"
    path.write_text(_taken(screen, "F2", "2022-04-04T09:00:00Z"))
    run("samples", path, user="sam")
    assert Tube.objects.get(barcode="F2").collected_at == datetime(2022, 4, 4, 9, tzinfo=UTC)
    exported = operator.get("/api/v1/screening/tubes/fhir").json()
    times = {e["resource"]["accessionIdentifier"]["value"]:
             e["resource"]["collection"]["collectedDateTime"]
             for e in exported["entry"] if e["resource"]["resourceType"] == "Specimen"}
    assert datetime.fromisoformat(times["F1"]) == TAKEN  # round trip
    again = operator.post("/api/v1/screening/tubes/bulk", json.dumps(exported),
                          content_type="application/fhir+json")
    assert again.json() == {"created": 0, "unchanged": 2}
    assert Tube.objects.get(barcode="F1").collected_at == TAKEN


def test_a_collection_time_without_zone_or_in_the_future_is_refused_naming_the_row(screen):
    operator = logged_in(screen.operator)
    day_only = operator.post("/api/v1/screening/tubes/bulk",
                             _taken(screen, "F1", "2022-04-04"),
                             content_type="application/fhir+json")
    assert day_only.status_code == 400 and "collectedDateTime" in day_only.text
    code = screen.codes(screen.people(1))[0]
    later = (timezone.now() + timedelta(hours=2)).isoformat()
    future = operator.post("/api/v1/screening/tubes/bulk", json.dumps({"tubes": [
        {"barcode": "J1", "site": screen.site.pk, "round": screen.round.pk,
         "members": [code], "collected_at": later}]}), content_type="application/json")
    assert future.status_code == 400 and "collected_at" in future.text
    assert not Tube.objects.exists()


def test_a_message_sent_again_with_its_id_gets_the_first_answer(screen):
    operator = logged_in(screen.operator)
    bundle = _taken(screen, "F1", id="msg-1")
    first = operator.post("/api/v1/screening/tubes/bulk", bundle,
                          content_type="application/fhir+json")
    assert first.json() == {"created": 1, "unchanged": 0}
    Tube.objects.filter(barcode="F1").delete()  # not processed again: it would come back
    again = operator.post("/api/v1/screening/tubes/bulk", bundle,
                          content_type="application/fhir+json")
    assert again.json() == {"created": 1, "unchanged": 0}
    assert again["Idempotent-Replayed"] == "true" and not Tube.objects.exists()
    other = operator.post("/api/v1/screening/tubes/bulk", _taken(screen, "F2", id="msg-1"),
                          content_type="application/fhir+json")
    assert other.status_code == 400 and "msg-1" in other.text  # one id, another body
    code = screen.codes(screen.people(1))[0]
    csv = f"barcode,site,round,members\nC1,{screen.site.pk},{screen.round.pk},{code}\n"
    keyed = [operator.post("/api/v1/screening/tubes/bulk", csv, content_type="text/csv",
                           headers={"Idempotency-Key": "queue-7"}) for _ in range(2)]
    assert [a.json() for a in keyed] == [{"created": 1, "unchanged": 0}] * 2
    assert "Idempotent-Replayed" not in keyed[0] and keyed[1]["Idempotent-Replayed"] == "true"
    assert Message.objects.filter(user=screen.operator).count() == 2


def test_a_refused_message_stores_no_answer_and_ids_are_the_senders(screen):
    operator = logged_in(screen.operator)
    bad = operator.post("/api/v1/screening/tubes/bulk", bundle_of(
        specimen("E9", screen, None)), content_type="application/fhir+json",
        headers={"Idempotency-Key": "m1"})
    assert bad.status_code == 400 and not Message.objects.exists()
    done, replayed = messages.answer_once(actor=Actor.of(screen.operator), kind="tubes",
                                          key="m1", body=b"x", process=lambda: {"n": 1})
    assert (done, replayed) == ({"n": 1}, False)
    # another sender's id is theirs: processed, not answered from the operator's message
    done, replayed = messages.answer_once(actor=Actor.of(screen.lab), kind="tubes", key="m1",
                                          body=b"x", process=lambda: {"n": 2})
    assert (done, replayed) == ({"n": 2}, False)


def test_results_sent_again_with_their_id_are_answered_without_recording_again(screen):
    screen.submit("T1", screen.people(4))
    screen.ship_and_receive("B1", "T1")
    lab = logged_in(screen.lab)
    body = json.dumps({"results": [{"barcode": "T1", "result": "positive"}]})
    answers = [lab.post("/api/v1/screening/results/", body, content_type="application/json",
                        headers={"Idempotency-Key": "lims-42"}) for _ in range(2)]
    assert answers[0].json() == answers[1].json() and answers[0].json()["recalls"] == 4
    assert answers[1]["Idempotent-Replayed"] == "true"


def test_a_samples_csv_gives_the_collection_time_in_its_collected_at_column(screen, tmp_path):
    code = screen.codes(screen.people(1))[0]
    path = tmp_path / "s.csv"
    path.write_text(f"barcode,site,round,members,collected_at\n"
                    f"C1,{screen.site.pk},{screen.round.pk},{code},2022-04-04T08:15:00+08:00\n")
    run("samples", path, user="sam")
    assert Tube.objects.get(barcode="C1").collected_at == TAKEN


def _samples_csv(screen, path, barcodes: list[str]) -> None:
    codes = screen.codes(screen.people(len(barcodes)))
    path.write_text("barcode,site,round,members\n" + "".join(
        f"{b},{screen.site.pk},{screen.round.pk},{c}\n" for b, c in zip(barcodes, codes,
                                                                           strict=True)))


def test_a_file_imported_again_with_its_message_id_is_already_processed_unread(
        screen, tmp_path, monkeypatch):
    path = tmp_path / "site7.csv"
    _samples_csv(screen, path, ["M1", "M2", "M3"])
    out, _err = run("samples", path, user="sam", message_id="site7-0900")
    assert out.splitlines()[-1] == "3 created, 0 updated, 0 unchanged, 0 held, 0 refused."

    def unread(*args, **kwargs):
        raise AssertionError("a file answered before was read again")

    with monkeypatch.context() as patched:
        patched.setattr(importing, "batches", unread)
        out, _err = run("samples", path, user="sam", message_id="site7-0900")
    assert "Already processed: message site7-0900" in out
    assert out.splitlines()[-1] == "3 created, 0 updated, 0 unchanged, 0 held, 0 refused."
    assert Tube.objects.count() == 3 and Message.objects.count() == 1

    # the same id with another file is refused naming it; nothing of that file is written
    other = tmp_path / "other.csv"
    _samples_csv(screen, other, ["M4"])
    err = refused("samples", other, user="sam", message_id="site7-0900")
    assert "--message-id: message id site7-0900 was already used for another message" in err
    assert not Tube.objects.filter(barcode="M4").exists()
    # without an id a CSV is matched by barcode only: read again, every tube unchanged
    out, _err = run("samples", path, user="sam")
    assert out.splitlines()[-1] == "0 created, 0 updated, 3 unchanged, 0 held, 0 refused."
    # the ids are the API's: the same bytes sent with the id are answered from the file's run
    sent = logged_in(screen.operator).post(
        "/api/v1/screening/tubes/bulk", path.read_bytes(), content_type="text/csv",
        headers={"Idempotency-Key": "site7-0900"})
    assert sent.json() == {"created": 3, "unchanged": 0}
    assert sent["Idempotent-Replayed"] == "true"


def test_a_file_with_refused_rows_stores_no_message_and_a_bundle_brings_its_own_id(
        screen, tmp_path):
    path = tmp_path / "partly.csv"
    _samples_csv(screen, path, ["P1", "P2"])
    path.write_text(path.read_text() + f"P3,{screen.site.pk},{screen.round.pk},S9-ZZZZ\n")
    out, _err = run("samples", path, user="sam", partial=True, message_id="part-1")
    assert out.splitlines()[-1] == "2 created, 0 updated, 0 unchanged, 0 held, 1 refused."
    assert not Message.objects.exists()  # corrected, it may come again with its id

    bundle = tmp_path / "lab.json"
    bundle.write_text(_taken(screen, "B1", identifier={"system": "urn:lab", "value": "77"}))
    out, _err = run("samples", bundle, user="sam")
    assert out.splitlines()[-1] == "1 created, 0 updated, 0 unchanged, 0 held, 0 refused."
    out, _err = run("samples", bundle, user="sam", dry_run=True)
    assert "Already processed: message Bundle.identifier:urn:lab|77" in out
    changed = tmp_path / "changed.json"
    changed.write_text(_taken(screen, "B2", identifier={"system": "urn:lab", "value": "77"}))
    err = refused("samples", changed, user="sam")
    assert "Bundle.identifier: message id Bundle.identifier:urn:lab|77 was already used" in err
    assert not Tube.objects.filter(barcode="B2").exists()
    with pytest.raises(CommandError, match="--message-id does not apply to cases"):
        run("cases", path, user="sam", message_id="x")  # the line lists keep their own key


def test_a_bundle_with_a_long_identifier_is_kept_by_its_hash_not_refused(screen):
    """Review of messages.py: a valid bundle whose identifier is longer than the id column was
    refused naming an Idempotency-Key header nobody sent; it is now kept by its hash."""
    operator = logged_in(screen.operator)
    long_id = {"system": "urn:oid:1.2.156." + "9" * 150, "value": "batch-" + "7" * 80}
    bundle = _taken(screen, "L1", identifier=long_id)
    first = operator.post("/api/v1/screening/tubes/bulk", bundle,
                          content_type="application/fhir+json")
    assert first.status_code == 200 and first.json() == {"created": 1, "unchanged": 0}
    again = operator.post("/api/v1/screening/tubes/bulk", bundle,
                          content_type="application/fhir+json")
    assert again["Idempotent-Replayed"] == "true"
    key = Message.objects.get().key
    assert key.startswith("Bundle.identifier#sha256:") and len(key) <= messages.MAX_KEY
    sent = operator.post("/api/v1/screening/tubes/bulk", _taken(screen, "L2"),
                         content_type="application/fhir+json",
                         headers={"Idempotency-Key": "k" * 201})  # the sender's own: refused
    assert sent.status_code == 400 and "Idempotency-Key" in sent.text


def test_a_blank_idempotency_key_leaves_the_bundles_own_id():
    """Review of messages.py: a blank header was taken as the id, then stripped to none, and
    the bundle's own identifier was ignored."""
    bundle = {"resourceType": "Bundle", "id": "b-1"}
    assert messages.key_of({"Idempotency-Key": "  "}, bundle) == "Bundle.id:b-1"
    assert messages.key_of({"Idempotency-Key": "q-7"}, bundle) == "q-7"
    assert messages.key_of({}, {"resourceType": "Bundle", "id": "b-1", "identifier": {
        "system": "urn:lab", "value": "9"}}) == "Bundle.identifier:urn:lab|9"
    assert messages.key_of({}, {"resourceType": "Parameters", "id": "x"}) is None
