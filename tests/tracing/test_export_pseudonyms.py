"""Pseudonymised exports for analysts: no names, documents, phones, addresses; stable
pseudonyms that keep the links; birth year only; the area cut to the deployment's level; on the
exports page, the API and the command line, audited as pseudonymised."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.tracing import pseudonyms, services
from outbreakhq.tracing.models import Case
from tests.factories import PASSWORD, make_person, make_user, territory
from tests.tracing.conftest import ago, open_case

pytestmark = pytest.mark.django_db


@pytest.fixture
def land(db):
    land = territory()
    tracer = make_user("tracer", land.region, username="rita")
    make_user("analyst", land.region, username="ann")
    ash = make_person(land.compound1, name="Ash Wood", address="1 Elm Road", sex="F")
    beech = make_person(land.compound2, name="Beech Stone", address="2 Oak Lane")
    a = open_case(tracer, ash, external_id="A-1", notes="lives with her mother")
    b = open_case(tracer, beech, source_case=a.pk)
    services.add_contact(actor=Actor.of(tracer), case_id=a.pk, person_id=make_person(
        land.compound3, name="Cedar Hill").pk, data={"contact_type": "household",
                                                     "last_exposure": ago(1)})
    # Beech was Ash's contact before becoming a case: one person, two records.
    services.add_contact(actor=Actor.of(tracer), case_id=a.pk, person_id=beech.pk,
                         data={"contact_type": "work", "last_exposure": ago(2)})
    land.cases = (a, b)
    return land


def rows_of(response) -> list[dict]:
    content = response.streaming_content if response.streaming else [response.content]
    return list(csv.DictReader(io.StringIO(b"".join(content).decode("utf-8-sig"))))


def pseudonymised(client, kind: str) -> list[dict]:
    response = client.get(f"/export/{kind}/?pseudonymised=1&format=csv")
    assert response.status_code == 200
    return rows_of(response)


def test_pseudonymised_export_has_no_names_documents_or_phones(land, client):
    client.login(username="ann", password=PASSWORD)
    text = "".join(str(pseudonymised(client, kind)) for kind in ("cases", "contacts"))
    for person in Person.objects.all():
        for secret in (person.name, person.id_number, person.phone, person.address):
            assert not secret or secret not in text
    assert "lives with her mother" not in text and "A-1" not in text
    [ash] = [r for r in pseudonymised(client, "cases") if r["source_case"] == ""]
    assert set(ash) == set(pseudonyms.HEADERS["cases_pseudonymised"])
    assert ash["birth_year"] == str(Person.objects.get(name="Ash Wood").birth_date.year)
    assert ash["sex"] == "F" and ash["case"].startswith("C-") and ash["person"].startswith("P-")


def test_same_person_has_the_same_pseudonym_in_two_exports(land, client):
    client.login(username="ann", password=PASSWORD)
    cases, contacts = pseudonymised(client, "cases"), pseudonymised(client, "contacts")
    assert pseudonymised(client, "cases") == cases  # the second export: the same pseudonyms
    a, b = (next(r for r in cases if r["case"] == pseudonyms.pseudonym(
        "C", case.tenant_id, case.pk)) for case in land.cases)
    assert b["source_case"] == a["case"]  # the chain survives
    assert {r["source_case"] for r in contacts} == {a["case"]}
    assert b["person"] in {r["person"] for r in contacts}  # Beech: a contact, then a case
    assert len({r["person"] for r in cases + contacts}) == 3


def test_pseudonyms_depend_on_the_secret_key(land, settings):
    case = land.cases[0]
    before = pseudonyms.pseudonym("C", case.tenant_id, case.pk)
    settings.SECRET_KEY = "another-secret-key-of-enough-length-for-the-test"
    assert pseudonyms.pseudonym("C", case.tenant_id, case.pk) != before


@pytest.mark.parametrize("level, expected", [("county", "county"),
                                             ("prefecture", "prefecture"),
                                             ("nonsense", "region")])
def test_the_area_is_cut_to_the_level_the_deployment_sets(land, client, settings, level,
                                                          expected):
    settings.OUTBREAKHQ_PSEUDONYM_AREA_LEVEL = level
    client.login(username="ann", password=PASSWORD)
    codes = {r["area"] for kind in ("cases", "contacts") for r in pseudonymised(client, kind)}
    wanted = {"county": {land.county1.code, land.county2.code, land.county3.code},
              "prefecture": {land.pref1.code, land.pref2.code},
              "region": {land.region.code}}[expected]
    assert codes == wanted


def test_analyst_cannot_export_names(land, client, tmp_path):
    client.login(username="ann", password=PASSWORD)
    assert client.get("/export/cases/?format=csv").status_code == 403
    assert client.get("/api/v1/exports/contacts?format=csv").status_code == 403
    with pytest.raises(CommandError):
        call_command("export", "cases", "--user", "ann", "--out", str(tmp_path / "c.csv"))
    page = client.get("/exports/").content.decode()
    assert "pseudonymised=1" in page and "/export/cases/?format" not in page
    assert AuditEvent.objects.filter(action="denied", username="ann").count() == 3
    assert not AuditEvent.objects.filter(action="export").exists()


def test_a_tracer_may_not_export_pseudonymised_lists(land, client):
    client.login(username="rita", password=PASSWORD)
    assert client.get("/export/cases/?pseudonymised=1&format=csv").status_code == 403


def test_a_pseudonymised_export_cannot_search_by_name(land, client):
    client.login(username="ann", password=PASSWORD)
    assert client.get("/export/cases/?pseudonymised=1&q=Ash").status_code == 400
    assert not AuditEvent.objects.filter(action="export").exists()


def test_the_pseudonymised_export_on_the_api_and_command_line_is_audited_as_such(land, client,
                                                                                tmp_path):
    client.login(username="ann", password=PASSWORD)
    response = client.get("/api/v1/exports/cases?format=csv&pseudonymised=true")
    assert response.status_code == 200 and len(rows_of(response)) == 2
    out = tmp_path / "contacts.xlsx"
    call_command("export", "contacts", "--user", "ann", "--pseudonymised", "--out", str(out))
    assert out.stat().st_size > 0
    events = AuditEvent.objects.filter(action="export").order_by("id")
    assert [(e.channel, e.object_type, e.detail["pseudonymised"], e.detail["rows"])
            for e in events] == [("api", "cases", True, 2), ("cli", "contacts", True, 2)]
    assert Case.objects.count() == 2


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_a_large_pseudonymised_export_is_written_in_the_background_for_the_analyst(
        land, client, monkeypatch, settings, tmp_path):
    from outbreakhq.tracing import exporting, exporting_jobs

    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(exporting, "IN_REQUEST_UP_TO", {"csv": 1, "xlsx": 1})
    client.login(username="ann", password=PASSWORD)
    assert client.get("/export/cases/?pseudonymised=1&format=xlsx").status_code == 302
    call_command("db_worker", "--batch", verbosity=0)
    [done] = exporting_jobs.list_exports(AuditEvent.objects.get(action="export").user)
    assert (done.kind, done.status, done.rows) == ("cases_pseudonymised", "done", 2)
    download = client.get(f"/exports/{done.name}/")
    assert download.status_code == 200
    client.login(username="rita", password=PASSWORD)  # a tracer cannot fetch an analyst's file
    assert client.get(f"/exports/{done.name}/").status_code in (403, 404)


def test_the_other_possible_infectors_are_pseudonymised(land, client, tmp_path):
    from outbreakhq.interop.pipeline import run_import

    a, b = land.cases
    tracer = a.created_by
    path = tmp_path / "c.csv"
    path.write_text("external_id,name,home_area,classification,report_date,detection_route,"
                    f"source_case\nC-3,Cherry,{land.compound1.code},confirmed,{ago(0)},clinic,"
                    f"#{b.pk};A-1;X-7\n", encoding="utf-8")
    run_import(actor=Actor.of(tracer), kind="cases", path=path)
    client.login(username="ann", password=PASSWORD)
    cases = pseudonymised(client, "cases")
    c = Case.objects.get(external_id="C-3")
    [row] = [r for r in cases if r["case"] == pseudonyms.pseudonym("C", c.tenant_id, c.pk)]
    assert row["source_case"] == pseudonyms.pseudonym("C", c.tenant_id, b.pk)
    assert row["other_candidate_sources"] == ";".join((
        pseudonyms.pseudonym("C", c.tenant_id, a.pk), pseudonyms.pseudonym("X", c.tenant_id,
                                                                          "X-7")))
    assert not {"X-7", "A-1"} & set(row["other_candidate_sources"].split(";"))
    assert {r["other_candidate_sources"] for r in cases if r is not row} == {""}
