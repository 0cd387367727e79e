"""Round trip: an exported case and contact list imports again losslessly, into the same
database (nothing changes) and into a fresh one with the same areas (the same people, cases,
contacts and links come back), whether or not the records had external ids."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Person
from outbreakhq.interop.pipeline import run_import
from outbreakhq.tracing import exporting, services
from outbreakhq.tracing.importer.checks import ref_of
from outbreakhq.tracing.models import Case, Contact, FollowUp
from tests.factories import make_person, make_user, territory
from tests.tracing.conftest import ago, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    """A chain A -> B -> C -> D (B and C without external ids, B and D without documents),
    close contacts of A, B and C, a contact of a close contact, and C's person also a contact."""
    land = territory()
    tracer = make_user("tracer", land.region, username="rita")
    undocumented = {"id_type": "none", "id_number": ""}
    pa = make_person(land.compound1, name="Ash", address="1 Elm Road")
    pb = make_person(land.compound2, name="Beech", **undocumented)
    pc = make_person(land.compound1, name="Cherry", sex="F")
    pd = make_person(land.compound3, name="Date", phone="", **undocumented)
    a = open_case(tracer, pa, external_id="A-1", onset_date=ago(6), report_date=ago(4))
    b = open_case(tracer, pb, source_case=a.pk, onset_date=ago(4), report_date=ago(3),
                  severity="moderate")
    c = open_case(tracer, pc, source_case=b.pk, onset_date=ago(3), report_date=ago(2),
                  classification="asymptomatic")
    open_case(tracer, pd, external_id="D-9", source_case=c.pk, report_date=ago(1),
              outcome="recovered", outcome_date=ago(0))

    def contact(case, person, **data):
        return services.add_contact(actor=Actor.of(tracer), case_id=case.pk, person_id=person.pk,
                                    data={
            "contact_type": "household", "last_exposure": ago(3), **data})

    k1 = contact(b, make_person(land.compound2, name="Fir"))
    contact(a, make_person(land.compound1, name="Gum", **undocumented), external_id="K-2",
            contact_type="work", last_exposure=ago(5))
    contact(a, pc, last_exposure=ago(5))
    contact(c, make_person(land.compound1, name="Hazel"), last_exposure=ago(2))
    services.add_secondary_contact(actor=Actor.of(tracer), contact_id=k1.pk,
                                   new_person={"name": "Ivy", "home_area": land.compound2.code},
                                   data={"contact_type": "same_building",
                                         "last_exposure": ago(1)})
    land.tracer = tracer
    return land


def snapshot() -> dict:
    """Everything the files carry, by the names files give records (internal ids ignored)."""
    people = sorted((p.name, p.sex, p.birth_date, p.id_type, p.id_number, p.phone,
                     p.home_area.code, p.address)
                    for p in Person.objects.select_related("home_area"))
    cases = sorted((ref_of(c), c.person.name, c.classification, c.onset_date, c.sampling_date,
                    c.report_date, c.detection_route, c.severity, c.outcome, c.outcome_date,
                    c.area.code, ref_of(c.source_case) if c.source_case else "")
                   for c in Case.objects.select_related("person", "source_case", "area"))
    contacts = sorted((ref_of(k), k.person.name, k.category, k.contact_type, k.last_exposure,
                       k.followup_start, k.followup_end, k.status, k.area.code,
                       ref_of(k.source_case) if k.source_case else "",
                       ref_of(k.source_contact) if k.source_contact else "")
                      for k in Contact.objects.select_related(
                          "person", "area", "source_case", "source_contact"))
    return {"people": people, "cases": cases, "contacts": contacts}


def export(by, kind: str, fmt: str, folder: Path) -> Path:
    path = folder / f"{kind}.{fmt}"
    write = exporting.write_csv if fmt == "csv" else exporting.write_xlsx
    write(kind, exporting.iter_tuples(exporting.export_rows(actor=Actor.of(by), kind=kind)), path)
    return path


def forget_everything() -> None:
    """A fresh database with the same areas and users."""
    FollowUp.objects.all().delete()
    Contact.objects.filter(category="secondary_contact").delete()
    Contact.objects.all().delete()
    Case.objects.update(source_case=None)
    Case.objects.all().delete()
    Person.objects.all().delete()


def test_export_names_records_without_external_ids_by_record_number(world, tmp_path):
    with export(world.tracer, "contacts", "csv", tmp_path).open(encoding="utf-8-sig") as f:
        rows = list(csv.DictReader(f))
    ivy = next(r for r in rows if r["name"] == "Ivy")
    fir = Contact.objects.get(person__name="Fir")
    assert ivy["source_contact"] == f"#{fir.pk}" and ivy["source_case"] == ""
    assert next(r for r in rows if r["name"] == "Fir")["source_case"] == \
        f"#{Case.objects.get(person__name='Beech').pk}"
    gum = next(r for r in rows if r["name"] == "Gum")
    assert (gum["external_id"], gum["source_case"]) == ("K-2", "A-1")
    assert all(r["record"].startswith("#") and r["person"].startswith("#") for r in rows)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imports_again_into_the_same_database_and_changes_nothing(world, tmp_path,
                                                                            fmt):
    before = snapshot()
    for kind in ("cases", "contacts"):
        _plan, result = run_import(actor=Actor.of(world.tracer), kind=kind,
                                   path=export(world.tracer, kind, fmt, tmp_path))
        assert (result.created, result.updated, result.people_registered) == (0, 0, 0)
    assert snapshot() == before


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_an_export_imported_into_a_fresh_database_brings_back_people_cases_and_links(
        world, tmp_path, fmt):
    before = snapshot()
    files = {kind: export(world.tracer, kind, fmt, tmp_path) for kind in ("cases", "contacts")}
    forget_everything()
    for kind in ("cases", "contacts"):
        run_import(actor=Actor.of(world.tracer), kind=kind, path=files[kind])
    assert snapshot() == before
    for kind in ("cases", "contacts"):  # and a second import there changes nothing
        _plan, again = run_import(actor=Actor.of(world.tracer), kind=kind, path=files[kind])
        assert (again.created, again.updated) == (0, 0)
    assert snapshot() == before


