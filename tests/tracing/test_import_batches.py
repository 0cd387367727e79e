"""A large import on SQLite is written in short transactions (issue 15): the same records as one
transaction, links between rows of different batches, a person the file registers once, a
close contact stored by an earlier batch; a file with a wrong row writes nothing; each batch
leaves its audit event. BATCH_ROWS is made small here so that a few rows make several batches."""

from __future__ import annotations

import pytest
from django.db import connection

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.interop import pipeline
from outbreakhq.interop.pipeline import run_import
from outbreakhq.tracing.models import CandidateInfector, Case, Contact
from tests.factories import make_user, resident_id, territory
from tests.tracing.test_import import ago, write_csv

pytestmark = pytest.mark.django_db

HEADER = ["external_id", "name", "id_number", "home_area", "classification", "report_date",
          "detection_route", "source_case"]
CONTACTS = ["external_id", "name", "id_number", "home_area", "source_case", "source_contact",
            "category", "contact_type", "last_exposure"]


def number(i: int) -> str:
    from datetime import date

    return resident_id(date(1980, 1, 1 + i % 28), 100 + i)


@pytest.fixture
def land(db, monkeypatch):
    monkeypatch.setattr(pipeline, "BATCH_ROWS", 3)
    land = territory()
    land.tracer = make_user("tracer", land.county1, username="tina")
    return land


def cases_file(land, tmp_path, *, wrong: bool = False):
    """Ten cases, each the previous one's source except C0 and C5; C9 (in the last batch, from
    C6) infected C1 (in the first); C7 names C2 (stored by then) or C8 (same batch) or X1 as its
    possible infectors; C4 and C6 are one person (one document)."""
    home = land.compound1.code
    rows = []
    for i in range(10):
        source = "" if i in (0, 5) else f"C{i - 1}"
        rows.append([f"C{i}", f"Person {i}", number(6 if i == 4 else i), home, "confirmed",
                     ago(1).isoformat(), "clinic", source])
    rows[1][7] = "C9"
    rows[9][7] = "C6"
    rows[7][7] = "C2; C8; X1"
    if wrong:
        rows[8][4] = "maybe"
    return write_csv(tmp_path / "cases.csv", HEADER, rows)


def test_a_file_in_batches_writes_what_one_transaction_would(land, tmp_path):
    path = cases_file(land, tmp_path)
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert (result.created, result.updated, result.refused) == (10, 0, 0)
    sources = dict(Case.objects.values_list("external_id", "source_case__external_id"))
    assert sources == {"C0": None, "C1": "C9", "C2": "C1", "C3": "C2", "C4": "C3", "C5": None,
                       "C6": "C5", "C7": "C2", "C8": "C7", "C9": "C6"}
    assert not Case.objects.exclude(source_external_id="").exists()  # every link resolved
    assert Person.objects.count() == 9  # C4 and C6: one person
    assert list(CandidateInfector.objects.filter(case__external_id="C7").order_by("position")
                .values_list("external_id", "infector__external_id")) == \
        [("C2", "C2"), ("C8", "C8"), ("X1", None)]
    events = AuditEvent.objects.filter(object_type="cases_import")
    # C0-C2, C3-C6 (C6 goes with C4, its person's first row), C7-C9.
    batches = 3 if connection.vendor == "sqlite" else 1
    assert events.count() == batches
    if batches > 1:
        assert sorted(e.detail["batch"] for e in events) == [1, 2, 3]
    # A second run finds every row: nothing created, nothing changed.
    _plan, again = run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 10)


def test_a_file_with_one_wrong_row_writes_no_batch(land, tmp_path):
    with pytest.raises(InvalidInput) as refused:
        run_import(actor=Actor.of(land.tracer), kind="cases",
                   path=cases_file(land, tmp_path, wrong=True))
    assert [e.row for e in refused.value.errors] == [10]
    assert not Case.objects.exists() and not Person.objects.exists()


def test_a_partial_run_in_batches_holds_and_refuses_as_in_one(land, tmp_path):
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="cases", partial=True,
                               path=cases_file(land, tmp_path, wrong=True))
    assert (result.created, result.refused) == (9, 1)
    assert not Case.objects.filter(external_id="C8").exists()
    assert Case.objects.get(external_id="C9").source_case.external_id == "C6"


def test_contacts_of_close_contacts_find_their_close_contact_of_an_earlier_batch(land,
                                                                                 tmp_path):
    run_import(actor=Actor.of(land.tracer), kind="cases", path=cases_file(land, tmp_path))
    home, day = land.compound1.code, ago(1).isoformat()
    rows = [[f"S{i}", f"Second {i}", number(40 + i), home, "", f"K{i}", "secondary_contact",
             "household", day] for i in range(4)]  # listed first in the file
    rows += [[f"K{i}", f"Close {i}", number(50 + i), home, f"C{i}", "", "close_contact",
              "household", day] for i in range(4)]
    path = write_csv(tmp_path / "contacts.csv", CONTACTS, rows)
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="contacts", path=path)
    assert result.created == 8
    assert dict(Contact.objects.filter(external_id__startswith="S").values_list(
        "external_id", "source_contact__external_id")) == {f"S{i}": f"K{i}" for i in range(4)}


@pytest.mark.sqlite  # one transaction on PostgreSQL
def test_a_run_stopped_at_a_later_batch_keeps_the_earlier_ones_and_a_rerun_resumes(
        land, tmp_path, monkeypatch):
    from outbreakhq.tracing.importer import write

    real, calls = write.write_plan, []

    def refuse_the_second(**commit):
        calls.append(1)
        if len(calls) == 2:  # as a record changed by someone else since the plan would
            raise InvalidInput("refused", [])
        return real(**commit)

    path = cases_file(land, tmp_path)
    monkeypatch.setattr(write, "write_plan", refuse_the_second)
    with pytest.raises(InvalidInput) as stopped:
        run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert "Stopped at batch 2 of 3" in str(stopped.value.message)
    assert sorted(Case.objects.values_list("external_id", flat=True)) == ["C0", "C1", "C2"]
    monkeypatch.setattr(write, "write_plan", real)
    _plan, again = run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    # C1 waited for C9 (a later batch) as its unresolved source: linked now.
    assert (again.created, again.updated, again.unchanged) == (7, 1, 2)
    assert Case.objects.count() == 10 and Person.objects.count() == 9
    assert Case.objects.get(external_id="C1").source_case.external_id == "C9"  # resolved
