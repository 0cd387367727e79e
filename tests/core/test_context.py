"""The page shell: the scope switcher offers only areas in the user's scope, the breadcrumb stays
inside it, and the navigation shows only what the user's roles allow."""

from __future__ import annotations

import pytest
from django.test import Client

from outbreakhq.core.models import Assignment
from outbreakhq.core.roles import Role
from tests.factories import Territory, make_user

pytestmark = pytest.mark.django_db



def shell_of(client: Client, url: str = "/areas/") -> dict:
    response = client.get(url)
    assert response.status_code == 200
    return response.context


def test_the_scope_switcher_offers_only_areas_in_the_users_scope(land: Territory) -> None:
    client = Client()
    client.force_login(make_user(Role.TRACER, land.county1))

    choices = [area.code for area, _indent in shell_of(client)["scope_choices"]]

    assert choices == ["990101", "990101001", "990101001001"]  # own county and two levels
    page = client.get("/areas/").content.decode()
    for name in ("Birch County", "Cedar County", "Corps", "Test Region"):
        assert name not in page


def test_the_breadcrumb_of_a_county_user_starts_at_their_county(land: Territory) -> None:
    client = Client()
    client.force_login(make_user(Role.TRACER, land.county1))
    client.post("/scope/", {"area": land.compound1.code})

    breadcrumb = [a.code for a in shell_of(client)["breadcrumb"]]

    assert breadcrumb == ["990101", "990101001", "990101001001", "990101001001001"]


def test_the_navigation_shows_only_what_the_roles_allow(land: Territory) -> None:
    analyst = Client()
    analyst.force_login(make_user(Role.ANALYST, land.county1))
    admin = Client()
    admin.force_login(make_user(Role.ADMIN, land.county1))

    analyst_nav = {e.url_name for e, _, _ in shell_of(analyst)["nav_links"]}
    admin_nav = {e.url_name for e, _, _ in shell_of(admin)["nav_links"]}

    assert {"people", "audit"}.isdisjoint(analyst_nav)
    assert {"home", "areas"} <= analyst_nav
    assert {"home", "people", "areas", "audit"} <= admin_nav


def test_a_chosen_scope_stops_applying_when_the_assignment_is_removed(land: Territory) -> None:
    user = make_user(Role.TRACER, land.region)
    client = Client()
    client.force_login(user)
    client.post("/scope/", {"area": land.county2.code})
    assert shell_of(client)["scope_current"] == land.county2

    Assignment.objects.filter(user=user).update(area=land.county1)

    assert shell_of(client)["scope_current"] is None