def test_a_reference_to_an_unknown_record_is_an_error_naming_row_and_column(world, tmp_path):
    path = export(world.tracer, "contacts", "csv", tmp_path)
    text = path.read_text(encoding="utf-8-sig")
    beech = f"#{Case.objects.get(person__name='Beech').pk}"
    path.write_text(text.replace(f",{beech},", ",#999999,"), encoding="utf-8")
    forget_everything()
    with pytest.raises(InvalidInput) as refused:
        run_import(actor=Actor.of(world.tracer), kind="contacts", path=path)
    errors = {(e.row, e.field) for e in refused.value.errors}
    assert any(field == "source_case" for _row, field in errors)
    assert all(row and row >= 2 for row, _field in errors)
    assert any("#999999" in e.message for e in refused.value.errors)


def test_a_record_number_held_by_another_person_here_is_refused(world, tmp_path):
    """A file from another database: its "#N" is someone else's record N here."""
    path = export(world.tracer, "cases", "csv", tmp_path)
    text = path.read_text(encoding="utf-8-sig")
    path.write_text(text.replace("Beech", "Birch"), encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        run_import(actor=Actor.of(world.tracer), kind="cases", path=path)
    [error] = [e for e in refused.value.errors if e.field == "external_id"]
    beech = Case.objects.get(person__name="Beech")
    assert f"#{beech.pk}" in error.message and "another person" in error.message


def test_a_record_number_outside_the_importers_scope_is_not_found(world, tmp_path):
    """A number names only records the importer may view: of others a file learns nothing."""
    county2 = make_user("tracer", world.county2, username="tom")
    beech = Case.objects.get(person__name="Beech")  # lives in county 2
    ash = Case.objects.get(person__name="Ash")  # county 1
    path = tmp_path / "contacts.csv"
    path.write_text("external_id,name,home_area,source_case,contact_type,last_exposure\n"
                    f"N-1,Oak,{world.compound2.code},#{ash.pk},household,{ago(3)}\n"
                    f"N-2,Pine,{world.compound2.code},#{beech.pk},household,{ago(3)}\n",
                    encoding="utf-8")
    with pytest.raises(InvalidInput) as refused:
        run_import(actor=Actor.of(county2), kind="contacts", path=path)
    [error] = refused.value.errors
    assert (error.row, error.field) == (2, "source_case")
    assert "unknown source case" in error.message


def _candidates() -> dict[str, list[str]]:
    """Each case's possible infectors by the names files give, the most likely first."""
    from outbreakhq.tracing.models import CandidateInfector

    found: dict[str, list[str]] = {}
    for c in CandidateInfector.objects.select_related("case", "infector").order_by(
            "case_id", "position"):
        name = ref_of(c.infector) if c.infector is not None else c.external_id
        found.setdefault(ref_of(c.case), []).append(name + ("*" if c.most_likely else ""))
    return found


def _with_candidates(world, tmp_path) -> None:
    """E-5 names three possible infectors: D-9 (the most likely), A-1 and X-7 (no case here)."""
    path = tmp_path / "e.csv"
    path.write_text("external_id,name,home_area,classification,report_date,detection_route,"
                    f"source_case\nE-5,Elm,{world.compound1.code},confirmed,{ago(0)},clinic,"
                    "D-9; A-1; X-7\n", encoding="utf-8")
    run_import(actor=Actor.of(world.tracer), kind="cases", path=path)
    assert _candidates() == {"E-5": ["D-9*", "A-1", "X-7"]}


def test_the_export_carries_the_other_possible_infectors(world, tmp_path):
    _with_candidates(world, tmp_path)
    with export(world.tracer, "cases", "csv", tmp_path).open(encoding="utf-8-sig") as f:
        rows = {r["external_id"]: r for r in csv.DictReader(f)}
    assert (rows["E-5"]["source_case"], rows["E-5"]["other_candidate_sources"]) == \
        ("D-9", "A-1;X-7")
    assert {r["other_candidate_sources"] for k, r in rows.items() if k != "E-5"} == {""}


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_the_other_possible_infectors_survive_a_round_trip(world, tmp_path, fmt):
    _with_candidates(world, tmp_path)
    before, candidates = snapshot(), _candidates()
    files = {kind: export(world.tracer, kind, fmt, tmp_path) for kind in ("cases", "contacts")}
    _plan, again = run_import(actor=Actor.of(world.tracer), kind="cases", path=files["cases"])
    assert (again.created, again.updated) == (0, 0)  # the same database: nothing changes
    forget_everything()
    for kind in ("cases", "contacts"):
        run_import(actor=Actor.of(world.tracer), kind=kind, path=files[kind])
    assert snapshot() == before
    assert _candidates() == candidates
