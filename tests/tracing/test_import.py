"""Importing line lists: chains from a links file, idempotence, people matched by document, and
every kind of bad input named by row and column with nothing written."""

from __future__ import annotations

import csv
from datetime import date, timedelta
from pathlib import Path

import pytest

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.interop.pipeline import plan_import, run_import
from outbreakhq.tracing.fields import today
from outbreakhq.tracing.models import Case, Contact, Exposure
from tests.factories import make_person, resident_id
from tests.tracing.conftest import tracer_land  # noqa: F401  (imported from here by other tests)

pytestmark = pytest.mark.django_db

CASE_HEADER = ["病例编号", "姓名", "性别", "证件号码", "现住址区划", "分类", "发病日期", "报告日期",
               "发现途径", "传染源编号"]
LINK_HEADER = ["传染源编号", "被感染者编号", "暴露类型", "暴露日期"]
CONTACT_HEADER = ["密接编号", "姓名", "证件号码", "现住址区划", "关联病例编号", "接触方式",
                  "末次接触日期"]


def ago(days: int) -> date:
    return today() - timedelta(days=days)


def cn(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def slash(day: date) -> str:
    return f"{day.year}/{day.month}/{day.day}"


def write_csv(path: Path, header: list[str], rows: list[list], *, bom: bool = True,
              delimiter: str = ",") -> Path:
    with path.open("w", encoding="utf-8-sig" if bom else "utf-8", newline="") as out:
        writer = csv.writer(out, delimiter=delimiter)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def ids(n: int) -> list[str]:
    return [resident_id(date(1985, 3, 1 + i), 100 + i) for i in range(n)]


def case_rows(land, numbers: list[str]) -> list[list]:
    home = land.compound1.code
    return [
        ["C1", "Wang Fang", "女", numbers[0], home, "确诊", cn(ago(6)), slash(ago(4)), "发热门诊",
         ""],
        ["C2", "Li Lei", "男", numbers[1], home, "无症状感染者", "", ago(3).isoformat(), "密接追踪",
         ""],
        ["C3", "Zhao Min", "M", numbers[2], home, "confirmed", slash(ago(3)), slash(ago(2)),
         "community screening", "C2"],
    ]


def import_file(land, kind: str, path: Path, **options):
    return run_import(actor=Actor.of(land.tracer), kind=kind, path=path, **options)


def counts() -> tuple[int, ...]:
    return (Case.objects.count(), Contact.objects.count(), Person.objects.count(),
            Exposure.objects.count(), Case.objects.filter(source_case__isnull=False).count())


def test_line_list_with_links_imports_into_chains(land, tmp_path):
    numbers = ids(3)
    cases = write_csv(tmp_path / "cases.csv", CASE_HEADER, case_rows(land, numbers))
    _plan, result = import_file(land, "cases", cases)
    assert (result.created, result.updated, result.unchanged) == (3, 0, 0)
    c1, c2, c3 = (Case.objects.get(external_id=e) for e in ("C1", "C2", "C3"))
    assert c1.classification == "confirmed" and c2.classification == "asymptomatic"
    assert c1.onset_date == ago(6) and c1.report_date == ago(4) and c1.detection_route == "clinic"
    assert c3.source_case == c2  # the source column of the case file

    links = write_csv(tmp_path / "links.csv", LINK_HEADER, [["C1", "C2", "家庭", slash(ago(5))]])
    _plan, result = import_file(land, "links", links)
    assert (result.created, result.updated, result.unchanged) == (1, 0, 0)
    c2.refresh_from_db()
    assert c2.source_case == c1
    assert list(Exposure.objects.filter(case=c2).values_list("setting", "date")) == [
        ("household", ago(5))]
    assert AuditEvent.objects.filter(object_type="links_import", action="create").count() == 1


def test_reimporting_the_same_files_changes_nothing(land, tmp_path):
    numbers = ids(3)
    cases = write_csv(tmp_path / "cases.csv", CASE_HEADER, case_rows(land, numbers))
    links = write_csv(tmp_path / "links.csv", LINK_HEADER, [["C1", "C2", "家庭", slash(ago(5))]])
    import_file(land, "cases", cases)
    import_file(land, "links", links)
    before = counts()
    stamps = list(Case.objects.order_by("pk").values_list("updated_at", flat=True))

    _plan, again = import_file(land, "cases", cases)
    _plan, links_again = import_file(land, "links", links)

    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    assert (links_again.created, links_again.updated, links_again.unchanged) == (0, 0, 1)
    assert counts() == before
    assert list(Case.objects.order_by("pk").values_list("updated_at", flat=True)) == stamps


def test_a_changed_row_updates_only_its_case(land, tmp_path):
    numbers = ids(3)
    rows = case_rows(land, numbers)
    import_file(land, "cases", write_csv(tmp_path / "a.csv", CASE_HEADER, rows))
    rows[1][5] = "确诊"  # C2 turns out to be confirmed
    plan, result = import_file(land, "cases", write_csv(tmp_path / "b.csv", CASE_HEADER, rows))
    assert (result.created, result.updated, result.unchanged) == (0, 1, 2)
    assert plan.rows[1].changes == ["classification"]
    assert Case.objects.get(external_id="C2").classification == "confirmed"


def test_people_are_matched_by_document_number_not_registered_twice(land, tmp_path):
    numbers = ids(3)
    known = make_person(land.compound1, name="Wang Fang", id_number=numbers[0])
    plan, result = import_file(land, "cases", write_csv(
        tmp_path / "cases.csv", CASE_HEADER, case_rows(land, numbers)))
    assert (result.people_matched, result.people_registered) == (1, 2)
    assert Case.objects.get(external_id="C1").person == known
    assert Person.objects.filter(id_number=numbers[0]).count() == 1


def test_contacts_import_registers_people_and_links_them_to_their_case(land, tmp_path):
    numbers = ids(5)
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, numbers)))
    home = land.compound1.code
    contacts = write_csv(tmp_path / "k.csv", CONTACT_HEADER, [
        ["K1", "Sun Li", numbers[3], home, "C1", "家庭", cn(ago(4))],
        ["K2", "Qian Yu", numbers[4], home, "C1", "同事", slash(ago(5))],
        ["K3", "Li Lei", numbers[1], home, "C1", "同楼", slash(ago(5))],  # C2's person
    ])
    _plan, result = import_file(land, "contacts", contacts)
    assert (result.created, result.people_registered, result.people_matched) == (3, 2, 1)
    k3 = Contact.objects.get(external_id="K3")
    assert k3.person == Case.objects.get(external_id="C2").person
    assert k3.source_case.external_id == "C1" and k3.contact_type == "same_building"
    _plan, again = import_file(land, "contacts", contacts)
    assert (again.created, again.unchanged) == (0, 3)


