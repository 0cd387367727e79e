"""Issue 7, attack 2: an import (its preview, its dry run, its run) says nothing about people or
records outside the importer's scope. A second-county tracer's file of one real first-county
identity number and one made-up valid one gets the same answer for both rows, naming no area;
the person is registered in the importer's area and the administrators above both counties see
the pair on the Duplicates page."""

from __future__ import annotations

import json
from datetime import date

import pytest
from django.test import Client

from outbreakhq.core import dedup
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Person
from outbreakhq.interop.pipeline import plan_import, run_import
from outbreakhq.tracing.models import Case
from tests.factories import make_person, make_user, resident_id, territory
from tests.tracing.conftest import ago, open_case
from tests.tracing.test_import import CASE_HEADER, CONTACT_HEADER, LINK_HEADER, write_csv

pytestmark = pytest.mark.django_db

FAKE = resident_id(date(1991, 7, 7), 321)  # valid check character, nobody's number


class Land:
    """Two counties: Zhao lives in the first with case A1; Tom traces in the second (T1)."""

    def __init__(self):
        self.areas = territory()
        self.tina = make_user("tracer", self.areas.county1, username="tina")
        self.tom = make_user("tracer", self.areas.county2, username="tom")
        self.zhao = make_person(self.areas.compound1, name="Zhao Alder")
        self.a1 = open_case(self.tina, self.zhao, external_id="A1")
        self.t1 = open_case(self.tom, make_person(self.areas.compound2, name="Sun Birch"),
                            external_id="T1")
        # (Not the county's code: the test documents' numbers begin with it.)
        self.secrets = ("Zhao Alder", "Alder County", self.areas.compound1.code)


@pytest.fixture
def land() -> Land:
    return Land()


def case_row(ext: str, name: str, number: str, home: str, source: str = "") -> list:
    return [ext, name, "F", number, home, "confirmed", ago(3).isoformat(), ago(2).isoformat(),
            "clinic", source]


def outcomes(plan, *numbers: int) -> list[tuple]:
    """What the file is told about each row: its action and its errors (minus the row's own
    values, which differ between the rows by construction)."""
    found = []
    for row in plan.rows:
        if row.number in numbers:
            errors = [(e.field, e.message) for e in plan.errors if e.row == row.number]
            found.append((row.action, row.changes, errors, "person" in row.refs))
    return found


def both_rows(land: Land, tmp_path, **first_values):
    home = land.areas.compound2.code
    return write_csv(tmp_path / "cases.csv", CASE_HEADER, [
        case_row("N1", "Zhao A.", land.zhao.id_number, home, **first_values),
        case_row("N2", "Nobody", FAKE, home, **first_values)])


def test_a_dry_run_answers_alike_for_a_real_first_county_document_and_a_fake_one(
        land: Land, tmp_path) -> None:
    plan = plan_import(actor=Actor.of(land.tom), kind="cases", path=both_rows(land, tmp_path),
                       area=None)
    real, fake = outcomes(plan, 2, 3)
    assert real == fake == ("create", [], [], False)
    assert plan.ok
    text = " ".join(str(e) for e in plan.errors)
    assert not any(secret in text for secret in land.secrets)


def test_the_api_dry_run_and_the_preview_page_name_no_area(land: Land, tmp_path) -> None:
    client = Client()
    client.force_login(land.tom)
    path = both_rows(land, tmp_path)
    with path.open("rb") as handle:
        dry = client.post("/api/v1/imports/cases", {"file": handle, "dry_run": "true"})
    assert dry.status_code == 200
    assert dry.json() | {"rows": 2} == {"rows": 2, "created": 2, "updated": 0, "unchanged": 0,
                                        "people_registered": 0, "people_matched": 0,
                                        "dry_run": True, "held": 0, "refused": 0,
                                        "errors": [], "error_count": 0}
    with path.open("rb") as handle:
        review = client.post("/import/", {"kind": "cases", "file": handle})["Location"]
    page = client.get(review).content.decode()
    assert page.count("<td>create</td>") == 2
    assert not any(secret in page for secret in land.secrets)


def test_the_run_registers_the_person_here_and_only_admins_above_both_see_the_pair(
        land: Land, tmp_path) -> None:
    _plan, result = run_import(actor=Actor.of(land.tom), kind="cases", path=both_rows(land,
                                                                                      tmp_path))
    assert (result.created, result.people_registered, result.people_matched) == (2, 2, 0)
    twin = Person.objects.get(name="Zhao A.")
    assert twin.home_area == land.areas.compound2 and twin.id_number == land.zhao.id_number
    assert land.zhao.pk != twin.pk

    admin = make_user("admin", land.areas.region)
    pairs = {c.key for c in dedup.find_duplicates(actor=Actor.of(admin)).candidates}
    assert (land.zhao.pk, twin.pk) in pairs
    for tracer in (land.tom, land.tina):
        assert (land.zhao.pk, twin.pk) not in {
            c.key for c in dedup.find_duplicates(actor=Actor.of(tracer)).candidates}


