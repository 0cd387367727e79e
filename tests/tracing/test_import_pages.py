"""The import pages without a browser: upload, preview, confirm, background imports, uploads
that belong to someone else."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from outbreakhq.core.models import AuditEvent
from outbreakhq.tracing.models import Case
from tests.factories import PASSWORD, make_user
from tests.tracing.test_import import CASE_HEADER, case_rows, ids, tracer_land, write_csv


def upload(client, path, kind: str = "cases"):
    with path.open("rb") as handle:
        response = client.post("/import/", {"kind": kind, "file": handle})
    assert response.status_code == 302, response.content.decode()[:500]
    return response["Location"]


@pytest.mark.django_db
def test_preview_then_confirm_imports_once(client, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    review = upload(client, write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3))))
    page = client.get(review).content.decode()
    assert 'id="confirm-import"' in page and Case.objects.count() == 0
    response = client.post(review, {"confirm": "1"})
    assert response.status_code == 302 and Case.objects.count() == 3
    assert AuditEvent.objects.filter(object_type="cases_import").count() == 1
    assert not list((tmp_path / "imports").rglob("*.csv"))  # the upload is deleted


@pytest.mark.django_db
def test_someone_elses_upload_is_not_found(client, tmp_path, settings):
    settings.DATA_DIR = tmp_path
    land = tracer_land()
    make_user("tracer", land.county1, username="tanya")
    client.login(username="tina", password=PASSWORD)
    review = upload(client, write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3))))
    client.login(username="tanya", password=PASSWORD)
    assert client.get(review).status_code == 404


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_a_large_file_is_imported_by_the_worker(client, tmp_path, settings, monkeypatch):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr("outbreakhq.interop.jobs.IMPORT_IN_BACKGROUND_ABOVE", 2)
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    review = upload(client, write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3))))
    client.post(review, {"confirm": "1"})
    assert "being imported in the background" in client.get(review).content.decode()
    assert Case.objects.count() == 0
    call_command("db_worker", "--batch", verbosity=0)
    assert Case.objects.count() == 3
    assert "3 created, 0 updated, 0 unchanged" in client.get(review).content.decode()
