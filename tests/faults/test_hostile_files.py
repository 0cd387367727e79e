"""Hostile files are refused before any work, with a message that says what is wrong (issue 15):
the importer once read a 2.8 MB workbook of 20 million blank rows for five minutes at 2 GB,
and one 1 GiB cell took a worker's memory. Each kind is made here, small on disk."""

from __future__ import annotations

import codecs
import os
import tracemalloc
import zipfile
from pathlib import Path

import pytest
from django.test import override_settings

from outbreakhq.core.errors import InvalidInput
from outbreakhq.interop.read import open_table, read_rows
from tests.faults import hostile

pytestmark = pytest.mark.nodb

CSV_HEADER = "external_id,name\n"


def read_all(path: Path, name: str | None = None) -> list:
    with open_table(path, name=name) as table:
        return list(read_rows(table))


def refused(path: Path, match: str, name: str | None = None, *, measure: bool = False) -> str:
    """The refusal's message; with `measure`, also that refusing took little memory."""
    if measure:
        tracemalloc.start()
    try:
        with pytest.raises(InvalidInput, match=match) as exc:
            read_all(path, name)
        peak = tracemalloc.get_traced_memory()[1] if measure else 0
    finally:
        if measure:
            tracemalloc.stop()
    assert "Nothing was imported" in exc.value.message
    assert peak < 32 * 1024 * 1024, f"{peak / 1e6:.0f} MB held while refusing {path.name}"
    return exc.value.message


def test_a_plain_workbook_and_csv_still_read(tmp_path):
    rows = hostile.HEADER_ROW + '<row r="2">' + hostile.inline("A2", "C1") + \
        hostile.inline("B2", "Li") + "</row>" + '<row r="5"><c r="A5"><v>7</v></c></row>'
    book = hostile.workbook(tmp_path / "ok.xlsx", hostile.sheet_xml(rows, "A1:B5"))
    assert read_all(book) == [(2, ["C1", "Li"]), (5, [7])]
    text = tmp_path / "ok.csv"
    text.write_text(CSV_HEADER + "C1,Li\n\n,\nC2,Wang\n", encoding="utf-8")
    assert read_all(text) == [(2, ["C1", "Li"]), (5, ["C2", "Wang"])]


def test_a_sheet_declaring_20_million_rows_is_refused_unread(tmp_path):
    rows = hostile.HEADER_ROW + '<row r="20000000"><c r="A20000000"><v>1</v></c></row>'
    book = hostile.workbook(tmp_path / "bomb.xlsx", hostile.sheet_xml(rows, "A1:B20000000"))
    assert book.stat().st_size < 4096
    assert "declares 20000000 rows" in refused(book, "declares", measure=True)


def test_blank_rows_without_a_declared_size_are_refused_as_they_stream(tmp_path):
    # The gap alone: openpyxl would have made up every missing row, one by one.
    rows = hostile.HEADER_ROW + '<row r="20000000"><c r="A20000000"><v>1</v></c></row>'
    book = hostile.workbook(tmp_path / "gap.xlsx", hostile.sheet_xml(rows))
    refused(book, "more than 100001 rows, blank ones included", measure=True)
    # Blank rows written out, one element each.
    blank = "".join(f'<row r="{n}"/>' for n in range(2, 120_000))
    book = hostile.workbook(tmp_path / "blank.xlsx", hostile.sheet_xml(hostile.HEADER_ROW + blank))
    refused(book, "blank ones included")


def test_a_csv_of_blank_lines_is_refused(tmp_path):
    path = tmp_path / "blank.csv"
    path.write_text(CSV_HEADER + ",\n" * 120_000, encoding="utf-8")
    refused(path, "blank ones included")


def test_a_1_gib_shared_string_is_refused_before_it_is_unpacked(tmp_path):
    book = hostile.huge_shared_string(tmp_path / "cell.xlsx", 1 << 30)
    assert book.stat().st_size < 2 * 1024 * 1024
    assert "unpack to 1024 MB" in refused(book, "would unpack to", measure=True)


def test_a_long_cell_is_refused_naming_it(tmp_path):
    rows = hostile.HEADER_ROW + '<row r="2">' + hostile.inline("A2", "C1") + \
        hostile.inline("B2", "x" * 20_000) + "</row>"
    book = hostile.workbook(tmp_path / "long.xlsx", hostile.sheet_xml(rows))
    assert "Cell B2 holds 20000 characters" in refused(book, "most a cell may hold is 10000")
    path = tmp_path / "long.csv"
    path.write_text(CSV_HEADER + "C1," + "x" * 20_000 + "\n", encoding="utf-8")
    refused(path, "Cell B2 holds 20000 characters")


