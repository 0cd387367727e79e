"""Issue 7: import previews and dry runs (page, API, CLI) are audited, one event each naming the
file and the people it matched, and limited per user: the 21st in 10 minutes gets 429."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, TooManyRequests
from outbreakhq.core.models import AuditEvent
from outbreakhq.interop import previews as importing_previews
from outbreakhq.interop.pipeline import run_import
from outbreakhq.tracing.models import Case
from tests.factories import make_person
from tests.tracing.conftest import open_case
from tests.tracing.test_import import CASE_HEADER, case_rows, ids, tracer_land, write_csv
from tests.tracing.test_import_pages import upload

pytestmark = pytest.mark.django_db


@pytest.fixture
def land(settings, tmp_path):
    settings.DATA_DIR = tmp_path
    return tracer_land()


def previews(**filters):
    return AuditEvent.objects.filter(object_type="import_preview", action="view", **filters)


def client_of(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def dry_run(client, path):
    with path.open("rb") as handle:
        return client.post("/api/v1/imports/cases", {"file": handle, "dry_run": "true"})


def test_a_dry_run_is_audited_with_the_file_and_the_people_it_matched(land, tmp_path) -> None:
    known = make_person(land.compound1, name="Known")
    stored = open_case(land.tracer, make_person(land.compound1), external_id="C2")
    rows = case_rows(land, [known.id_number, *ids(2)])
    path = write_csv(tmp_path / "line list.csv", CASE_HEADER, rows)

    assert dry_run(client_of(land.tracer), path).status_code == 200

    event = previews().get()
    assert (event.username, event.channel) == ("tina", "api")
    assert event.area_path == land.compound1.path
    assert event.detail == {"file": "line list.csv", "kind": "cases", "rows": 3, "errors": 0,
                            "dry_run": True, "people": sorted([known.pk, stored.person_id]),
                            "records": [f"case:{stored.pk}"]}
    assert Case.objects.count() == 1  # nothing written


def test_each_preview_page_and_cli_dry_run_is_one_event(land, tmp_path) -> None:
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    client = client_of(land.tracer)
    review = upload(client, path)
    client.get(review)
    client.get(review)
    call_command("import", "cases", str(path), "--user", "tina", "--dry-run")
    assert list(previews().order_by("pk").values_list("channel", flat=True)) == [
        "web", "web", "cli"]
    assert not AuditEvent.objects.filter(object_type="import_preview", action="denied").exists()


def test_the_twenty_first_preview_in_ten_minutes_gets_429_and_is_audited(land, tmp_path) -> None:
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    client = client_of(land.tracer)
    for _ in range(20):
        assert dry_run(client, path).status_code == 200

    refused = dry_run(client, path)

    assert refused.status_code == 429
    assert "20 import files in the last 10 minutes" in refused.json()["error"]
    assert 1 <= int(refused["Retry-After"]) <= 601  # when the oldest preview leaves the window
    denied = AuditEvent.objects.get(object_type="import_preview", action="denied")
    assert denied.detail["reason"] == "rate_limit" and denied.username == "tina"
    assert previews().count() == 20  # the refusal is no preview: it showed nothing
    # The page preview and the CLI share the same count.
    page = client.get(upload(client, path))
    assert page.status_code == 429
    with pytest.raises(CommandError, match="10 minutes"):
        call_command("import", "cases", str(path), "--user", "tina", "--dry-run")


def test_the_limit_is_per_user_and_frees_up_after_ten_minutes(land, tmp_path, settings,
                                                             monkeypatch) -> None:
    settings.OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN = 2
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    tina = client_of(land.tracer)
    assert [dry_run(tina, path).status_code for _ in range(3)] == [200, 200, 429]

    from tests.factories import make_user

    other = make_user("tracer", land.county1)
    assert dry_run(client_of(other), path).status_code == 200

    later = timezone.now() + timedelta(minutes=10, seconds=1)
    monkeypatch.setattr(importing_previews.timezone, "now", lambda: later)
    assert dry_run(tina, path).status_code == 200


def test_a_run_refused_for_its_rows_counts_as_a_preview(land, tmp_path, settings) -> None:
    """Otherwise a file with one bad row would be a preview without a limit."""
    settings.OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN = 1
    rows = case_rows(land, ids(3))
    rows[0][5] = "maybe"
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, rows)
    with pytest.raises(InvalidInput):
        run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert previews(detail__dry_run=False).count() == 1
    with pytest.raises(TooManyRequests):
        run_import(actor=Actor.of(land.tracer), kind="cases", path=path)


def test_a_run_that_writes_is_not_a_preview_and_is_not_limited(land, tmp_path, settings) -> None:
    settings.OUTBREAKHQ_IMPORT_PREVIEWS_PER_10_MIN = 0
    path = write_csv(tmp_path / "c.csv", CASE_HEADER, case_rows(land, ids(3)))
    _plan, result = run_import(actor=Actor.of(land.tracer), kind="cases", path=path)
    assert result.created == 3
    assert not previews().exists()
