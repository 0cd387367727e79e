"""The import and export API: counts or every error with nothing written, scoped exports."""

from __future__ import annotations

import csv
import io
import json

import pytest

from outbreakhq.core.models import AuditEvent
from outbreakhq.tracing.models import Case
from tests.factories import PASSWORD, make_person, make_user
from tests.tracing.conftest import open_case
from tests.tracing.test_import import CASE_HEADER, case_rows, counts, ids, tracer_land, write_csv

pytestmark = pytest.mark.django_db


def post_file(client, path, **fields):
    with path.open("rb") as handle:
        return client.post("/api/v1/imports/cases", {"file": handle, **fields})


def test_an_import_answers_with_the_counts_and_a_dry_run_writes_nothing(client, tmp_path):
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    dry = post_file(client, path, dry_run="true")
    assert dry.status_code == 200 and dry.json()["created"] == 3 and dry.json()["dry_run"]
    assert Case.objects.count() == 0
    done = post_file(client, path)
    assert done.json() == {"rows": 3, "created": 3, "updated": 0, "unchanged": 0,
                                 "people_registered": 3, "people_matched": 0,
                                 "dry_run": False, "held": 0, "refused": 0, "errors": [],
                                 "error_count": 0}
    assert post_file(client, path).json()["unchanged"] == 3


def test_a_bad_file_answers_400_with_every_row_and_writes_nothing(client, tmp_path):
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    rows = case_rows(land, ids(3))
    rows[0][5], rows[2][7] = "maybe", "2022/13/1"
    before = counts()
    response = post_file(client, write_csv(tmp_path / "c.csv", CASE_HEADER, rows),
                         mapping=json.dumps(dict(zip(CASE_HEADER, [
                             "external_id", "name", "sex", "id_number", "home_area",
                             "classification", "onset_date", "report_date", "detection_route",
                             "source_case"], strict=True))))
    assert response.status_code == 400
    assert [(e["row"], e["field"]) for e in response.json()["errors"]] == [
        (2, "分类"), (4, "报告日期")]
    assert counts() == before


def test_the_export_api_streams_only_the_callers_scope(client):
    land = tracer_land()
    make_person(land.compound2, name="Other County")
    tom = make_user("tracer", land.county2, username="tom")
    open_case(tom, make_person(land.compound2, name="Birch"), external_id="B1")
    open_case(land.tracer, make_person(land.compound1, name="Alder"), external_id="A1")
    client.login(username="tina", password=PASSWORD)
    response = client.get("/api/v1/exports/cases?format=csv")
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    assert [r["name"] for r in csv.DictReader(io.StringIO(text))] == ["Alder"]
    assert AuditEvent.objects.get(action="export").channel == "api"


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_a_background_export_answers_202_then_its_status_then_the_file(client, monkeypatch,
                                                                       settings, tmp_path):
    from django.core.management import call_command

    from outbreakhq.tracing import exporting

    settings.DATA_DIR = tmp_path
    monkeypatch.setattr(exporting, "IN_REQUEST_UP_TO", {"csv": 1, "xlsx": 1})
    land = tracer_land()
    for name in ("Alder", "Aspen"):
        open_case(land.tracer, make_person(land.compound1, name=name))
    client.login(username="tina", password=PASSWORD)
    queued = client.get("/api/v1/exports/cases?format=csv")
    assert queued.status_code == 202, queued.content
    body = queued.json()
    assert body["rows"] == 2
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["download_url"]) == ("queued", "")
    assert client.get(f"/api/v1/exports/files/{body['name']}").status_code == 404  # not yet
    call_command("db_worker", "--batch", verbosity=0)
    status = client.get(body["status_url"]).json()
    assert (status["status"], status["rows"], status["written"]) == ("done", 2, 2)
    text = b"".join(client.get(status["download_url"]).streaming_content).decode("utf-8-sig")
    assert sorted(r["name"] for r in csv.DictReader(io.StringIO(text))) == ["Alder", "Aspen"]
    make_user("tracer", land.county1, username="tim")
    client.login(username="tim", password=PASSWORD)  # another tracer: as if it did not exist
    assert client.get(body["status_url"]).status_code == 404
    assert client.get(status["download_url"]).status_code == 404
