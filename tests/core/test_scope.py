"""The isolation matrix: a user of one county cannot read, list, search or change a person of
another county or of the parallel tree, whatever their role, through any page or API endpoint;
each refusal leaves exactly one `denied` audit event and writes nothing. A record outside the
user's scope is answered 404, as one that does not exist (issue 7); a role without the capability
anywhere, or an area the user typed, is answered 403.
The analyst sees aggregates only, never a name.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest
from django.test import Client

from outbreakhq.core.models import Area, Assignment, AuditEvent, Person
from outbreakhq.core.roles import CAPABILITIES, Can, Role
from outbreakhq.core.scope import can, scope_areas
from tests.factories import Territory, make_person, make_user, territory

pytestmark = pytest.mark.django_db

ALL_ROLES = list(Role)
VIEWING_ROLES = [r for r in Role if Can.VIEW_PERSON in CAPABILITIES[r]]


@dataclass
class Land:
    areas: Territory
    own: Person  # lives in county1
    neighbour: Person  # lives in county2, same prefecture
    corps: Person  # lives in the parallel tree

    def target(self, which: str) -> Person:
        return self.neighbour if which == "county2" else self.corps


@pytest.fixture
def land() -> Land:
    areas = territory()
    return Land(
        areas,
        own=make_person(areas.compound1, name="Zhao Alder"),
        neighbour=make_person(areas.compound2, name="Qian Birch"),
        corps=make_person(areas.corps_unit, name="Sun Corps"),
    )


def logged_in(role: str, *areas: Area) -> Client:
    client = Client()
    client.force_login(make_user(role, *areas))
    return client


def denied_events() -> int:
    return AuditEvent.objects.filter(action="denied").count()


def snapshot(person: Person) -> dict:
    return Person.objects.filter(pk=person.pk).values().get()


# Every personal-data page and endpoint that touches one person, as (client, target) -> response.
Request = Callable[[Client, Person], object]
# The capability each endpoint needs, and whether it fetches the person by number (404 outside
# the scope) rather than naming an area typed by the user (403).
NEEDS: dict[str, tuple[str, bool]] = {
    "page detail": (Can.VIEW_PERSON, True),
    "page edit form": (Can.CHANGE_PERSON, True),
    "page edit submit": (Can.CHANGE_PERSON, True),
    "page register there": (Can.CHANGE_PERSON, False),
    "api detail": (Can.VIEW_PERSON, True),
    "api register there": (Can.CHANGE_PERSON, False),
    "api patch": (Can.CHANGE_PERSON, True),
}
REFUSED: dict[str, Request] = {
    "page detail": lambda c, p: c.get(f"/people/{p.pk}/"),
    "page edit form": lambda c, p: c.get(f"/people/{p.pk}/edit/"),
    "page edit submit": lambda c, p: c.post(f"/people/{p.pk}/edit/", {
        "name": "Changed", "sex": "F", "id_type": "none", "home_area": p.home_area.code}),
    "page register there": lambda c, p: c.post("/people/new/", {
        "name": "Newcomer", "sex": "F", "id_type": "none", "home_area": p.home_area.code}),
    "api detail": lambda c, p: c.get(f"/api/v1/people/{p.pk}"),
    "api register there": lambda c, p: c.post("/api/v1/people/", {
        "name": "Newcomer", "home_area": p.home_area.code}, content_type="application/json"),
    "api patch": lambda c, p: c.patch(f"/api/v1/people/{p.pk}", {"name": "Changed"},
                                      content_type="application/json"),
}


@pytest.mark.parametrize("where", ["county2", "parallel tree"])
@pytest.mark.parametrize("endpoint", list(REFUSED))
@pytest.mark.parametrize("role", ALL_ROLES)
def test_county_user_cannot_touch_person_of_another_jurisdiction(
        land: Land, role: str, endpoint: str, where: str) -> None:
    client = logged_in(role, land.areas.county1)
    target = land.target(where)
    before, people, denied = snapshot(target), Person.objects.count(), denied_events()

    response = REFUSED[endpoint](client, target)

    capability, by_number = NEEDS[endpoint]
    role_may = capability in CAPABILITIES[role]
    assert response.status_code == (404 if by_number and role_may else 403)
    assert target.name.encode() not in response.content
    if by_number:  # the area was not typed by the user: not named either
        assert target.home_area.code.encode() not in response.content
    assert denied_events() == denied + 1
    assert Person.objects.count() == people
    assert snapshot(target) == before
    assert not AuditEvent.objects.filter(action__in=["view", "change", "create"]).exists()


def _queries(person: Person) -> list[str]:
    return [person.name, person.name[:3], person.id_number, person.phone]


@pytest.mark.parametrize("where", ["county2", "parallel tree"])
@pytest.mark.parametrize("role", VIEWING_ROLES)
def test_county_user_search_never_finds_person_of_another_jurisdiction(
        land: Land, role: str, where: str) -> None:
    client = logged_in(role, land.areas.county1)
    target = land.target(where)
    for query in _queries(target):
        page = client.get("/people/", {"q": query})
        assert page.status_code == 200
        assert page.context["people"] == []
        assert f'href="/people/{target.pk}/"'.encode() not in page.content
        api = client.get("/api/v1/people/", {"q": query})
        assert api.status_code == 200
        assert api.json() == []


@pytest.mark.parametrize("role", VIEWING_ROLES)
def test_county_user_finds_and_opens_person_of_own_county(land: Land, role: str) -> None:
    client = logged_in(role, land.areas.county1)
    for query in _queries(land.own):
        assert [p.pk for p in client.get("/people/", {"q": query}).context["people"]] == \
            [land.own.pk]
        assert [p["id"] for p in client.get("/api/v1/people/", {"q": query}).json()] == \
            [land.own.pk]
    assert client.get(f"/people/{land.own.pk}/").status_code == 200
    assert client.get(f"/api/v1/people/{land.own.pk}").status_code == 200


ANALYST_REFUSED: dict[str, Request] = {
    **REFUSED,
    "page search": lambda c, p: c.get("/people/", {"q": p.name}),
    "page register form": lambda c, p: c.get("/people/new/"),
    "api search": lambda c, p: c.get("/api/v1/people/", {"q": p.name}),
}


@pytest.mark.parametrize("endpoint", list(ANALYST_REFUSED))
def test_analyst_is_refused_every_personal_data_page_and_endpoint_even_in_own_county(
        land: Land, endpoint: str) -> None:
    client = logged_in(Role.ANALYST, land.areas.county1)
    before, people, denied = snapshot(land.own), Person.objects.count(), denied_events()

    response = ANALYST_REFUSED[endpoint](client, land.own)

    assert response.status_code == 403
    assert b"Zhao Alder" not in response.content
    assert denied_events() == denied + 1
    assert Person.objects.count() == people
    assert snapshot(land.own) == before


def test_analyst_sees_figures_but_no_names_on_overview_and_area_pages(land: Land) -> None:
    client = logged_in(Role.ANALYST, land.areas.region)
    a = land.areas
    urls = ["/", "/areas/"] + [f"/areas/{area.code}/" for area in (
        a.region, a.pref1, a.county1, a.county2, a.compound1, a.compound1.parent)]
    urls += ["/api/v1/areas/", f"/api/v1/areas/{a.compound1.code}"]
    for url in urls:
        response = client.get(url)
        assert response.status_code == 200, url
        for person in (land.own, land.neighbour):
            assert person.name.encode() not in response.content, url
            assert person.id_number.encode() not in response.content, url
            assert person.phone.encode() not in response.content, url
    assert client.get("/").context["total_people"] == 2


def test_region_user_finds_people_of_both_counties_but_not_of_the_parallel_tree(
        land: Land) -> None:
    client = logged_in(Role.TRACER, land.areas.region)
    for query in ("Zhao", "Qian", "Sun"):
        client.get("/people/", {"q": query})
    found = {p["name"] for q in ("Zhao", "Qian", "Sun")
             for p in client.get("/api/v1/people/", {"q": q}).json()}
    assert found == {"Zhao Alder", "Qian Birch"}
    assert client.get(f"/people/{land.neighbour.pk}/").status_code == 200
    assert client.get(f"/people/{land.corps.pk}/").status_code == 404


def test_user_of_two_counties_sees_both(land: Land) -> None:
    client = logged_in(Role.TRACER, land.areas.county1, land.areas.county2)
    assert client.get(f"/people/{land.own.pk}/").status_code == 200
    assert client.get(f"/people/{land.neighbour.pk}/").status_code == 200
    assert client.get(f"/people/{land.corps.pk}/").status_code == 404


def test_scope_switcher_narrows_search_to_the_chosen_county(land: Land) -> None:
    client = logged_in(Role.TRACER, land.areas.region)
    make_person(land.areas.compound2, name="Zhao Birch")
    names = lambda: sorted(p.name for p in client.get("/people/", {"q": "Zhao"}).context["people"])  # noqa: E731
    assert names() == ["Zhao Alder", "Zhao Birch"]

    response = client.post("/scope/", {"area": land.areas.county1.code})
    assert response.status_code == 302
    assert names() == ["Zhao Alder"]

    client.post("/scope/", {"area": land.areas.county2.code})
    assert names() == ["Zhao Birch"]
    assert [p["name"] for p in client.get("/api/v1/people/", {
        "q": "Zhao", "area": land.areas.county2.code}).json()] == ["Zhao Birch"]

    client.post("/scope/", {"area": ""})
    assert names() == ["Zhao Alder", "Zhao Birch"]


@pytest.mark.parametrize("role", ALL_ROLES)
def test_switching_scope_to_an_area_outside_it_is_refused_and_audited(
        land: Land, role: str) -> None:
    client = logged_in(role, land.areas.county1)
    denied = denied_events()
    for outside in (land.areas.county2, land.areas.corps_unit, land.areas.region):
        response = client.post("/scope/", {"area": outside.code})
        assert response.status_code == 403
        assert client.session.get("scope_area") is None
    assert denied_events() == denied + 3
    assert AuditEvent.objects.filter(action="denied", area_path=land.areas.county2.path).exists()


def test_scope_switcher_narrows_lists_not_the_users_rights(
        land: Land) -> None:
    """The switcher narrows what is listed; the record itself stays in the user's scope."""
    client = logged_in(Role.TRACER, land.areas.region)
    client.post("/scope/", {"area": land.areas.county1.code})
    assert client.get("/people/", {"q": "Qian"}).context["people"] == []
    assert client.get(f"/people/{land.neighbour.pk}/").status_code == 200


