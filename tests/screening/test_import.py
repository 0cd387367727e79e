"""Files of samples and results: batches, idempotent by barcode, bad rows named, partial
imports, and a run stopped half-way then run again lands every row once."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.screening import fhir, importing, services
from outbreakhq.screening.models import Recall, Tube, TubeMember
from tests.factories import logged_in


def _samples(tmp_path: Path, screen, people, per_tube: int = 5, extra: str = "") -> Path:
    lines = ["barcode,site,round,members"]
    for n, start in enumerate(range(0, len(people), per_tube)):
        codes = ";".join(screen.codes(people[start:start + per_tube]))
        lines.append(f"P{n:05d},{screen.site.pk},{screen.round.pk},{codes}")
    path = tmp_path / "samples.csv"
    path.write_text("\n".join(lines) + "\n" + extra, encoding="utf-8")
    return path


def test_samples_then_results_import_in_batches_and_again_changes_nothing(screen, tmp_path):
    people = screen.people(40)
    path = _samples(tmp_path, screen, people)
    actor = Actor.of(screen.operator)
    first = importing.import_file(actor=actor, kind="samples", path=path, size=3)
    assert (first.rows, first.created) == (8, 8) and TubeMember.objects.count() == 40
    again = importing.import_file(actor=actor, kind="samples", path=path, size=3)
    assert (again.created, again.unchanged) == (0, 8)
    services.ship_box(actor=actor, site_id=screen.site.pk, box_code="B",
                      barcodes=list(Tube.objects.values_list("barcode", flat=True)))
    services.receive_box(actor=Actor.of(screen.lab), box_code="B")
    results = tmp_path / "results.csv"
    results.write_text("barcode,result,ct\n" + "".join(
        f"P{n:05d},{'positive' if n == 3 else 'negative'},\n" for n in range(8)))
    call_command("import", "results", str(results), user="lee", stdout=io.StringIO())
    assert Recall.objects.count() == 5
    out = io.StringIO()
    call_command("import", "results", str(results), user="lee", stdout=out)
    assert Recall.objects.count() == 5
    assert out.getvalue().splitlines()[-1] == ("0 created, 0 updated, 8 unchanged, 0 held, "
                                               "0 refused.")


def test_a_bad_row_is_named_and_a_partial_import_keeps_the_good_ones(screen, tmp_path):
    people = screen.people(10)
    path = _samples(tmp_path, screen, people, extra=f"BAD,{screen.site.pk},{screen.round.pk},"
                                                    "S1-ZZZZ\n")
    actor = Actor.of(screen.operator)
    with pytest.raises(InvalidInput) as refused:
        importing.import_file(actor=actor, kind="samples", path=path)
    assert "row 4" in str(refused.value) and "S1-ZZZZ" in str(refused.value)
    assert not Tube.objects.exists()
    done = importing.import_file(actor=actor, kind="samples", path=path, partial=True)
    assert done.created == 2 and [e.row for e in done.errors] == [4]


def test_a_person_twice_in_a_round_across_the_file_is_refused(screen, tmp_path):
    person = screen.people(1)[0]
    code = services.code_of(person.pk)
    path = tmp_path / "s.csv"
    path.write_text(f"barcode,site,round,members\nA,{screen.site.pk},{screen.round.pk},{code}\n"
                    f"B,{screen.site.pk},{screen.round.pk},{code}\n")
    with pytest.raises(InvalidInput) as refused:
        importing.import_file(actor=Actor.of(screen.operator), kind="samples", path=path)
    assert "row 3" in str(refused.value)


def test_a_run_stopped_half_way_and_run_again_lands_every_row_once(screen, tmp_path,
                                                                  monkeypatch):
    people = screen.people(50)
    path = _samples(tmp_path, screen, people)
    actor = Actor.of(screen.operator)
    real, calls = services.submit_tubes, []

    def dies_on_the_third_batch(**kwargs):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt  # the process killed between two batches' transactions
        return real(**kwargs)

    monkeypatch.setattr(services, "submit_tubes", dies_on_the_third_batch)
    with pytest.raises(KeyboardInterrupt):
        importing.import_file(actor=actor, kind="samples", path=path, size=2)
    assert Tube.objects.count() == 4
    monkeypatch.setattr(services, "submit_tubes", real)
    done = importing.import_file(actor=actor, kind="samples", path=path, size=2)
    assert (done.created, done.unchanged) == (6, 4)
    assert TubeMember.objects.count() == 50


def test_recalled_people_are_retested_in_bulk_and_others_are_refused(screen):
    people = screen.people(3)
    screen.submit("T1", people)
    screen.ship_and_receive("B1", "T1")
    screen.results(("T1", "positive"))
    outsider = screen.people(1)[0]
    rows = [{"barcode": f"R{n}", "members": screen.codes([p]), "site": screen.site.pk,
             "round": screen.round.pk, "retest": True} for n, p in enumerate(people)]
    with pytest.raises(InvalidInput) as refused:
        services.submit_tubes(actor=Actor.of(screen.operator), rows=[*rows, {
            **rows[0], "barcode": "R9", "members": screen.codes([outsider])}])
    assert "row 4" in str(refused.value) and "no open recall" in str(refused.value)
    done = services.submit_tubes(actor=Actor.of(screen.operator), rows=rows)
    assert done.created == 3
    assert set(Recall.objects.values_list("status", flat=True)) == {"resampled"}
    # each recall points at its own person's retest tube, and the time reads back
    for recall in Recall.objects.select_related("retest_tube"):
        assert recall.retest_tube.barcode == f"R{people.index(recall.person)}"
        assert recall.updated_at.tzinfo is not None
        assert recall.updated_at >= recall.created_at


def _bundle(*entries) -> str:
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": list(entries)})


def _observation(specimen_ref: str, snomed: str) -> dict:
    return {"resource": {
        "resourceType": "Observation", "status": "final",
        "code": {"coding": [{"system": "http://loinc.org", "code": "94500-6"}]},
        "specimen": {"reference": specimen_ref},
        "valueCodeableConcept": {"coding": [{"system": "http://snomed.info/sct",
                                             "code": snomed}]}}}


def test_a_fhir_bundle_of_results_is_read_and_a_malformed_one_names_its_entry(screen,
                                                                              tmp_path):
    screen.submit("T1", screen.people(3))
    screen.submit("T2", screen.people(3))
    screen.ship_and_receive("B1", "T1", "T2")
    text = _bundle(
        {"fullUrl": "urn:uuid:s1", "resource": {"resourceType": "Specimen",
                                                "accessionIdentifier": {"value": "T1"}}},
        {"fullUrl": "urn:uuid:s2", "resource": {"resourceType": "Specimen",
                                                "identifier": [{"value": "T2"}]}},
        _observation("urn:uuid:s1", "10828004"), _observation("urn:uuid:s2", "260415000"))
    path = tmp_path / "results.json"
    path.write_text(text)
    done = importing.import_file(actor=Actor.of(screen.lab), kind="results", path=path)
    assert (done.created, done.recalls) == (2, 3)
    broken = _bundle({"resource": {"resourceType": "Observation", "status": "final",
                                   "code": {"coding": "not a list"}}})
    with pytest.raises(InvalidInput) as refused:
        fhir.read_bundle(broken)
    assert refused.value.errors[0].row == 1
    lab = logged_in(screen.lab)
    exported = lab.get("/api/v1/screening/results/fhir").json()
    assert exported["resourceType"] == "Bundle" and len(exported["entry"]) == 4
    again = fhir.read_bundle(json.dumps(exported))  # what we export reads back
    assert sorted((r["barcode"], r["result"]) for r in again) == [("T1", "positive"),
                                                                  ("T2", "negative")]
