"""Issue 8: one rule sends a large file to the task worker, whatever the entry point (page, API,
CLI), and a file is planned once from its preview to its commit."""

from __future__ import annotations

import pytest
from django.core.management import call_command

from outbreakhq.interop import pipeline
from outbreakhq.interop.fields import guess_mapping
from outbreakhq.tracing.models import Case
from tests.factories import PASSWORD, make_user
from tests.tracing.test_import import CASE_HEADER, case_rows, ids, tracer_land, write_csv
from tests.tracing.test_import_pages import upload


@pytest.fixture
def few_rows_are_large(monkeypatch, settings, tmp_path):
    settings.DATA_DIR = tmp_path
    monkeypatch.setattr("outbreakhq.interop.jobs.IMPORT_IN_BACKGROUND_ABOVE", 2)


@pytest.mark.django_db(transaction=True)  # the worker closes and reopens its connection
def test_the_api_hands_a_large_file_to_the_worker_and_reports_its_outcome(
        client, tmp_path, few_rows_are_large):
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    with path.open("rb") as handle:
        queued = client.post("/api/v1/imports/cases", {"file": handle})
    assert queued.status_code == 202 and queued.json()["rows"] == 3
    status = f"/api/v1/imports/jobs/{queued.json()['token']}"
    assert client.get(status).json()["status"] == "queued" and Case.objects.count() == 0
    call_command("db_worker", "--batch", verbosity=0)
    assert client.get(status).json() | {"errors": []} == {
        "status": "done", "rows": 3, "created": 3, "updated": 0, "unchanged": 0,
        "message": "", "errors": [], "error_count": 0, "held": 0, "refused": 0}
    assert Case.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_another_users_import_token_is_not_found(client, tmp_path, few_rows_are_large):
    land = tracer_land()
    client.login(username="tina", password=PASSWORD)
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    with path.open("rb") as handle:
        token = client.post("/api/v1/imports/cases", {"file": handle}).json()["token"]
    make_user("tracer", land.county1, username="tanya")
    client.login(username="tanya", password=PASSWORD)
    assert client.get(f"/api/v1/imports/jobs/{token}").status_code == 404
    assert client.get("/api/v1/imports/jobs/..%2F..%2Fsecrets").status_code == 404


@pytest.mark.django_db(transaction=True)
def test_the_cli_hands_a_large_file_to_the_worker(tmp_path, few_rows_are_large, capsys):
    land = tracer_land()
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    call_command("import", "cases", str(path), "--user", "tina")
    assert "queued for the task worker" in capsys.readouterr().out
    assert Case.objects.count() == 0 and path.is_file()  # the user's own file is left alone
    call_command("db_worker", "--batch", verbosity=0)
    assert Case.objects.count() == 3


@pytest.mark.django_db
def test_the_cli_commits_a_large_file_itself_when_asked(tmp_path, few_rows_are_large, capsys):
    land = tracer_land()
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    call_command("import", "cases", str(path), "--user", "tina", "--in-process")
    assert "3 created" in capsys.readouterr().out and Case.objects.count() == 3


@pytest.fixture
def previewed(client, tmp_path, settings, monkeypatch):
    """A tracer's three-case upload, previewed; returns (review URL, the plans made so far)."""
    settings.DATA_DIR = tmp_path
    land = tracer_land()
    plans = []
    original = pipeline.plan_import
    monkeypatch.setattr(pipeline, "plan_import", lambda **kw: plans.append(1) or original(**kw))
    client.login(username="tina", password=PASSWORD)
    review = upload(client, write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3))))
    client.get(review)
    return review, plans


@pytest.mark.django_db
def test_a_file_is_planned_once_from_its_preview_to_its_commit(client, previewed):
    review, plans = previewed
    assert client.post(review, {"confirm": "1"}).status_code == 302
    assert Case.objects.count() == 3 and len(plans) == 1


@pytest.mark.django_db
def test_a_changed_mapping_is_planned_again_before_the_commit(client, previewed):
    review, plans = previewed
    # The source column ignored: a mapping the preview did not see.
    mapping = guess_mapping("cases", CASE_HEADER) | {"传染源编号": ""}
    fields = {f"column_{i}": mapping[column] for i, column in enumerate(CASE_HEADER)}
    assert client.post(review, {"confirm": "1", **fields}).status_code == 302
    assert len(plans) == 2 and Case.objects.filter(source_case__isnull=False).count() == 0