def test_a_source_case_outside_the_scope_is_as_unknown_as_one_that_does_not_exist(
        land: Land, tmp_path) -> None:
    home = land.areas.compound2.code
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, [
        case_row("N1", "One", FAKE, home, source="A1"),
        case_row("N2", "Two", "", home, source="ZZ")])
    plan = plan_import(actor=Actor.of(land.tom), kind="cases", path=path)
    # Issue 14: an infector that is no case here is kept as the case's unresolved source, and
    # one outside the scope reads exactly the same (no error, no link, the file's id kept).
    assert plan.errors == []
    assert [(r.refs.get("unlisted"), "source_case" in r.refs) for r in plan.rows] == [
        ("A1", False), ("ZZ", False)]


def test_a_cycle_through_a_case_outside_the_scope_is_not_reported(land: Land, tmp_path) -> None:
    """A1 (first county) was infected by T1 (second county), linked by the prefecture. Naming A1
    as T1's source must read exactly as naming a case that does not exist: no cycle error."""
    prefecture = make_user("tracer", land.areas.pref1)
    from outbreakhq.tracing import services

    services.link_source(actor=Actor.of(prefecture), case_id=land.a1.pk, source_case_id=land.t1.pk)
    home = land.areas.compound2.code
    sun = land.t1.person.id_number
    rows = [case_row("T1", "Sun Birch", sun, home, source=s) for s in ("A1", "ZZ")]
    answers = []
    for n, row in enumerate(rows):
        plan = plan_import(actor=Actor.of(land.tom), kind="cases",
                           path=write_csv(tmp_path / f"{n}.csv", CASE_HEADER, [row]))
        answers.append([e.message.replace(row[-1], "X") for e in plan.errors])
    assert answers[0] == answers[1]
    assert not any("cycle" in m for m in answers[0])


def test_links_and_contacts_naming_records_outside_the_scope_read_as_unknown(
        land: Land, tmp_path) -> None:
    tina_contact = write_csv(tmp_path / "mine.csv", CONTACT_HEADER, [
        ["K1", "Li Alder", FAKE, land.areas.compound1.code, "A1", "household",
         ago(1).isoformat()]])
    run_import(actor=Actor.of(land.tina), kind="contacts", path=tina_contact)

    links = write_csv(tmp_path / "links.csv", LINK_HEADER, [
        ["A1", "T1", "household", ago(3).isoformat()],
        ["ZZ", "T1", "household", ago(3).isoformat()]])
    plan = plan_import(actor=Actor.of(land.tom), kind="links", path=links)
    assert [e.message.replace("A1", "X").replace("ZZ", "X") for e in plan.errors if e.row == 2] \
        == [e.message.replace("ZZ", "X") for e in plan.errors if e.row == 3]

    secondary = write_csv(tmp_path / "sec.csv", [*CONTACT_HEADER, "关联密接编号"], [
        ["S1", "Wu", "", land.areas.compound2.code, "", "household", ago(1).isoformat(), "K1"],
        ["S2", "Wu", "", land.areas.compound2.code, "", "household", ago(1).isoformat(), "ZZ"]])
    plan = plan_import(actor=Actor.of(land.tom), kind="contacts", path=secondary)
    assert [(e.field, e.message.replace("K1", "X")) for e in plan.errors if e.row == 2] == \
        [(e.field, e.message.replace("ZZ", "X")) for e in plan.errors if e.row == 3]


def test_an_external_id_taken_outside_the_scope_is_refused_without_saying_where(
        land: Land, tmp_path) -> None:
    """External ids are unique per tree, so A1 cannot be stored again: the refusal is the one
    answer that differs from an unknown id, and it names neither the record nor its area, and
    compares nothing of it with the row."""
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, [
        case_row("A1", "Other", FAKE, land.areas.compound2.code)])
    plan = plan_import(actor=Actor.of(land.tom), kind="cases", path=path)
    assert [(e.row, e.field) for e in plan.errors] == [(2, "病例编号")]
    message = plan.errors[0].message
    assert "already used by another record" in message
    assert not any(secret in message for secret in land.secrets)
    assert "record" not in plan.rows[0].refs and plan.rows[0].changes == []
    with pytest.raises(InvalidInput):
        run_import(actor=Actor.of(land.tom), kind="cases", path=path)
    assert Case.objects.get(external_id="A1").person == land.zhao


def test_the_run_still_matches_people_of_the_importers_own_scope(land: Land, tmp_path) -> None:
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, [
        case_row("N1", "Zhao", land.zhao.id_number, land.areas.compound1.code)])
    _plan, result = run_import(actor=Actor.of(land.tina), kind="cases", path=path)
    assert (result.people_matched, result.people_registered) == (1, 0)
    assert Case.objects.get(external_id="N1").person == land.zhao


def test_the_dry_run_api_answers_json_with_the_same_counts_for_either_file(
        land: Land, tmp_path) -> None:
    client = Client()
    client.force_login(land.tom)
    answers = []
    for number in (land.zhao.id_number, FAKE):
        path = write_csv(tmp_path / f"{number}.csv", CASE_HEADER, [
            case_row("N1", "Someone", number, land.areas.compound2.code)])
        with path.open("rb") as handle:
            answers.append(json.loads(client.post("/api/v1/imports/cases", {
                "file": handle, "dry_run": "true"}).content))
    assert answers[0] == answers[1]
