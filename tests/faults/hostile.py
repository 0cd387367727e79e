"""Hostile line-list files, made on the spot and small on disk (issue 15)."""

from __future__ import annotations

import zipfile
from pathlib import Path

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-'
    'officedocument.spreadsheetml.sharedStrings+xml"/>'
    '</Types>')
RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>')
WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>')
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>')
NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def sheet_xml(rows: str, dimension: str | None = None) -> str:
    dim = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{NS}">{dim}'
            f'<sheetData>{rows}</sheetData></worksheet>')


HEADER_ROW = '<row r="1">' + inline("A1", "external_id") + inline("B1", "name") + "</row>"


def workbook(path: Path, sheet: str, shared: str | None = None, *, shared_bytes: int = 0
             ) -> Path:
    """A minimal XLSX whose first sheet is `sheet` (XML text). With `shared_bytes`, its one
    shared string is that long, streamed through the compressor a megabyte at a time (a GiB of
    one letter packs to about a megabyte on disk)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", CONTENT_TYPES)
        z.writestr("_rels/.rels", RELS)
        z.writestr("xl/workbook.xml", WORKBOOK)
        z.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        z.writestr("xl/worksheets/sheet1.xml", sheet)
        if not shared_bytes:
            z.writestr("xl/sharedStrings.xml", shared or f'<sst xmlns="{NS}" count="0"/>')
            return path
        chunk = b"x" * (1 << 20)
        with z.open("xl/sharedStrings.xml", "w", force_zip64=True) as out:
            out.write(f'<sst xmlns="{NS}" count="1"><si><t>'.encode())
            for _ in range(shared_bytes // len(chunk)):
                out.write(chunk)
            out.write(b"</t></si></sst>")
    return path


def huge_shared_string(path: Path, size: int) -> Path:
    rows = HEADER_ROW + '<row r="2"><c r="A2" t="s"><v>0</v></c></row>'
    return workbook(path, sheet_xml(rows), shared_bytes=size)


def lying_bomb(path: Path, size: int, declared: int) -> Path:
    """A workbook whose sheet unpacks to `size` bytes while its zip headers declare `declared`
    (the classic zip bomb that fools a check of the directory alone)."""
    body = HEADER_ROW + '<row r="2">' + inline("A2", "C1") + inline("B2", "x" * 100) + "</row>"
    padding = " " * (size - len(sheet_xml(body)))
    workbook(path, sheet_xml(body).replace("<sheetData>", padding + "<sheetData>"))
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    with zipfile.ZipFile(path) as z:
        offset = z.getinfo(name.decode()).header_offset
    data[offset + 22:offset + 26] = declared.to_bytes(4, "little")  # local header
    central = 0
    while True:
        central = data.index(b"PK\x01\x02", central)
        length = int.from_bytes(data[central + 28:central + 30], "little")
        if data[central + 46:central + 46 + length] == name:
            data[central + 24:central + 28] = declared.to_bytes(4, "little")
            break
        central += 4
    path.write_bytes(bytes(data))
    return path
