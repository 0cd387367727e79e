"""The contact page's follow-up calendar: what it expects of the tracer, day by day."""

from __future__ import annotations

from datetime import datetime, time, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from outbreakhq import protocols
from outbreakhq.tracing.models import Contact
from tests.tracing.conftest import ago

pytestmark = pytest.mark.django_db


@pytest.fixture
def tina(desk) -> Client:
    client = Client()
    client.force_login(desk.tracer)
    return client


def traced_on(contact: Contact, day) -> None:
    Contact.objects.filter(pk=contact.pk).update(
        created_at=timezone.make_aware(datetime.combine(day, time(9))))


def _calendar(client, contact) -> tuple[dict, str]:
    response = client.get(f"/contacts/{contact.pk}/")
    assert response.status_code == 200
    return {d["date"]: d["state"] for d in response.context["days"]}, response.content.decode()


def test_calendar_days_before_the_contact_was_traced_are_not_missed(desk, tina):
    traced_today = desk.contact(days_ago=3)  # follow-up from 2 days ago, listed today
    states, html = _calendar(tina, traced_today)
    assert states[ago(2)] == states[ago(1)] == "untraced" and states[ago(0)] == "due"
    assert "missed" not in states.values() and "not traced yet" in html

    traced_earlier = desk.contact(days_ago=3)
    traced_on(traced_earlier, ago(1))
    states, _ = _calendar(tina, traced_earlier)
    assert states[ago(2)] == "untraced" and states[ago(1)] == "missed"


def test_calendar_stops_expecting_checks_once_the_contact_became_a_case(desk, tina):
    contact = desk.contact(days_ago=3)
    traced_on(contact, ago(3))
    tina.post(f"/contacts/{contact.pk}/convert/", {
        "classification": "confirmed", "report_date": ago(0).isoformat()})
    states, html = _calendar(tina, contact)
    assert states[ago(2)] == states[ago(1)] == "missed"  # before it was reported a case
    assert states[ago(0)] == "closed" and all(
        state == "closed" for day, state in states.items() if day >= ago(0))
    assert "due today" not in html and "Became a case" in html


@pytest.mark.parametrize("step", ["lost", "quarantine"])
def test_calendar_expects_no_check_of_a_contact_lost_or_handed_over(desk, tina, step):
    contact = desk.contact(days_ago=3)
    assert tina.post(f"/contacts/{contact.pk}/{step}/").status_code == 302
    states, html = _calendar(tina, contact)
    assert set(states.values()) == {"closed"} and "due today" not in html
    assert ("Lost to follow-up" if step == "lost" else "Handed over to quarantine") in html


@pytest.mark.parametrize("preset", ["cn-9th-edition", "cn-20-measures", "who-generic"])
def test_calendar_page_worklist_and_api_show_the_presets_test_days(desk, tina, settings, preset):
    settings.OUTBREAKHQ_PROTOCOL = preset
    rule = protocols.current().rule_for("close_contact")
    contact = desk.contact(days_ago=1)  # follow-up from today: today is day 1
    traced_on(contact, ago(0))
    response = tina.get(f"/contacts/{contact.pk}/")
    tested = [d["n"] for d in response.context["days"] if d["test"]]
    assert tested == list(rule.test_days)  # the preset's days, not every day, not none
    assert response.content.decode().count(">test</span>") == len(rule.test_days)

    worklist = tina.get("/followups/").content.decode()
    assert ("test due today" in worklist) == (1 in rule.test_days)

    api = tina.get(f"/api/v1/contacts/{contact.pk}").json()
    assert api["test_days"] == [(ago(0) + timedelta(days=n - 1)).isoformat()
                                for n in rule.test_days]
    assert api["test_due_today"] == (1 in rule.test_days)
