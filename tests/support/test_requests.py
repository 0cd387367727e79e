"""The staff side: the queue's order, the status steps, assignment, escalation to command,
medical passes and scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.models import AuditEvent
from outbreakhq.support import panels, services, worklists
from outbreakhq.support.models import SupportRequest
from tests.factories import logged_in, make_user
from tests.support.factories import make_request, make_team


@pytest.mark.django_db
def test_a_dialysis_request_goes_above_fifty_food_orders(land, worker, community) -> None:
    earlier = timezone.now() - timedelta(hours=3)
    for i in range(50):
        make_request(community, kind="food", received=earlier + timedelta(seconds=i),
                     phone=f"1380000{i:04d}")
    dialysis = make_request(community, kind="dialysis")
    page = worklists.queue(actor=Actor.for_command(worker))
    assert page.rows[0] == dialysis
    assert page.urgent_open == 1 and len(page.rows) == 50 and page.next_cursor
    rest = worklists.queue(actor=Actor.for_command(worker), after=page.next_cursor)
    assert len(rest.rows) == 1 and rest.next_cursor is None


@pytest.mark.django_db
def test_overdue_urgent_first_then_urgency_then_deadline(land, worker, community) -> None:
    now = timezone.now()
    late_food = make_request(community, kind="food", received=now - timedelta(days=2))
    urgent = make_request(community, kind="maternity", received=now)
    late_urgent = make_request(community, kind="urgent_care", received=now - timedelta(hours=1))
    high = make_request(community, kind="chronic_medicine", answers={"medicine_days_left": 1})
    rows = worklists.queue(actor=Actor.for_command(worker)).rows
    assert rows == [late_urgent, urgent, high, late_food]
    assert rows[0].overdue and not rows[1].overdue and rows[3].overdue


@pytest.mark.django_db
def test_the_steps_one_at_a_time_with_their_times(land, worker, community) -> None:
    actor = Actor.for_command(worker)
    req = make_request(community, kind="dialysis")
    team = make_team(community)
    with pytest.raises(InvalidInput, match="the next step is Triaged"):
        services.advance(actor=actor, request_id=req.pk, to="delivered")
    services.advance(actor=actor, request_id=req.pk, to="triaged")
    with pytest.raises(InvalidInput, match="Choose the team"):
        services.advance(actor=actor, request_id=req.pk, to="assigned")
    services.advance(actor=actor, request_id=req.pk, to="assigned", team_id=team.pk)
    with pytest.raises(InvalidInput, match="cannot go back"):
        services.advance(actor=actor, request_id=req.pk, to="triaged")
    services.advance(actor=actor, request_id=req.pk, to="in_progress")
    done = services.advance(actor=actor, request_id=req.pk, to="delivered")
    assert done.team == team and not done.is_open
    assert done.received_at <= done.triaged_at <= done.assigned_at <= done.started_at \
        <= done.delivered_at
    with pytest.raises(InvalidInput, match="already Delivered"):
        services.advance(actor=actor, request_id=req.pk, to="closed", reason="x")
    assert AuditEvent.objects.filter(object_type="support_request", action="change").count() == 4


@pytest.mark.django_db
def test_closing_needs_a_reason(land, worker, community) -> None:
    req = make_request(community)
    with pytest.raises(InvalidInput, match="Say why"):
        services.advance(actor=Actor.for_command(worker), request_id=req.pk, to="closed")
    closed = services.advance(actor=Actor.for_command(worker), request_id=req.pk, to="closed",
                              reason="Neighbours brought food")
    assert closed.close_reason == "Neighbours brought food" and closed.closed_at


@pytest.mark.django_db
def test_a_worker_elsewhere_gets_the_same_404_as_for_a_missing_request(land) -> None:
    req = make_request(land.compound1, kind="dialysis")
    outsider = make_user("community", land.county2)
    client = logged_in(outsider)
    there = client.get(reverse("support_request", args=[req.pk]))
    missing = client.get(reverse("support_request", args=[req.pk + 1000]))
    assert there.status_code == missing.status_code == 404
    with pytest.raises(NotFound):
        services.advance(actor=Actor.for_command(outsider), request_id=req.pk, to="triaged")
    assert worklists.queue(actor=Actor.for_command(outsider)).rows == []


@pytest.mark.django_db
def test_overdue_requests_are_escalated_to_command(land, worker, community) -> None:
    old = timezone.now() - timedelta(hours=2)
    late = make_request(community, kind="dialysis", received=old)
    taken = make_request(community, kind="chemotherapy", received=old)
    services.advance(actor=Actor.for_command(worker), request_id=taken.pk, to="triaged")
    services.advance(actor=Actor.for_command(worker), request_id=taken.pk, to="assigned",
                     team_id=make_team(community).pk)
    make_request(community, kind="food", received=old)  # not yet due (24 h)
    out = __import__("io").StringIO()
    call_command("support", "escalate", stdout=out)
    assert "1 request(s) escalated" in out.getvalue()
    late.refresh_from_db()
    assert late.escalated_at is not None
    assert SupportRequest.objects.filter(escalated_at__isnull=False).count() == 1
    commander = make_user("commander", land.region)
    panel = panels.command(Actor.for_command(commander), None)
    assert panel["total"] == 1 and panel["rows"] == [late]
    page = logged_in(commander).get(reverse("support_escalated"))
    assert page.status_code == 200 and late.reference in page.content.decode()
    assert logged_in(commander).get(reverse("support_queue")).status_code in (403, 404)


@pytest.mark.django_db
def test_the_worker_panel_and_the_tile(land, worker, community) -> None:
    assert panels.worker(Actor.for_command(worker), None)["counts"] == {
        "urgent": 0, "overdue": 0, "new": 0}
    make_request(community, kind="dialysis")
    make_request(community, kind="food", received=timezone.now() - timedelta(days=2))
    panel = panels.worker(Actor.for_command(worker), None)
    assert panel["counts"] == {"urgent": 1, "overdue": 1, "new": 2}
    analyst = make_user("analyst", land.region)
    tile = panels.tile(Actor.for_command(analyst), None)
    assert tile["overdue_urgent"] == 0
    assert {(r["kind"], r["status"], r["n"]) for r in tile["by_kind_status"]} == {
        ("dialysis", "received", 1), ("food", "received", 1)}
    # One row a kind, in the kinds' order: waiting for a team, with a team, done.
    assert [(str(label), *n) for label, *n in tile["by_kind"]] == [
        ("Dialysis", 1, 0, 0), ("Food and daily goods", 1, 0, 0)]


@pytest.mark.django_db
def test_the_queue_page_marks_urgent_and_overdue(land, worker_client, community) -> None:
    make_request(community, kind="food", received=timezone.now() - timedelta(days=2))
    make_request(community, kind="dialysis")
    html = worker_client.get(reverse("support_queue")).content.decode()
    assert html.index("Dialysis") < html.index("Food and daily goods")
    assert 'class="req urgent"' in html and "req normal late" in html


@pytest.mark.django_db
def test_a_hotline_request_gives_a_code(land, worker_client, community) -> None:
    answer = worker_client.post(reverse("support_request_new"), {
        "source": "hotline", "kind": "maternity", "name": "Wang Fang", "area": community.code,
        "address": "Block 9", "phone": "13700000000"}, follow=True)
    assert answer.status_code == 200
    req = SupportRequest.objects.get()
    assert req.source == "hotline" and req.urgency == "urgent"
    assert "check code" in answer.content.decode()


@pytest.mark.django_db
def test_a_medical_pass_shows_the_rule_and_who_issued_it(land, worker, worker_client,
                                                         community) -> None:
    req = make_request(community, kind="maternity")
    answer = worker_client.post(reverse("support_pass_issue", args=[req.pk]),
                                {"destination": "Maternity hospital", "hours": "12"},
                                follow=True)
    html = answer.content.decode()
    assert answer.status_code == 200
    assert "No checkpoint may refuse this pass for want of a fresh test result" in html
    assert worker.get_username() in html and "Maternity hospital" in html
    assert "9th edition" in html  # the preset in force
    food = make_request(community, kind="food", phone="13111111111")
    refused = worker_client.post(reverse("support_pass_issue", args=[food.pk]),
                                 {"destination": "Hospital"})
    assert refused.status_code == 400


@pytest.mark.django_db
def test_the_panels_and_the_tile_render(land, worker, community) -> None:
    from django.template.loader import render_to_string

    make_request(community, kind="dialysis", received=timezone.now() - timedelta(hours=3))
    services.advance(actor=Actor.for_command(worker),
                     request_id=make_request(community, kind="food").pk, to="triaged")
    commander = make_user("commander", land.region)
    html = render_to_string("support/_home_worker.html",
                            panels.worker(Actor.for_command(worker), None))
    assert "1 urgent" in html and "1 overdue" in html
    html = render_to_string("support/_home_command.html",
                            panels.command(Actor.for_command(commander), None))
    assert "1 request escalated" in html
    html = render_to_string("support/_tile.html", panels.tile(Actor.for_command(commander), None))
    assert "Dialysis" in html and "Waiting for a team" in html and "Urgent" in html


@pytest.mark.django_db
def test_the_person_page_shows_their_requests_to_the_worker_only(land, worker_client,
                                                                 community) -> None:
    from tests.factories import make_person

    resident = make_person(land.compound1)
    req = make_request(community, kind="chemotherapy", person=resident)
    assert req.reference in worker_client.get(reverse("person", args=[resident.pk])
                                              ).content.decode()
    tracer = logged_in(make_user("tracer", land.county1))
    assert req.reference not in tracer.get(reverse("person", args=[resident.pk])
                                           ).content.decode()
