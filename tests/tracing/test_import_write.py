"""The import's set-based writer (issue 8): the services' rules and audit, applied to a whole
batch at once."""

from __future__ import annotations

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Assignment, AuditEvent
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Contact
from tests.factories import make_person, make_user
from tests.tracing.conftest import open_case
from tests.tracing.test_import import (
    CASE_HEADER,
    CONTACT_HEADER,
    ago,
    case_rows,
    ids,
    import_file,
    write_csv,
)

pytestmark = pytest.mark.django_db


def test_a_commit_audits_each_person_and_case_it_creates(land, tmp_path) -> None:
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, ids(3))))
    cases = AuditEvent.objects.filter(object_type="case", action="create")
    assert sorted(int(e.object_id) for e in cases) == sorted(Case.objects.values_list("pk",
                                                                                     flat=True))
    assert {e.person_id for e in cases} == set(Case.objects.values_list("person_id", flat=True))
    people = AuditEvent.objects.filter(object_type="person", action="create")
    assert {e.person_id for e in people} == set(Case.objects.values_list("person_id", flat=True))
    assert {e.area_path for e in cases} == {land.compound1.path}


def test_a_case_of_a_contact_under_follow_up_is_found_under_control(land, tmp_path) -> None:
    source = open_case(land.tracer, make_person(land.compound1))
    traced = make_person(land.compound1, name="Wang Fang")
    services.add_contact(actor=Actor.of(land.tracer), case_id=source.pk, person_id=traced.pk,
                         data={"contact_type": "household", "last_exposure": ago(5)})
    rows = case_rows(land, [traced.id_number, *ids(2)])
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER, rows))
    found = dict(Case.objects.filter(external_id__in=["C1", "C2"]).values_list(
        "external_id", "under_control_when_found"))
    assert found == {"C1": True, "C2": False}


def test_a_contact_of_a_case_the_user_may_see_but_not_trace_is_refused(land, tmp_path) -> None:
    elsewhere = make_user("tracer", land.county2)
    case = open_case(elsewhere, make_person(land.compound2), external_id="FAR1")
    Assignment.objects.create(user=land.tracer, role="commander", area=land.county2)
    rows = [["K1", "Li Lei", ids(1)[0], land.compound1.code, "FAR1", "家庭",
             ago(1).isoformat()]]
    with pytest.raises(InvalidInput) as refused:
        import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, rows))
    assert "you may see FAR1 but not change it" in str(refused.value.errors)
    assert case.pk and not Contact.objects.exists()


def test_a_new_case_may_name_a_stored_case_the_same_file_updates(land, tmp_path) -> None:
    numbers = ids(4)
    rows = case_rows(land, numbers[:3])
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER, rows))
    changed = [*rows[0][:8], "社区筛查", ""]
    new = ["C4", "Sun Li", "女", numbers[3], land.compound1.code, "确诊", "",
           ago(1).isoformat(), "发热门诊", "C1"]
    result = import_file(land, "cases", write_csv(tmp_path / "d.csv", CASE_HEADER,
                                                  [changed, new]))[1]
    assert (result.created, result.updated) == (1, 1)
    assert Case.objects.get(external_id="C4").source_case == Case.objects.get(external_id="C1")


def test_a_resident_id_gives_a_new_person_birth_and_sex_and_refuses_a_contradicting_birth_date(
        land, tmp_path) -> None:
    """The writer does not validate a document a second time (it was, as the file was read),
    but what the number says of birth and sex still applies to each new person."""
    header = [*CASE_HEADER, "出生日期"]
    number = ids(1)[0]  # born 1985-03-01, a man
    rows = [["C1", "Wang Fang", "", number, land.compound1.code, "确诊", "", ago(2).isoformat(),
             "发热门诊", "", ""]]
    import_file(land, "cases", write_csv(tmp_path / "a.csv", header, rows))
    person = Case.objects.get(external_id="C1").person
    assert (person.birth_date.isoformat(), person.sex, person.id_number) == (
        "1985-03-01", "M", number)
    other = ids(2)[1]
    rows = [["C2", "Li Lei", "男", other, land.compound1.code, "确诊", "", ago(2).isoformat(),
             "发热门诊", "", "1990-01-01"]]
    with pytest.raises(InvalidInput) as refused:
        import_file(land, "cases", write_csv(tmp_path / "b.csv", header, rows))
    assert "differs from the birth date in the identity number, 1985-03-02" in str(
        refused.value.errors)
    assert not Case.objects.filter(external_id="C2").exists()


def _commit_statements(land, tmp_path, prefix: str, n: int, born: int) -> list[str]:
    """The statements of the commit alone (the plan made first) of `n` new cases, each the
    source of the next, every person new."""
    from datetime import date

    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from outbreakhq.interop.pipeline import commit_plan, plan_import
    from tests.factories import resident_id

    rows = [[f"{prefix}{i}", f"Case {i}", "女", resident_id(date(born, 1, 1 + i), 200 + i),
             land.compound1.code, "确诊", "", ago(3).isoformat(), "发热门诊",
             f"{prefix}{i - 1}" if i else ""] for i in range(n)]
    path = write_csv(tmp_path / f"{prefix}.csv", CASE_HEADER, rows)
    actor = Actor.of(land.tracer)
    plan = plan_import(actor=actor, kind="cases", path=path)
    with CaptureQueriesContext(connection) as queries:
        commit_plan(actor=actor, plan=plan, name=path.name)
    return [q["sql"] for q in queries.captured_queries]


def test_a_commit_takes_as_many_statements_for_many_rows_as_for_a_few(land, tmp_path) -> None:
    """Issue 14: the checks and the subscribers (audit, zones, daily figures) work a batch at
    a time, set-based; the zones' infection events are inserted from tracing's rows by the
    database, in one statement."""
    from outbreakhq.zones.models import ZoneEvent

    _commit_statements(land, tmp_path, "W", 2, 1960)  # the day's figures exist from here on
    few = _commit_statements(land, tmp_path, "A", 3, 1970)
    many = _commit_statements(land, tmp_path, "B", 20, 1980)
    assert len(many) == len(few) <= 18
    zones = [sql for sql in many if sql.startswith('INSERT INTO "zones_zoneevent"')]
    assert len(zones) == 1 and "SELECT" in zones[0]
    assert ZoneEvent.objects.filter(ref__startswith="case ").count() == 25
