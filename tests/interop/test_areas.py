"""Issue 8: the area tree's import on the pipeline (reader, row errors, preview), from the page
and the command, with core's rules."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from outbreakhq.core.models import Area, AuditEvent
from outbreakhq.core.roles import Role
from tests.core.test_areas import HEADER, NEW_TREE, csv_text, superuser
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db


def page_admin():
    """A superuser who administers a region (the page needs area.manage somewhere)."""
    return make_user(Role.ADMIN, territory().region, username="root", is_superuser=True,
                     is_staff=True)


def test_the_command_imports_an_area_tree_and_a_second_run_changes_nothing(tmp_path, capsys):
    root = superuser()
    path = tmp_path / "areas.csv"
    path.write_text(csv_text(*NEW_TREE), encoding="utf-8")
    call_command("import_areas", str(path), user=root.username)
    assert f"{len(NEW_TREE)} created, 0 updated, 0 unchanged, 0 held, 0 refused." in \
        capsys.readouterr().out
    call_command("import", "areas", str(path), "--user", root.username)
    assert f"0 created, 0 updated, {len(NEW_TREE)} unchanged, 0 held, 0 refused." in \
        capsys.readouterr().out
    assert AuditEvent.objects.filter(object_type="area_import", action="create").count() == 2


def test_an_xlsx_area_file_is_read_like_a_csv(tmp_path, capsys):
    root = superuser()
    book = Workbook()
    for cells in csv.reader(io.StringIO(csv_text(*NEW_TREE))):
        book.active.append(cells)
    book.save(tmp_path / "areas.xlsx")
    call_command("import", "areas", str(tmp_path / "areas.xlsx"), "--user", root.username)
    assert Area.objects.count() == len(NEW_TREE)


def test_the_page_checks_a_file_before_importing_it(client, tmp_path):
    root = page_admin()
    before = Area.objects.count()
    client.login(username=root.username, password=PASSWORD)
    path = tmp_path / "areas.csv"
    path.write_text(csv_text(*NEW_TREE), encoding="utf-8")
    with path.open("rb") as handle:
        page = client.post("/areas/import/", {"file": handle, "check": "1"}).content.decode()
    assert 'id="area-preview"' in page and Area.objects.count() == before
    with path.open("rb") as handle:
        assert client.post("/areas/import/", {"file": handle}).status_code == 302
    assert Area.objects.count() == before + len(NEW_TREE)


def test_the_page_lists_every_wrong_row_and_writes_nothing(client, tmp_path):
    root = page_admin()
    before = Area.objects.count()
    client.login(username=root.username, password=PASSWORD)
    path = tmp_path / "areas.csv"
    path.write_text(HEADER + "\nX1,,nowhere,Bad,,1,\nX2,R9,county,Orphan,,1,\n",
                    encoding="utf-8")
    with path.open("rb") as handle:
        page = client.post("/areas/import/", {"file": handle}).content.decode()
    assert "nowhere" in page and Area.objects.count() == before