# Bad input: the row and the column named, nothing written ---------------------------------

def refused(land, kind: str, path: Path, **options) -> list[tuple[int, str, str]]:
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        import_file(land, kind, path, **options)
    assert counts() == before, "a refused batch must write nothing"
    return [(e.row, e.field, str(e.message)) for e in exc.value.errors]


def test_unknown_source_case_names_row_and_column(land, tmp_path):
    numbers = ids(2)
    path = write_csv(tmp_path / "k.csv", CONTACT_HEADER, [
        ["K1", "Sun Li", numbers[0], land.compound1.code, "C404", "家庭", cn(ago(2))]])
    [(row, column, message)] = refused(land, "contacts", path)
    assert (row, column) == (2, "关联病例编号") and "C404" in message


def test_exposure_after_report_date_is_refused_in_links_and_contacts(land, tmp_path):
    numbers = ids(4)
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, numbers)))
    links = write_csv(tmp_path / "l.csv", LINK_HEADER, [["C1", "C2", "家庭", slash(ago(1))]])
    [(row, column, message)] = refused(land, "links", links)
    assert (row, column) == (2, "暴露日期") and "after the report date" in message
    contacts = write_csv(tmp_path / "k.csv", CONTACT_HEADER, [
        ["K1", "Sun Li", numbers[3], land.compound1.code, "C1", "家庭", cn(ago(1))]])
    [(row, column, message)] = refused(land, "contacts", contacts)
    assert (row, column) == (2, "末次接触日期") and "after the report date" in message


def test_a_contact_who_is_the_case_itself_is_refused(land, tmp_path):
    numbers = ids(3)
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, numbers)))
    path = write_csv(tmp_path / "k.csv", CONTACT_HEADER, [
        ["K1", "Wang Fang", numbers[0], land.compound1.code, "C1", "家庭", cn(ago(4))]])
    [(row, column, message)] = refused(land, "contacts", path)
    assert (row, column) == (2, "证件号码") and "own contact" in message


def test_a_link_that_would_make_a_cycle_is_refused_naming_the_row(land, tmp_path):
    numbers = ids(3)
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, numbers)))  # C2 -> C3 stored
    path = write_csv(tmp_path / "l.csv", LINK_HEADER, [
        ["C1", "C2", "", ""],
        ["C3", "C1", "", ""],  # C3 -> C1 -> C2 -> C3: a loop
    ])
    [(row, column, message)] = refused(land, "links", path)
    assert (row, column) == (3, "传染源编号") and "cycle" in message


