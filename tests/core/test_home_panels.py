"""Every role's home page shows its work for today: the panels and tiles the modules register
(core/hooks.py) rendered with the figures their functions return, zeros included."""

from __future__ import annotations

import pytest
from django.test import Client

from outbreakhq.core.roles import Role
from tests.factories import PASSWORD, make_user, territory

pytestmark = pytest.mark.django_db


def home_of(role: str, area) -> str:
    client = Client()
    assert client.login(username=make_user(role, area).username, password=PASSWORD)
    answer = client.get("/")
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_lab_sees_its_bench_with_zeros_and_the_screening_figures() -> None:
    land = territory()
    page = home_of(Role.LAB, land.county1)
    assert "0 boxes in transit; 0 tubes waiting for a result." in page
    assert "0 tubes (0 people) collected today" in page


def test_the_commander_sees_that_no_risk_area_waits_for_a_decision() -> None:
    land = territory()
    page = home_of(Role.COMMANDER, land.region)
    assert "No proposal waiting, no alert open." in page
    assert "open directives" in page


def test_the_screening_operator_sees_tubes_waiting_for_a_box() -> None:
    land = territory()
    page = home_of(Role.SCREENING, land.county1)
    assert "0 sealed tubes waiting for a box; 0 boxes on their way to the lab." in page


def test_the_tracer_sees_follow_ups_due_with_figures() -> None:
    land = territory()
    page = home_of(Role.TRACER, land.county1)
    assert "mine due today" in page
    assert '<div class="n">0</div><div class="l">mine due today' in page.replace("\n", "")


def test_a_field_role_sees_its_own_work_first() -> None:
    """A quarantine manager also records follow-ups and sees the jurisdiction's figures, but
    the site's day comes first; a community worker's first panel is residents' requests; the
    commander keeps the jurisdiction first."""
    land = territory()
    page = home_of(Role.QUARANTINE, land.county1)
    assert page.index("Quarantine today") < page.index("Today in your jurisdiction")
    assert page.index("Quarantine today") < page.index("Follow-up today")
    assert "Awaiting placement: <strong>0</strong>" in page  # a quiet day shows its zeros
    page = home_of(Role.COMMUNITY, land.county1)
    assert page.index("Residents") < page.index("Today in your jurisdiction")
    page = home_of(Role.COMMANDER, land.region)
    assert page.index("Today in your jurisdiction") < page.index("Directives")