def test_too_many_columns_are_refused(tmp_path):
    path = tmp_path / "wide.csv"
    path.write_text(CSV_HEADER + "," * 5000 + "\n", encoding="utf-8")
    refused(path, "5001 columns")
    path.write_text("," * 5_000_000 + "\n", encoding="utf-8")  # a line of commas: never split
    refused(path, "longer than")
    rows = hostile.HEADER_ROW + '<row r="2"><c r="XFD2"><v>1</v></c></row>'
    book = hostile.workbook(tmp_path / "wide.xlsx", hostile.sheet_xml(rows))
    refused(book, "column 16384")
    book = hostile.workbook(tmp_path / "wide2.xlsx", hostile.sheet_xml(rows, "A1:XFD2"))
    refused(book, "declares 16384 columns")


def test_zip_bombs_are_refused(tmp_path):
    # Parts that together unpack past the limit.
    book = tmp_path / "bomb.xlsx"
    hostile.workbook(book, hostile.sheet_xml(hostile.HEADER_ROW))
    with zipfile.ZipFile(book, "a", zipfile.ZIP_DEFLATED) as z:
        for n in range(15):
            z.writestr(f"xl/media/image{n}.png", bytes(8 * 1024 * 1024))
    refused(book, "would unpack to 120 MB")
    # Thousands of parts.
    book = tmp_path / "parts.xlsx"
    hostile.workbook(book, hostile.sheet_xml(hostile.HEADER_ROW))
    with zipfile.ZipFile(book, "a") as z:
        for n in range(1500):
            z.writestr(f"xl/media/p{n}.bin", b"")
    refused(book, "1506 parts")
    # A part that lies about its size in the zip directory unpacks no further than it says.
    book = hostile.lying_bomb(tmp_path / "liar.xlsx", 20 * 1024 * 1024, declared=4096)
    refused(book, "cannot be read as XLSX", measure=True)


def test_binary_files_renamed_are_named_for_what_they_are(tmp_path):
    book = hostile.workbook(tmp_path / "real.xlsx", hostile.sheet_xml(hostile.HEADER_ROW))
    renamed = tmp_path / "cases.csv"
    renamed.write_bytes(book.read_bytes())
    refused(renamed, "XLSX workbook .* named as a CSV")
    xls = tmp_path / "old.csv"
    xls.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(4000))
    refused(xls, r"old Excel workbook \(.xls\)")
    refused(xls, r"old Excel workbook \(.xls\)", name="old.xlsx")
    binary = tmp_path / "photo.csv"
    binary.write_bytes(bytes(range(256)) * 64)
    refused(binary, "not text")
    text_as_xlsx = tmp_path / "list.xlsx"
    text_as_xlsx.write_text(CSV_HEADER + "C1,Li\n", encoding="utf-8")
    refused(text_as_xlsx, "not an XLSX workbook")


def test_wrong_encodings_are_named(tmp_path):
    gbk = tmp_path / "gbk.csv"
    gbk.write_bytes((CSV_HEADER + "C1,李明\n" * 10).encode("gbk"))
    refused(gbk, "not UTF-8 text")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_bytes(codecs.BOM_UTF16_LE + (CSV_HEADER + "C1,李明\n").encode("utf-16-le"))
    refused(utf16, "UTF-16")
    late = tmp_path / "late.csv"  # fine for 20,000 rows, then a GBK name
    late.write_bytes((CSV_HEADER + "C1,Li\n" * 20_000).encode() + "C2,李明\n".encode("gbk"))
    refused(late, "is not UTF-8 text")


def test_50_mb_of_garbage_is_refused_by_its_size(tmp_path):
    garbage = tmp_path / "garbage.csv"
    with garbage.open("wb") as out:
        for _ in range(50):
            out.write(os.urandom(1024 * 1024))
    assert "The file is 50 MB; the most an import takes is 25 MB" in refused(garbage, "50 MB")
    refused(garbage, "50 MB", name="garbage.xlsx")
    small = tmp_path / "small.csv"  # under the size limit, garbage is still not text
    small.write_bytes(garbage.read_bytes()[: 1024 * 1024])
    refused(small, "not text|not UTF-8")


@override_settings(OUTBREAKHQ_IMPORT_LIMITS={"rows": 3, "columns": 4, "cell_chars": 12,
                                             "bytes": 1024, "unzipped_bytes": 1 << 20})
def test_the_limits_come_from_the_settings(tmp_path):
    path = tmp_path / "c.csv"
    path.write_text(CSV_HEADER + "C1,Li\n" * 4, encoding="utf-8")
    refused(path, "more than 3 rows")
    path.write_text(CSV_HEADER + "C1,Lilililililili\n", encoding="utf-8")
    refused(path, "most a cell may hold is 12")
    path.write_text(CSV_HEADER + "C1,Li\n" * 200, encoding="utf-8")
    refused(path, "most an import takes is 0 MB|1024")