def test_an_analyst_of_the_region_who_traces_in_one_county_sees_people_of_that_county_only(
        land: Land) -> None:
    user = make_user(Role.ANALYST, land.areas.region)
    Assignment.objects.create(user=user, role=Role.TRACER, area=land.areas.county1)
    client = Client()
    client.force_login(user)

    assert [p["name"] for q in ("Zhao", "Qian") for p in client.get(
        "/api/v1/people/", {"q": q, "area": land.areas.region.code}).json()] == ["Zhao Alder"]
    assert client.get(f"/people/{land.own.pk}/").status_code == 200
    assert client.get(f"/people/{land.neighbour.pk}/").status_code == 404
    assert client.get(f"/areas/{land.areas.county2.code}/").status_code == 200  # aggregates


def test_viewing_rights_in_one_county_do_not_give_editing_rights_there(land: Land) -> None:
    user = make_user(Role.TRACER, land.areas.county1)
    Assignment.objects.create(user=user, role=Role.COMMANDER, area=land.areas.county2)
    client = Client()
    client.force_login(user)

    assert client.get(f"/people/{land.neighbour.pk}/").status_code == 200
    assert client.get(f"/people/{land.neighbour.pk}/edit/").status_code == 403
    assert client.patch(f"/api/v1/people/{land.neighbour.pk}", {"name": "X"},
                        content_type="application/json").status_code == 403
    assert Person.objects.get(pk=land.neighbour.pk).name == "Qian Birch"


