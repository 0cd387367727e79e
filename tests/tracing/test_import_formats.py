"""File formats, value normalisation, mappings and the import command."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.interop.mappings import resolve_mapping, save_mapping
from outbreakhq.interop.pipeline import run_import
from outbreakhq.interop.values import to_choice, to_date
from outbreakhq.tracing.importer.synonyms import synonyms
from outbreakhq.tracing.models import Case
from tests.tracing.test_import import (
    CASE_HEADER,
    ago,
    case_rows,
    counts,
    ids,
    write_csv,
)


@pytest.mark.parametrize("text", ["2022-08-15", "2022/8/15", "2022.8.15", "2022年8月15日",
                                  "2022 年 8 月 15 日", "20220815", "２０２２/８/１５",
                                  "2022/08/15 00:00"])
def test_dates_in_iso_and_common_chinese_shapes(text):
    assert to_date(text) == date(2022, 8, 15)


def test_spreadsheet_dates_and_impossible_days():
    assert to_date(datetime(2022, 8, 15, 9, 30)) == date(2022, 8, 15)
    with pytest.raises(ValueError, match="not a day"):
        to_date("2022/2/30")
    with pytest.raises(ValueError, match="not a date"):
        to_date("15/08/2022")


@pytest.mark.parametrize(("kind", "word", "value"), [
    ("classification", "确诊", "confirmed"), ("classification", "无症状", "asymptomatic"),
    ("classification", "无症状感染者", "asymptomatic"), ("classification", "疑似病例", "suspected"),
    ("classification", "Confirmed case", "confirmed"), ("classification", "排除", "discarded"),
    ("detection_route", "发热门诊", "clinic"),
    ("detection_route", "集中隔离", "quarantine_testing"),
    ("detection_route", "Community screening", "community_screening"),
    ("category", "次密接", "secondary_contact"), ("category", "CLOSE-CONTACT", "close_contact"),
    ("contact_type", "同住", "household"), ("severity", "重型", "severe"), ("sex", "女", "F"),
    ("outcome", "治愈出院", "recovered"), ("id_type", "居民身份证", "cn_resident"),
])
def test_synonyms_in_chinese_and_english(kind, word, value):
    assert to_choice(kind, word, synonyms()[kind]) == value


def test_an_unknown_word_lists_the_known_values():
    with pytest.raises(ValueError, match="confirmed"):
        to_choice("classification", "maybe", synonyms()["classification"])


def test_xlsx_with_a_formula_is_refused_naming_row_and_column(land, tmp_path):
    numbers = ids(3)
    book = Workbook()
    sheet = book.active
    sheet.append(CASE_HEADER)
    for row in case_rows(land, numbers):
        sheet.append(row)
    sheet["H3"] = "=H2+1"  # row 3's report date, computed
    path = tmp_path / "cases.xlsx"
    book.save(path)
    before = counts()
    with pytest.raises(InvalidInput) as exc:
        run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    [error] = exc.value.errors
    assert (error.row, error.field) == (3, "报告日期") and "formula" in error.message
    assert counts() == before


def test_xlsx_without_formulas_imports_with_spreadsheet_dates(land, tmp_path):
    numbers = ids(3)
    book = Workbook()
    sheet = book.active
    sheet.append(CASE_HEADER)
    for row in case_rows(land, numbers):
        row[7] = datetime.combine(ago(2), datetime.min.time())
        sheet.append(row)
    path = tmp_path / "cases.xlsx"
    book.save(path)
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert result.created == 3 and Case.objects.get(external_id="C1").report_date == ago(2)


def test_an_id_number_stored_as_a_number_is_refused(land, tmp_path):
    numbers = ids(3)
    rows = case_rows(land, numbers)
    book = Workbook()
    sheet = book.active
    sheet.append(CASE_HEADER)
    rows[0][3] = float(numbers[0][:17] + "1")
    for row in rows:
        sheet.append(row)
    book.save(tmp_path / "c.xlsx")
    with pytest.raises(InvalidInput) as exc:
        run_import(actor=Actor.of(land.tracer), kind="cases", path=tmp_path / "c.xlsx")
    assert [(e.row, e.field) for e in exc.value.errors] == [(2, "证件号码")]


def test_a_saved_mapping_is_found_by_name_and_used(land, tmp_path):
    header = ["No.", "Patient", "ID", "Area", "Type", "Reported", "Route", "Ward"]
    mapping = {"No.": "external_id", "Patient": "name", "ID": "id_number", "Area": "home_area",
               "Type": "classification", "Reported": "report_date", "Route": "detection_route",
               "Ward": ""}
    save_mapping(actor=Actor.of(land.tracer), name="county list", kind="cases", mapping=mapping,
                 area=land.county1)
    path = write_csv(tmp_path / "c.csv", header, [
        ["X1", "Han Mei", ids(1)[0], land.compound1.code, "确诊", slash_today(), "门诊", "4"]])
    columns = resolve_mapping(land.tracer, "cases", "county list")
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="cases", path=path,
                               mapping=columns)
    assert result.created == 1


def slash_today() -> str:
    day = ago(0)
    return f"{day.year}/{day.month}/{day.day}"


def test_the_import_command_prints_each_bad_row_and_writes_nothing(land, tmp_path, capsys):
    numbers = ids(3)
    rows = case_rows(land, numbers)
    rows[2][5] = "maybe"
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, rows)
    mapping = tmp_path / "map.json"
    fields = ["external_id", "name", "sex", "id_number", "home_area", "classification",
              "onset_date", "report_date", "detection_route", "source_case"]
    columns = dict(zip(CASE_HEADER, fields, strict=True))
    mapping.write_text(json.dumps({"kind": "cases", "columns": columns}, ensure_ascii=False))
    before = counts()
    with pytest.raises(CommandError):
        call_command("import", "cases", str(path), "--mapping", str(mapping), "--user", "tina")
    assert "row 4, 分类: 'maybe' is not a known classification" in capsys.readouterr().err
    assert counts() == before
    rows[2][5] = "确诊"
    write_csv(path, CASE_HEADER, rows)
    call_command("import", "cases", str(path), "--mapping", str(mapping), "--user", "tina",
                 "--dry-run")
    assert counts() == before and "3 to create" in capsys.readouterr().out
    call_command("import", "cases", str(path), "--mapping", str(mapping), "--user", "tina",
                 "--area", land.county1.code)
    assert "3 created, 0 updated, 0 unchanged" in capsys.readouterr().out


def test_a_toml_mapping_file_is_read_and_its_kind_checked(land, tmp_path):
    header = ["编号", "姓名", "证件", "区划", "诊断", "报告", "途径"]
    path = write_csv(tmp_path / "c.csv", header, [
        ["T1", "Han Mei", ids(1)[0], land.compound1.code, "确诊", slash_today(), "门诊"]])
    mapping = tmp_path / "map.toml"
    mapping.write_text('kind = "cases"\n[columns]\n"编号" = "external_id"\n"姓名" = "name"\n'
                       '"证件" = "id_number"\n"区划" = "home_area"\n"诊断" = "classification"\n'
                       '"报告" = "report_date"\n"途径" = "detection_route"\n', encoding="utf-8")
    with pytest.raises(InvalidInput, match="for cases, not contacts"):
        resolve_mapping(land.tracer, "contacts", str(mapping))
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="cases", path=path,
                               mapping=resolve_mapping(land.tracer, "cases", str(mapping)))
    assert result.created == 1


def test_a_nul_character_or_a_giant_cell_is_refused_naming_the_row(land, tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes(",".join(CASE_HEADER).encode() + b"\nC1,A\x00B\n")
    with pytest.raises(InvalidInput) as exc:
        run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert (2, "姓名", "holds a NUL character") in [
        (e.row, e.field, e.message) for e in exc.value.errors]
    path.write_bytes(",".join(CASE_HEADER).encode() + b"\nC1," + b"x" * 200_000 + b"\n")
    with pytest.raises(InvalidInput, match="Line 2 cannot be read as CSV"):
        run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