def test_a_wrong_header_lists_missing_and_unknown_columns(land, tmp_path):
    header = ["病例编号", "姓名", "分类", "发现途径", "Ward", "Bed"]  # no report date
    path = write_csv(tmp_path / "c.csv", header, [["C1", "A", "确诊", "门诊", "3", "12"]])
    problems = refused(land, "cases", path)
    assert {(r, c) for r, c, _m in problems} == {(1, "Ward"), (1, "Bed"), (1, "Report date")}
    assert all("unknown column" in m for r, c, m in problems if c in ("Ward", "Bed"))


def test_every_bad_row_is_listed_not_only_the_first(land, tmp_path):
    numbers = ids(3)
    rows = case_rows(land, numbers)
    rows[0][5] = "maybe"  # classification
    rows[1][7] = "2022/13/45"  # report date
    rows[2][4] = "000000"  # home area
    problems = refused(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER, rows))
    assert [(r, c) for r, c, _m in problems] == [(2, "分类"), (3, "报告日期"), (4, "现住址区划")]


def test_a_row_outside_the_tracers_county_is_refused(land, tmp_path):
    numbers = ids(3)
    rows = case_rows(land, numbers)
    rows[2][4] = land.compound2.code
    problems = refused(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER, rows))
    assert [(r, c) for r, c, _m in problems] == [(4, "现住址区划")]


def test_the_preview_writes_nothing_and_shows_rows_as_they_will_be_stored(land, tmp_path):
    numbers = ids(3)
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, numbers), bom=False,
                     delimiter=";")
    before = counts()
    plan = plan_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert counts() == before and plan.ok
    assert plan.counts == {"create": 3, "update": 0, "unchanged": 0}
    assert plan.preview[0].values["classification"] == "confirmed"
    assert plan.preview[0].values["sex"] == "F"


def test_a_person_already_a_contact_of_the_case_is_refused_before_anything_is_written(
        land, tmp_path):
    numbers = ids(5)
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, numbers)))
    home = land.compound1.code
    first = write_csv(tmp_path / "k1.csv", CONTACT_HEADER, [
        ["K1", "Sun Li", numbers[3], home, "C1", "家庭", cn(ago(4))]])
    import_file(land, "contacts", first)
    again = write_csv(tmp_path / "k2.csv", CONTACT_HEADER, [
        ["K9", "Sun Li", numbers[3], home, "C1", "家庭", cn(ago(4))],  # K1 under a new id
        ["K10", "Qian Yu", numbers[4], home, "C1", "家庭", cn(ago(4))],
        ["K11", "Qian Yu", numbers[4], home, "C1", "同事", cn(ago(5))],  # twice in one file
    ])
    problems = refused(land, "contacts", again)
    assert [(r, c) for r, c, _m in problems] == [(2, "姓名"), (4, "姓名")]
    assert "K1" in problems[0][2] and "row 3" in problems[1][2]


def test_a_corrected_last_exposure_updates_the_contact_and_its_follow_up(land, tmp_path):
    numbers = ids(4)
    import_file(land, "cases", write_csv(tmp_path / "c.csv", CASE_HEADER,
                                         case_rows(land, numbers)))
    row = ["K1", "Sun Li", numbers[3], land.compound1.code, "C1", "家庭", cn(ago(4))]
    import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [row]))
    window = Contact.objects.values_list("followup_end", flat=True).get()
    row[6] = cn(ago(5))
    plan, result = import_file(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER,
                                                           [row]))
    assert (result.updated, plan.rows[0].changes) == (1, ["last_exposure"])
    contact = Contact.objects.get()
    assert contact.last_exposure == ago(5) and contact.followup_end == window - timedelta(1)
    row[4] = "C2"  # another source: another contact, not a correction
    problems = refused(land, "contacts", write_csv(tmp_path / "k.csv", CONTACT_HEADER, [row]))
    assert [(r, c) for r, c, _m in problems] == [(2, "密接编号")]


def test_a_value_under_no_header_is_refused_and_blank_columns_are_not(land, tmp_path):
    numbers = ids(3)
    rows = [row + [""] for row in case_rows(land, numbers)]
    rows[1] += ["stray note"]  # column L, past the header's last column
    path = write_csv(tmp_path / "c.csv", CASE_HEADER + [""], rows)
    [(row, column, message)] = refused(land, "cases", path)
    assert (row, column) == (3, "L") and "no header" in message


def test_a_clash_with_a_concurrent_writer_rolls_back_and_says_so(land, tmp_path, monkeypatch):
    from django.db import IntegrityError

    from outbreakhq.tracing.importer import write as importing_write

    def clash(**kwargs):
        Case.objects.update(notes="half-written")  # rolled back with the batch
        raise IntegrityError("duplicate key value violates unique constraint case_external_id")

    monkeypatch.setattr(importing_write, "write_plan", clash)
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    before = counts()
    with pytest.raises(InvalidInput, match="written meanwhile"):
        import_file(land, "cases", path)
    assert counts() == before