@pytest.mark.parametrize("role", ALL_ROLES)
def test_area_pages_of_another_county_are_refused_and_audited(land: Land, role: str) -> None:
    client = logged_in(role, land.areas.county1)
    denied = denied_events()
    for area in (land.areas.county2, land.areas.compound2, land.areas.corps_unit):
        assert client.get(f"/areas/{area.code}/").status_code == 403
        assert client.get(f"/api/v1/areas/{area.code}").status_code == 403
    assert denied_events() == denied + 6


def test_a_user_without_any_assignment_sees_nothing(land: Land) -> None:
    client = Client()
    client.force_login(make_user(Role.TRACER))
    for url in ("/", "/people/?q=Zhao", f"/people/{land.own.pk}/", "/areas/"):
        assert client.get(url).status_code == 403, url
    assert client.get("/api/v1/areas/").json() == []
    assert client.get(f"/api/v1/people/{land.own.pk}").status_code == 403


def test_nested_assignments_collapse_to_the_outermost_area(land: Land) -> None:
    user = make_user(Role.TRACER, land.areas.county1, land.areas.region, land.areas.compound1)
    assert [a.code for a in scope_areas(user, Can.VIEW_PERSON)] == [land.areas.region.code]
    assert [a.code for a in scope_areas(user, Can.VIEW_PERSON, within=land.areas.county2)] == [
        land.areas.county2.code]
    assert scope_areas(user, Can.VIEW_PERSON, within=land.areas.corps_unit) == []
    assert can(user, Can.VIEW_PERSON, land.areas.compound2)
    assert not can(user, Can.VIEW_PERSON, land.areas.corps_unit)
    assert not can(user, Can.MANAGE_AREAS)


def test_the_scope_switcher_never_redirects_to_another_site(land: Land) -> None:
    client = logged_in(Role.TRACER, land.areas.region)
    response = client.post("/scope/", {"area": land.areas.county1.code,
                                       "next": "https://evil.example/phish"})
    assert response.status_code == 302
    assert response.url == "/"
    response = client.post("/scope/", {"area": land.areas.county1.code, "next": "/people/"})
    assert response.url == "/people/"
