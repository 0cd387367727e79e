"""The set-based writer's corrections of stored records, links and exposures (issue 8): the
services' rules and audit, one pass per batch."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import AuditEvent
from outbreakhq.tracing import services
from outbreakhq.tracing.models import Case, Contact, Exposure
from tests.factories import make_person
from tests.tracing.test_import import (
    CASE_HEADER,
    CONTACT_HEADER,
    LINK_HEADER,
    ago,
    cn,
    ids,
    import_file,
    slash,
    write_csv,
)

pytestmark = pytest.mark.django_db


def _cases(land, tmp_path, n: int) -> None:
    rows = [[f"C{i}", f"Case {i}", "女", number, land.compound1.code, "确诊", "",
             ago(3).isoformat(), "发热门诊", ""] for i, number in enumerate(ids(n))]
    import_file(land, "cases", write_csv(tmp_path / f"c{n}.csv", CASE_HEADER, rows))


def _link_queries(land, tmp_path, n: int) -> int:
    pairs = [[f"C{i}", f"C{i + 1}", "家庭", slash(ago(4))] for i in range(n - 1)]
    with CaptureQueriesContext(connection) as queries:
        import_file(land, "links", write_csv(tmp_path / f"l{n}.csv", LINK_HEADER, pairs))
    return len(queries)


def test_a_links_file_is_written_in_a_number_of_queries_that_does_not_grow_with_it(
        land, tmp_path) -> None:
    _cases(land, tmp_path, 12)
    few = _link_queries(land, tmp_path, 4)
    Case.objects.update(source_case=None)
    Exposure.objects.all().delete()
    assert _link_queries(land, tmp_path, 12) <= few + 4  # the plan's chain walk reads a little


def test_each_linked_case_gets_one_change_event_naming_its_source_and_one_for_its_exposure(
        land, tmp_path) -> None:
    _cases(land, tmp_path, 3)
    import_file(land, "links", write_csv(tmp_path / "l.csv", LINK_HEADER, [
        ["C0", "C1", "家庭", slash(ago(4))], ["C1", "C2", "", ""]]))
    changes = AuditEvent.objects.filter(object_type="case", action="change")
    linked = {c.pk: c for c in Case.objects.filter(external_id__in=["C1", "C2"])}
    assert sorted((int(e.object_id), e.detail.get("fields", [e.detail.get("added")]))
                  for e in changes) == sorted([(linked_pk, ["source_case"])
                                               for linked_pk in linked] +
                                              [(Case.objects.get(external_id="C1").pk,
                                                ["exposure"])])
    assert {e.person_id for e in changes} == {c.person_id for c in linked.values()}
    again = AuditEvent.objects.exclude(object_type="links_import").count()
    import_file(land, "links", write_csv(tmp_path / "l.csv", LINK_HEADER, [
        ["C0", "C1", "家庭", slash(ago(4))], ["C1", "C2", "", ""]]))
    assert AuditEvent.objects.exclude(object_type="links_import").count() == again


def test_a_corrected_report_date_rederives_under_control_and_names_only_the_changed_fields(
        land, tmp_path) -> None:
    numbers = ids(2)
    row = ["C1", "Wang Fang", "女", numbers[0], land.compound1.code, "确诊", "",
           ago(20).isoformat(), "发热门诊", ""]
    import_file(land, "cases", write_csv(tmp_path / "a.csv", CASE_HEADER, [row]))
    case = Case.objects.get()
    assert case.under_control_when_found is False
    other = make_person(land.compound1, name="Li Lei")
    first = Case.objects.create(tenant_id=case.tenant_id, area=case.area, person=other,
                                classification="confirmed", report_date=ago(9),
                                detection_route="clinic")
    services.add_contact(actor=Actor.of(land.tracer), case_id=first.pk,
                         person_id=case.person_id,
                         data={"contact_type": "household", "last_exposure": ago(8)})
    row[7], row[5] = ago(2).isoformat(), "无症状感染者"
    stamp = case.updated_at
    import_file(land, "cases", write_csv(tmp_path / "b.csv", CASE_HEADER, [row]))
    case.refresh_from_db()
    assert case.report_date == ago(2) and case.classification == "asymptomatic"
    assert case.under_control_when_found is True and case.updated_at > stamp
    event = AuditEvent.objects.filter(object_type="case", action="change").get()
    assert event.detail == {"fields": ["classification", "report_date"]}
    assert event.person_id == case.person_id


def test_a_corrected_contact_is_audited_with_its_recomputed_follow_up_window(
        land, tmp_path) -> None:
    numbers = ids(2)
    _cases(land, tmp_path, 1)
    row = ["K1", "Sun Li", numbers[1], land.compound1.code, "C0", "家庭", cn(ago(3))]
    import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [row]))
    row[6] = cn(ago(4))
    import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [row]))
    contact = Contact.objects.get()
    assert contact.last_exposure == ago(4)
    event = AuditEvent.objects.filter(object_type="contact", action="change").get()
    assert "last_exposure" in event.detail["fields"]
    assert "followup_end" in event.detail["fields"]
    count = AuditEvent.objects.exclude(object_type__endswith="_import").count()
    import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [row]))
    assert AuditEvent.objects.exclude(object_type__endswith="_import").count() == count
    assert Contact.objects.get().followup_end == contact.followup_end


def test_a_link_closing_a_loop_written_since_the_plan_is_refused_and_nothing_written(
        land, tmp_path) -> None:
    from outbreakhq.core.errors import InvalidInput
    from outbreakhq.interop.pipeline import plan_import, run_import

    _cases(land, tmp_path, 3)
    path = write_csv(tmp_path / "l.csv", LINK_HEADER, [["C2", "C1", "", ""], ["C0", "C2", "", ""]])
    actor = Actor.of(land.tracer)
    plan = plan_import(actor=actor, kind="links", path=path)
    c0, c1 = (Case.objects.get(external_id=e) for e in ("C0", "C1"))
    services.link_source(actor=actor, case_id=c0.pk, source_case_id=c1.pk)  # meanwhile
    events = AuditEvent.objects.count()
    with pytest.raises(InvalidInput) as exc:
        run_import(actor=actor, kind="links", path=path, plan=plan)
    assert [e.row for e in exc.value.errors] == [3]
    assert Case.objects.filter(source_case__isnull=False).count() == 1
    assert AuditEvent.objects.count() == events
