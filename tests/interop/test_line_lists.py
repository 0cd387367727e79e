"""Published line lists imported as they are (issue 14): no names, foreign words, constants,
one column feeding two fields, infectors that are not listed, a case with three possible
infectors, dates out of order in a few rows; partial runs, the error file and the totals."""

from __future__ import annotations

import csv
import json
from datetime import date
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.interop.fields import as_mapping, guess_mapping, load_mapping_file
from outbreakhq.interop.mappings import resolve_mapping, save_mapping
from outbreakhq.interop.pipeline import RowsRefused, plan_import, run_import
from outbreakhq.tracing import scope_chains
from outbreakhq.tracing.models import CandidateInfector, Case, Exposure
from tests.tracing.conftest import tracer_land

pytestmark = pytest.mark.django_db
DATA = Path(__file__).parent / "data"
LINE_LIST = DATA / "linelist.csv"
MAPPING = DATA / "linelist.json"


@pytest.fixture
def land(db):
    return tracer_land()


def cases_import(land, path: Path = LINE_LIST, **options):
    mapping = load_mapping_file(MAPPING)[1]
    return run_import(actor=Actor.of(land.tracer), kind="cases", path=path, mapping=mapping,
                      area=land.compound1, **options)


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def command(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


# --- mappings ---------------------------------------------------------------------------------

def test_the_json_and_toml_mappings_are_the_same_and_round_trip(land):
    kind, data = load_mapping_file(MAPPING)
    assert kind == "cases" and load_mapping_file(DATA / "linelist.toml") == (kind, data)
    mapping = as_mapping(data)
    assert mapping.columns["dt_report"] == ("report_date", "sampling_date")
    assert mapping.constants == {"classification": "confirmed", "detection_route": "clinic"}
    assert mapping.values["outcome"]["Dead"] == "died"
    assert as_mapping(mapping.as_data()) == mapping
    # A plain {column: field} stays plain.
    assert as_mapping({"a": "external_id"}).as_data() == {"a": "external_id"}


def test_a_saved_mapping_keeps_its_constants_and_values(land):
    data = load_mapping_file(MAPPING)[1]
    save_mapping(actor=Actor.of(land.tracer), name="published", kind="cases", mapping=data,
                 area=land.county1)
    assert resolve_mapping(Actor.of(land.tracer), "cases", "published") == data


def test_a_saved_mapping_naming_an_unknown_field_is_refused(land):
    from outbreakhq.core.errors import InvalidInput
    with pytest.raises(InvalidInput) as refused:
        save_mapping(actor=Actor.of(land.tracer), name="bad", kind="cases", area=land.county1,
                     mapping={"columns": {"a": "external_id"}, "constants": {"colour": "red"}})
    assert [e.field for e in refused.value.errors] == ["colour"]


# --- every error in one run; all or nothing, or partial ---------------------------------------

def test_without_partial_every_error_is_found_and_nothing_is_written(land):
    with pytest.raises(RowsRefused) as refused:
        cases_import(land)
    errors = [(e.row, e.field) for e in refused.value.errors]
    # P5 (row 6): onset after report; P7 (row 8): onset after report AND exposure after it.
    assert errors == [(6, "dt_onset"), (8, "dt_exposure"), (8, "dt_onset")]
    assert "3 errors in 2 rows" in refused.value.message
    assert Case.objects.count() == 0 and Person.objects.count() == 0


def test_date_order_is_checked_on_a_row_with_another_error(land, tmp_path):
    text = LINE_LIST.read_text().replace("P5,male,", "P5,robot,")
    with pytest.raises(RowsRefused) as refused:
        cases_import(land, write(tmp_path / "l.csv", text))
    assert {(e.row, e.field) for e in refused.value.errors if e.row == 6} == {
        (6, "sex"), (6, "dt_onset")}


def test_a_partial_run_writes_the_rows_that_pass_with_every_value_of_the_file(land):
    _plan, result = cases_import(land, partial=True)
    assert (result.created, result.updated, result.unchanged, result.held, result.refused) == \
        (6, 0, 0, 0, 2)
    assert sorted(Case.objects.values_list("external_id", flat=True)) == [
        "P1", "P2", "P3", "P4", "P6", "P8"]
    p1, p2, p3, p6 = (Case.objects.get(external_id=e) for e in ("P1", "P2", "P3", "P6"))
    # Constants, recoded words, one column feeding two fields.
    assert (p1.classification, p1.detection_route, p1.outcome) == ("confirmed", "clinic",
                                                                   "recovered")
    assert p2.outcome == "died" and p1.sampling_date == p1.report_date == date(2024, 3, 4)
    # Nothing invented: blank outcome and severity stay unknown.
    assert (p3.outcome, p3.severity) == ("unknown", "unknown")
    assert p1.severity == "unknown"
    # Exposures stored with or without a source case, with or without a date.
    assert list(p1.exposures.values_list("setting", "date")) == [("other", date(2024, 2, 26))]
    assert list(p6.exposures.values_list("setting", "date")) == [("other", date(2024, 3, 5))]
    assert list(p3.exposures.values_list("setting", "date")) == [("household", None)]
    # No names: the person is shown by the case's external id.
    assert p1.person.name == "" and p1.who == "P1" and str(p1) == f"#{p1.pk} P1"
    event = AuditEvent.objects.get(object_type="cases_import")
    assert event.detail["refused"] == 2 and event.detail["created"] == 6


def test_the_command_prints_the_totals_last_and_writes_the_error_file(land, tmp_path):
    errors = tmp_path / "errors.csv"
    out, err = command("import", "cases", str(LINE_LIST), "--mapping", str(MAPPING), "--area",
                       land.compound1.code, "--user", land.tracer.username, "--partial",
                       "--errors", str(errors))
    assert out.strip().splitlines()[-1] == "6 created, 0 updated, 0 unchanged, 0 held, 2 refused."
    assert "row 6, dt_onset" in err
    with errors.open(encoding="utf-8-sig") as raw:
        rows = list(csv.reader(raw))
    assert rows[0] == ["row", "column", "value", "reason"]
    assert rows[1][:3] == ["6", "dt_onset", "2024-03-09"] and "after the report" in rows[1][3]
    assert len(rows) == 4


def test_the_command_without_partial_writes_nothing_and_says_what_was_held(land, tmp_path):
    errors = tmp_path / "errors.csv"
    with pytest.raises(CommandError):
        command("import", "cases", str(LINE_LIST), "--mapping", str(MAPPING), "--area",
                land.compound1.code, "--user", land.tracer.username, "--errors", str(errors))
    assert Case.objects.count() == 0
    assert len(errors.read_text(encoding="utf-8-sig").splitlines()) == 4


def test_the_same_file_again_changes_nothing(land):
    cases_import(land, partial=True)
    stamps = list(Case.objects.order_by("pk").values_list("updated_at", flat=True))
    _plan, again = cases_import(land, partial=True)
    assert (again.created, again.updated, again.unchanged, again.refused) == (0, 0, 6, 2)
    assert list(Case.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps
    assert CandidateInfector.objects.count() == 3


# --- sources not listed, possible infectors ---------------------------------------------------

def test_an_infector_not_listed_is_kept_shown_apart_and_linked_when_imported(land, tmp_path):
    cases_import(land, partial=True)
    p1, p4, p8 = (Case.objects.get(external_id=e) for e in ("P1", "P4", "P8"))
    assert (p4.source_case, p4.source_external_id) == (None, "X7")
    found = scope_chains.area_chains()
    data = scope_chains.as_dict(found)
    waiting = {(c["case"], c["external_id"], c["source_external_id"])
               for c in data["source_not_listed"]}
    assert waiting == {(p4.pk, "P4", "X7"), (p8.pk, "P8", "X7")}
    assert p1.pk in data["without_source"] and p4.pk not in data["without_source"]
    out, _err = command("chains")
    assert f"#{p4.pk} (P4) <- X7" in out and "2 cases whose source is not listed" in out

    later = write(tmp_path / "later.csv", "case_id,sex,dt_onset,dt_report,outcome,context,"
                  "dt_exposure,infector\nX7,female,2024-02-27,2024-03-01,Recover,,,\n")
    _plan, result = cases_import(land, later)
    assert result.created == 1
    x7 = Case.objects.get(external_id="X7")
    for case in (p4, p8):
        case.refresh_from_db()
        assert (case.source_case, case.source_external_id) == (x7, "")
    assert scope_chains.as_dict(scope_chains.area_chains())["source_not_listed"] == []


def test_three_possible_infectors_are_kept_the_first_most_likely(land):
    cases_import(land, partial=True)
    p1, p2, p3 = (Case.objects.get(external_id=e) for e in ("P1", "P2", "P3"))
    assert p3.source_case == p1  # the chains follow the most likely
    assert list(p3.candidate_infectors.values_list("external_id", "infector", "most_likely")) \
        == [("P1", p1.pk, True), ("P2", p2.pk, False), ("X9", None, False)]


def test_the_case_page_shows_the_other_possible_infectors_and_the_unlisted_source(land, client):
    cases_import(land, partial=True)
    client.force_login(land.tracer)
    p3, p4 = (Case.objects.get(external_id=e) for e in ("P3", "P4"))
    page = client.get(f"/cases/{p3.pk}/").content.decode()
    assert "Possible infectors" in page and "X9" in page and "most likely" in page
    page = client.get(f"/cases/{p4.pk}/").content.decode()
    assert "X7" in page and "source not listed" in page and "No known source" not in page


LINKS_CASES = ("case_id,sex,dt_onset,dt_report,outcome,context,dt_exposure,infector\n"
               + "".join(f"{e},male,2024-03-0{i},2024-03-0{i + 2},,,,\n"
                         for i, e in enumerate(("T1", "T2", "T3", "T4"), start=1)))


def test_a_transmission_list_with_absent_infectors_and_three_infectors(land, tmp_path):
    cases_import(land, write(tmp_path / "t.csv", LINKS_CASES))
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="links",
                               path=DATA / "transmission.csv")
    t2, t3, t4 = (Case.objects.get(external_id=e) for e in ("T2", "T3", "T4"))
    assert t3.source_external_id == "Z1" and t3.source_case is None
    assert t4.source_case == t2
    assert list(t4.candidate_infectors.values_list("external_id", "most_likely")) == [
        ("T2", True), ("Z2", False), ("T3", False)]
    # Once more: nothing changes.
    _plan, again = run_import(actor=Actor.of(land.tracer), kind="links",
                              path=DATA / "transmission.csv")
    assert again.created == again.updated == 0


def test_a_most_likely_column_says_which_infector_the_chains_follow(land, tmp_path):
    cases_import(land, write(tmp_path / "t.csv", LINKS_CASES))
    links = write(tmp_path / "l.csv", "from,to,most_likely\nT1,T4,\nT3,T4,yes\nT2,T4,no\n")
    run_import(actor=Actor.of(land.tracer), kind="links", path=links)
    t3, t4 = (Case.objects.get(external_id=e) for e in ("T3", "T4"))
    assert t4.source_case == t3
    assert [e for e, likely in t4.candidate_infectors.values_list("external_id", "most_likely")
            if likely] == ["T3"]


def test_an_unknown_infectee_names_the_line_list_not_the_cases_first(land, tmp_path):
    links = write(tmp_path / "l.csv", "from,to\nA,B\n")
    plan = plan_import(actor=Actor.of(land.tracer), kind="links", path=links)
    [error] = plan.errors
    assert error.field == "to" and "import the line list first" in error.message


# --- guessing, people, roles ------------------------------------------------------------------

def test_common_headers_are_guessed_and_a_bare_id_is_the_case_id(land):
    assert guess_mapping("links", ["from", "to", "date"]) == {
        "from": "infector", "to": "infectee", "date": "date"}
    assert guess_mapping("links", ["infector", "infectee"]) == {
        "infector": "infector", "infectee": "infectee"}
    assert guess_mapping("links", ["source", "target"]) == {
        "source": "infector", "target": "infectee"}
    guessed = guess_mapping("cases", ["id", "date_of_onset", "gender", "dt_onset"])
    assert guessed == {"id": "external_id", "date_of_onset": "onset_date", "gender": "sex"}
    assert guess_mapping("cases", ["case_id", "sex", "dt_onset"]) == {
        "case_id": "external_id", "sex": "sex", "dt_onset": "onset_date"}


def test_deduplication_leaves_people_without_a_name_alone(land):
    from outbreakhq.core import dedup
    from tests.factories import make_user
    cases_import(land, partial=True)
    admin = make_user("admin", land.region)
    nameless = set(Person.objects.filter(name="").values_list("pk", flat=True))
    assert len(nameless) == 6
    assert not nameless & set(dedup.scoped_people(Actor.of(admin)).values_list("pk", flat=True))


def test_role_grant_list_revoke_are_audited(land):
    from django.contrib.auth import get_user_model
    boss = get_user_model().objects.create_superuser("boss", password="x-long-password-1")
    out, _err = command("role", "grant", "boss", "admin", land.region.code)
    assert "now holds admin" in out
    assert "boss" in command("role", "list", "boss")[0]
    event = AuditEvent.objects.get(object_type="assignment", action="create")
    assert event.detail["user"] == "boss" and event.detail["role"] == "admin"
    command("role", "revoke", "boss", "admin", land.region.code)
    assert AuditEvent.objects.filter(object_type="assignment", action="delete").count() == 1
    assert not boss.assignments.exists()
    with pytest.raises(CommandError):
        command("role", "grant", "boss", "admin", "nowhere")


def test_an_account_without_a_role_is_told_so(land):
    from django.contrib.auth import get_user_model

    from outbreakhq.core.errors import NotPermitted
    boss = get_user_model().objects.create_superuser("boss", password="x-long-password-1")
    with pytest.raises(NotPermitted) as refused:
        cases_import(type("L", (), {"tracer": boss, "compound1": land.compound1}))
    assert "holds no role" in str(refused.value.message)
    assert AuditEvent.objects.filter(action="denied", object_type="cases_import").exists()


def test_the_error_file_of_a_background_job_carries_values(land):
    from outbreakhq.interop.errorfile import csv_text
    plan = plan_import(actor=Actor.of(land.tracer), kind="cases", path=LINE_LIST,
                       mapping=json.loads(MAPPING.read_text()), area=land.compound1)
    text = csv_text(plan, plan.errors)
    assert text.startswith("\ufeffrow,column,value,reason") and "2024-03-14" in text
    assert Exposure.objects.count() == 0


def test_the_api_imports_the_rows_that_pass_and_lists_the_others(land, client):
    client.force_login(land.tracer)
    with LINE_LIST.open("rb") as handle:
        response = client.post("/api/v1/imports/cases", {
            "file": handle, "mapping": MAPPING.read_text(), "area": land.compound1.code,
            "partial": "true"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert (body["created"], body["refused"], body["error_count"]) == (6, 2, 3)
    assert body["errors"][0] == {"row": 6, "field": "dt_onset", "value": "2024-03-09",
                                 "message": body["errors"][0]["message"]}


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_a_large_partial_import_by_the_worker_leaves_its_error_file(client, tmp_path, settings,
                                                                    monkeypatch):
    from tests.factories import PASSWORD
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr("outbreakhq.interop.jobs.IMPORT_IN_BACKGROUND_ABOVE", 2)
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    with LINE_LIST.open("rb") as handle:
        review = client.post("/import/", {"kind": "cases", "file": handle})["Location"]
    columns = ["external_id", "sex", "onset_date", "report_date", "outcome", "exposure_type",
               "exposure_date", "source_case"]
    form = {f"column_{i}": key for i, key in enumerate(columns)} | {
        "column_3_also": "sampling_date", "partial": "1", "confirm": "1",
        "constants": f"classification = confirmed\ndetection_route = clinic\n"
                     f"home_area = {land.compound1.code}",
        "values": "outcome: Recover = recovered\noutcome: Alive = active\noutcome: Dead = died\n"
                  "exposure_type: funeral = other\nexposure_type: Hospital room = health_care\n"
                  "exposure_type: Emergency room = health_care\nexposure_type: family = household"}
    client.post(review, form)
    assert Case.objects.count() == 0
    call_command("db_worker", "--batch", verbosity=0)
    assert Case.objects.count() == 6
    page = client.get(review).content.decode()
    assert "6 created, 0 updated, 0 unchanged, 0 held, 2 refused" in page
    token = review.rstrip("/").rsplit("/", 1)[-1]
    errors = client.get(f"/import/{token}/errors.csv")
    assert errors.status_code == 200 and b"2024-03-09" in errors.content


def test_a_contact_of_a_refused_close_contact_is_held(land, tmp_path):
    from outbreakhq.tracing.models import Contact
    cases_import(land, partial=True)
    day = "2024-03-05"
    home = land.compound1.code
    contacts = write(tmp_path / "k.csv",
                     "external_id,name,home_area,source_case,source_contact,contact_type,"
                     "last_exposure\n"
                     f"K1,Ann,{home},P1,,household,2999-01-01\n"
                     f"K2,Bob,{home},,K1,household,{day}\n"
                     f"K3,Cy,{home},P2,,household,{day}\n")
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="contacts", path=contacts,
                               partial=True)
    assert (result.created, result.held, result.refused) == (1, 1, 1)
    assert list(Contact.objects.values_list("external_id", flat=True)) == ["K3"]


def test_an_export_names_the_source_not_listed_so_it_survives_a_round_trip(land):
    from outbreakhq.tracing import exporting
    cases_import(land, partial=True)
    export, _count = exporting.start_export(actor=Actor.of(land.tracer), kind="cases",
                                            fmt="csv", within=None, filters={})
    lines = "".join(exporting.csv_lines(export.layout, export.tuples())).splitlines()
    header = next(csv.reader([lines[0].lstrip("\ufeff")]))
    rows = {r[header.index("external_id")]: r for r in csv.reader(lines[1:])}
    assert rows["P4"][header.index("source_case")] == "X7"
    assert rows["P2"][header.index("source_case")] == "P1"


def test_a_row_refused_while_writing_is_refused_and_the_rest_written_again(land, monkeypatch):
    from outbreakhq.core.errors import FieldError, InvalidInput
    from outbreakhq.tracing.importer import write
    rule = write.rules.new_person_values

    def refusing(data, **options):
        if data.get("sex") == "F":  # as if the rules of register_person refused them
            raise InvalidInput("no", [FieldError("sex", "refused here")])
        return rule(data, **options)

    monkeypatch.setattr(write.rules, "new_person_values", refusing)
    _plan, result = cases_import(land, partial=True)
    assert (result.created, result.refused) == (2, 6)
    assert sorted(Case.objects.values_list("external_id", flat=True)) == ["P1", "P4"]
    assert {e.row for e in result.errors} == {3, 4, 6, 7, 8, 9}
