"""`outbreakhq import samples|results FILE` (issue 9): the bad input the issue lists, each
through the command: a message naming every bad row, nothing written unless --partial, the
good rows kept with it, never a silent drop; --dry-run, --errors, the totals line; FHIR
Specimen bundles in and out, through the command and the API."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outbreakhq.core.models import AuditEvent
from outbreakhq.screening import fhir
from outbreakhq.screening.models import Tube, TubeMember
from outbreakhq.screening.services.tubes import capacity_of
from tests.factories import logged_in


def run(*args, **options) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command("import", *map(str, args), stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


def refused(*args, **options) -> str:
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import", *map(str, args), stdout=io.StringIO(), stderr=err, **options)
    return err.getvalue()


def samples_file(tmp_path: Path, screen, lines: list[tuple[str, list]], name="s.csv") -> Path:
    path = tmp_path / name
    path.write_text("barcode,site,round,members\n" + "".join(
        f"{barcode},{screen.site.pk},{screen.round.pk},{';'.join(codes)}\n"
        for barcode, codes in lines), encoding="utf-8")
    return path


def test_bad_samples_are_named_by_row_and_only_a_partial_import_keeps_the_good(screen,
                                                                               tmp_path):
    people = screen.people(8)
    codes = screen.codes(people)
    screen.submit("OLD", people[:1])  # a tube already sealed: its barcode is taken
    too_many = screen.codes(screen.people(capacity_of(screen.round) + 1))
    path = samples_file(tmp_path, screen, [
        ("G1", codes[1:3]),                 # row 2: good
        ("OLD", codes[3:4]),                # row 3: a reused barcode, other content
        ("G2", ["S9-ZZZZ"]),                # row 4: an unknown code
        ("G3", [codes[1]]),                 # row 5: a person sampled twice in the round
        ("G4", too_many),                   # row 6: more members than the pool allows
        ("G5", codes[5:7]),                 # row 7: good
        ("G1", codes[7:8]),                 # row 8: a barcode twice in the file
    ])
    err = refused("samples", path, user="sam")
    for row, words in ((3, "OLD"), (4, "S9-ZZZZ"), (5, "row 2"), (6, "at most"), (8, "row 2")):
        assert any(line.startswith(f"row {row}, ") and words in line
                   for line in err.splitlines()), (row, err)
    assert "5 rows refused: nothing written." in err
    assert set(Tube.objects.values_list("barcode", flat=True)) == {"OLD"}

    out, _err = run("samples", path, user="sam", dry_run=True)
    assert "Dry run, nothing written: 2 to create" in out and "5 rows refused" in out
    assert set(Tube.objects.values_list("barcode", flat=True)) == {"OLD"}

    errors = tmp_path / "errors.csv"
    out, err = run("samples", path, user="sam", partial=True, errors=errors)
    assert out.splitlines()[-1] == "2 created, 0 updated, 0 unchanged, 0 held, 5 refused."
    assert set(Tube.objects.values_list("barcode", flat=True)) == {"OLD", "G1", "G5"}
    written = list(csv.DictReader(errors.open(encoding="utf-8")))
    assert {int(r["row"]) for r in written} == {3, 4, 5, 6, 8}
    assert any(r["column"] == "members" and r["value"] == "S9-ZZZZ" for r in written)


def test_a_result_for_a_tube_never_received_or_unknown_is_named(screen, tmp_path):
    screen.submit("R1", screen.people(2))
    screen.submit("R2", screen.people(2))
    screen.ship_and_receive("B1", "R1")
    path = tmp_path / "results.csv"
    path.write_text("barcode,result\nR1,negative\nR2,negative\nNOPE,positive\nR1,maybe\n")
    err = refused("results", path, user="lee")
    assert "row 3, barcode" in err and "never received" in err
    assert "row 4, barcode" in err and "NOPE" in err
    assert "row 5, result" in err and "maybe" in err
    assert not Tube.objects.filter(status="resulted").exists()
    out, err = run("results", path, user="lee", partial=True, progress=True)
    assert out.splitlines()[-1] == "1 created, 0 updated, 0 unchanged, 0 held, 3 refused."
    assert "] 4/4 rows" in err  # the progress bar, asked for (stderr is no terminal here)
    assert list(Tube.objects.filter(status="resulted").values_list("barcode", flat=True)) == \
        ["R1"]


def test_a_file_refused_as_a_whole_names_the_missing_column(screen, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("barcode,site\nX,1\n")
    err = refused("samples", path, user="sam")
    assert "row 1, round" in err and "row 1, members" in err


def bundle_of(*entries) -> str:
    return json.dumps({"resourceType": "Bundle", "type": "batch", "entry": list(entries)})


def specimen(barcode: str | None, screen, subject: dict | None, **extra) -> dict:
    resource = {"resourceType": "Specimen", "extension": [
        {"url": fhir.SITE_EXTENSION, "valueInteger": screen.site.pk},
        {"url": fhir.ROUND_EXTENSION, "valueInteger": screen.round.pk}], **extra}
    if barcode:
        resource["accessionIdentifier"] = {"value": barcode}
    if subject is not None:
        resource["subject"] = subject
    return {"resource": resource}


def group(url: str, codes: list[str]) -> dict:
    return {"fullUrl": url, "resource": {"resourceType": "Group", "type": "person",
                                         "actual": True, "member": [
                                             {"entity": {"identifier": {"value": c}}}
                                             for c in codes]}}


def test_a_fhir_bundle_of_specimens_imports_and_a_malformed_one_names_each_entry(screen,
                                                                                 tmp_path):
    codes = screen.codes(screen.people(4))
    path = tmp_path / "samples.json"
    path.write_text(bundle_of(
        group("urn:uuid:g1", codes[:3]),
        specimen("F1", screen, {"reference": "urn:uuid:g1"}),
        specimen("F2", screen, {"identifier": {"value": codes[3]}})))
    out, _err = run("samples", path, user="sam")
    assert out.splitlines()[-1] == "2 created, 0 updated, 0 unchanged, 0 held, 0 refused."
    assert TubeMember.objects.filter(tube__barcode="F1").count() == 3

    broken = tmp_path / "broken.json"
    broken.write_text(bundle_of(
        specimen(None, screen, {"reference": "urn:uuid:g1"}),           # entry 1: no barcode
        specimen("F3", screen, None),                                   # entry 2: nobody
        specimen("F4", screen, {"reference": "urn:uuid:missing"}),      # entry 3: no Group
        {"resource": {"resourceType": "Specimen", "accessionIdentifier": {"value": "F5"},
                      "subject": {"identifier": {"value": codes[0]}}}}))  # entry 4: no site
    err = refused("samples", broken, user="sam")
    for entry, words in ((1, "accessionIdentifier"), (2, "subject"), (3, "urn:uuid:missing"),
                         (4, "site"), (4, "round")):
        assert any(line.startswith(f"row {entry}, ") and words in line
                   for line in err.splitlines()), (entry, words, err)
    invalid = tmp_path / "invalid.json"
    invalid.write_text(bundle_of({"resource": {"resourceType": "Specimen",
                                               "collection": "not an object"}}))
    assert "row 1, entry.0" in refused("samples", invalid, user="sam")
    # a valid bundle whose tube breaks the rules is named by its entry too
    reused = tmp_path / "reused.json"
    reused.write_text(bundle_of(group("urn:uuid:g9", codes[:1]),
                                specimen("F1", screen, {"reference": "urn:uuid:g9"})))
    err = refused("samples", reused, user="sam")
    assert "row 2, barcode" in err and "F1" in err
    assert Tube.objects.count() == 2


def test_sealed_tubes_exported_as_fhir_read_back_unchanged_through_the_command_and_api(
        screen, tmp_path):
    screen.submit("E1", screen.people(3))
    screen.submit("E2", screen.people(1))
    operator = logged_in(screen.operator)
    exported = operator.get("/api/v1/screening/tubes/fhir").json()
    assert [e["resource"]["resourceType"] for e in exported["entry"]].count("Specimen") == 2
    assert "name" not in json.dumps(exported)
    assert AuditEvent.objects.filter(action="export", object_type="tube").exists()
    rows = fhir.read_specimens(json.dumps(exported))
    assert sorted((r["barcode"], len(r["members"])) for r in rows) == [("E1", 3), ("E2", 1)]
    path = tmp_path / "again.json"
    path.write_text(json.dumps(exported))
    out, _err = run("samples", path, user="sam")
    assert out.splitlines()[-1] == "0 created, 0 updated, 2 unchanged, 0 held, 0 refused."
    answer = operator.post("/api/v1/screening/tubes/bulk", json.dumps(exported),
                           content_type="application/fhir+json")
    assert answer.status_code == 200 and answer.json() == {"created": 0, "unchanged": 2}
    # the API refuses a malformed bundle naming the entry, and takes CSV
    bad = operator.post("/api/v1/screening/tubes/bulk", bundle_of(
        specimen("E9", screen, None)), content_type="application/fhir+json")
    assert bad.status_code == 400 and "1" in json.dumps(bad.json()) and "subject" in bad.text
    code = screen.codes(screen.people(1))[0]
    made = operator.post("/api/v1/screening/tubes/bulk",
                         f"barcode,site,round,members\nC1,{screen.site.pk},{screen.round.pk},"
                         f"{code}\n", content_type="text/csv")
    assert made.status_code == 200 and made.json() == {"created": 1, "unchanged": 0}
    lab = logged_in(screen.lab)
    assert lab.get("/api/v1/screening/tubes/fhir").status_code in (403, 404)
