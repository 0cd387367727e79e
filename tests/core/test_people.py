"""People: registration and changes through the service and the page form, validation that names
the field and saves nothing, search by identity number, phone or name, key groups, and moves."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.test import Client

from outbreakhq.core import services
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, OutOfScope
from outbreakhq.core.models import AuditEvent, Person
from outbreakhq.core.roles import Role
from outbreakhq.core.services import classify_query
from tests.factories import Territory, make_person, make_user, resident_id

VALID_ID = resident_id(date(1985, 6, 15), 7)  # 990101 19850615 015 + check
MISTYPED_ID = VALID_ID[:-1] + ("0" if VALID_ID[-1] != "0" else "1")



@pytest.fixture
def tracer(land: Territory):
    return make_user(Role.TRACER, land.county1)


def fields_of(exc: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [e.field for e in exc.value.errors]


def registration(land: Territory, **changes) -> dict:
    return {"name": "Wang Fang", "sex": "F", "birth_date": "1985-06-15", "id_type": "cn_resident",
            "id_number": VALID_ID.lower(), "phone": "139-0000 1111",
            "home_area": land.compound1.code, "address": "7 Elm Lane",
            "key_groups": ["market_vendor"], **changes}


def test_registering_a_person_normalises_numbers_and_places_them_in_their_tenant(
        land: Territory, tracer) -> None:
    person = services.register_person(actor=Actor.of(tracer), data=registration(land))

    person.refresh_from_db()
    assert person.id_number == VALID_ID.upper()
    assert person.phone == "13900001111"
    assert person.birth_date == date(1985, 6, 15)
    assert person.home_area == land.compound1
    assert person.tenant == land.region
    assert [g.code for g in person.key_groups.all()] == ["market_vendor"]
    assert person.personkeygroup_set.get().tenant == land.region


def test_a_person_in_the_parallel_tree_belongs_to_that_tenant(land: Territory) -> None:
    user = make_user(Role.TRACER, land.corps_root)
    person = services.register_person(actor=Actor.of(user), data=registration(
        land, home_area=land.corps_unit.code))
    assert person.tenant == land.corps_root


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"id_number": MISTYPED_ID}, "id_number", "check character"),
    ({"id_number": "12345"}, "id_number", "17 digits"),
    ({"id_type": "passport", "id_number": "E1"}, "id_number", "passport"),
    ({"id_type": "none", "id_number": "E12345678"}, "id_number", "no document"),
    ({"home_area": "000000"}, "home_area", "unknown area code '000000'"),
    ({"home_area": ""}, "home_area", "is required"),
    ({"name": "   "}, "name", "is required"),
    ({"birth_date": "1985-13-01"}, "birth_date", "is not a date"),
    ({"birth_date": (date.today() + timedelta(days=1)).isoformat()}, "birth_date", "future"),
    ({"phone": "call me"}, "phone", "is not a phone number"),
    ({"sex": "Q"}, "sex", "must be one of"),
    ({"id_type": "library_card"}, "id_type", "unknown document type"),
    ({"key_groups": ["market_vendor", "astronaut"]}, "key_groups", "unknown key group astronaut"),
    ({"key_groups": ["market\x00vendor"]}, "key_groups", "unknown key group"),
    ({"name": "x" * 201}, "name", "is longer than 200 characters"),
    ({"address": "y" * 301}, "address", "is longer than 300 characters"),
    ({"name": "Wang\x00Fang"}, "name", "control characters"),
    ({"address": "1 Elm\nLane"}, "address", "control characters"),
    ({"home_area": "990101\x00"}, "home_area", "unknown area code"),
])
def test_invalid_input_names_the_field_and_saves_nothing(
        land: Territory, tracer, changes: dict, field: str, message: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.register_person(actor=Actor.of(tracer), data=registration(land, **changes))
    assert fields_of(caught) == [field]
    assert message in caught.value.errors[0].message
    assert not Person.objects.exists()
    assert not AuditEvent.objects.exists()


def test_every_wrong_field_is_named_at_once(land: Territory, tracer) -> None:
    with pytest.raises(InvalidInput) as caught:
        services.register_person(actor=Actor.of(tracer), data={"phone": "x", "birth_date": "soon"})
    assert sorted(fields_of(caught)) == ["birth_date", "home_area", "name", "phone"]


def test_registering_in_an_area_outside_scope_is_refused_and_audited(
        land: Territory, tracer) -> None:
    with pytest.raises(OutOfScope):
        services.register_person(actor=Actor.of(tracer), data=registration(land,
                                                                           home_area=land.compound2.code))
    assert not Person.objects.exists()
    assert AuditEvent.objects.get().action == "denied"


def test_updating_changes_only_the_given_fields(land: Territory, tracer) -> None:
    person = make_person(land.compound1, name="Old", phone="13900000000", address="1 Oak Road")

    services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                           changes={"phone": "+86 139 1111 2222"})

    person.refresh_from_db()
    assert (person.name, person.phone, person.address) == ("Old", "+8613911112222", "1 Oak Road")


def test_an_invalid_change_saves_nothing(land: Territory, tracer) -> None:
    person = make_person(land.compound1, name="Old")
    before = Person.objects.filter(pk=person.pk).values().get()
    with pytest.raises(InvalidInput) as caught:
        services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                               changes={"name": "New", "id_number": "990101"})
    assert fields_of(caught) == ["id_number"]
    assert Person.objects.filter(pk=person.pk).values().get() == before


def test_changing_the_document_type_checks_the_kept_number_against_the_new_type(
        land: Territory, tracer) -> None:
    person = make_person(land.compound1)
    with pytest.raises(InvalidInput) as caught:
        services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                               changes={"id_type": "taiwan"})
    assert fields_of(caught) == ["id_number"]
    services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                           changes={"id_type": "taiwan", "id_number": "12345678"})
    person.refresh_from_db()
    assert (person.id_type, person.id_number) == ("taiwan", "12345678")


def test_key_groups_are_set_changed_and_cleared(land: Territory, tracer) -> None:
    person = services.register_person(actor=Actor.of(tracer), data=registration(
        land, key_groups=["health_worker", "traveller"]))
    groups = lambda: sorted(person.key_groups.values_list("code", flat=True))  # noqa: E731
    assert groups() == ["health_worker", "traveller"]

    services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                           changes={"key_groups": "traveller, market_vendor"})
    assert groups() == ["market_vendor", "traveller"]

    services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                           changes={"name": "Wang Fang"})
    assert groups() == ["market_vendor", "traveller"]  # not given: kept

    services.update_person(actor=Actor.of(tracer), person_id=person.pk, changes={"key_groups": []})
    assert groups() == []


def test_moving_a_person_within_scope_works(land: Territory) -> None:
    user = make_user(Role.TRACER, land.pref1)
    person = make_person(land.compound1)
    services.update_person(actor=Actor.of(user), person_id=person.pk,
                           changes={"home_area": land.compound2.code})
    person.refresh_from_db()
    assert (person.home_area, person.tenant) == (land.compound2, land.region)


def test_moving_a_person_to_an_area_of_another_tree_is_refused(land: Territory) -> None:
    user = make_user(Role.TRACER, land.county1, land.corps_root)
    person = make_person(land.compound1)
    with pytest.raises(InvalidInput) as caught:
        services.update_person(actor=Actor.of(user), person_id=person.pk,
                               changes={"home_area": land.corps_unit.code})
    assert fields_of(caught) == ["home_area"]
    assert "another jurisdiction tree" in caught.value.errors[0].message
    person.refresh_from_db()
    assert person.home_area == land.compound1


def test_moving_a_person_out_of_scope_is_refused_and_audited(land: Territory, tracer) -> None:
    person = make_person(land.compound1)
    with pytest.raises(OutOfScope):
        services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                               changes={"home_area": land.compound2.code})
    person.refresh_from_db()
    assert person.home_area == land.compound1
    assert list(AuditEvent.objects.values_list("action", flat=True)) == ["denied"]


def test_opening_a_person_that_does_not_exist_is_not_found(land: Territory, tracer) -> None:
    client = Client()
    client.force_login(tracer)
    assert client.get("/people/999999/").status_code == 404
    assert client.get("/api/v1/people/999999").status_code == 404


# Search


@pytest.mark.parametrize(("typed", "kind", "value"), [
    ("11010519491231002x", "id_number", "11010519491231002X"),
    (" 110105 19491231 002X ", "id_number", "11010519491231002X"),
    ("e12345678", "id_number", "E12345678"),
    ("139-0000-1111", "phone", "13900001111"),
    ("+86 139 0000 1111", "phone", "+8613900001111"),
    ("Wang", "name", "Wang"),
    ("  王 ", "name", "王"),
    ("", "name", ""),
])
def test_classify_query_tells_numbers_from_names(typed: str, kind: str, value: str) -> None:
    assert classify_query(typed) == (kind, value)


@pytest.fixture
def residents(land: Territory) -> dict[str, Person]:
    return {
        "wang": make_person(land.compound1, name="Wang Fang", phone="13900001111",
                            id_number="11010519491231002X"),
        "wangli": make_person(land.compound1, name="wang Li"),
        "zhang": make_person(land.compound1, name="张伟", id_type="passport",
                             id_number="E12345678"),
        "fangwang": make_person(land.compound1, name="Fang Wang"),
    }


def names(found: list[Person]) -> list[str]:
    return [p.name for p in found]


def test_search_by_identity_number_finds_exactly_that_person(
        tracer, residents: dict[str, Person]) -> None:
    assert names(services.search_people(actor=Actor.of(tracer),
                                        query="11010519491231002x")) == ["Wang Fang"]
    assert names(services.search_people(actor=Actor.of(tracer), query="e1234 5678")) == ["张伟"]
    assert services.search_people(actor=Actor.of(tracer), query="11010519491231003X") == []


def test_search_by_phone_ignores_spaces_and_dashes(
        tracer, residents: dict[str, Person]) -> None:
    assert names(services.search_people(actor=Actor.of(tracer),
                                        query="139-0000 1111")) == ["Wang Fang"]


def test_search_by_name_matches_the_start_of_the_name_in_any_case(
        tracer, residents: dict[str, Person]) -> None:
    assert names(services.search_people(actor=Actor.of(tracer), query="wang")) == ["Wang Fang",
                                                                                   "wang Li"]
    assert names(services.search_people(actor=Actor.of(tracer), query="张")) == ["张伟"]
    assert "Fang Wang" not in names(services.search_people(actor=Actor.of(tracer), query="Wang"))


def test_a_search_with_control_characters_finds_nothing_and_does_not_fail(
        tracer, residents: dict[str, Person]) -> None:
    """PostgreSQL refuses NUL in a query; the search drops control characters first."""
    assert names(services.search_people(actor=Actor.of(tracer), query="Wa\x00ng")) == ["Wang Fang",
                                                                                       "wang Li"]
    assert services.search_people(actor=Actor.of(tracer), query="\x00") == []


def test_search_respects_the_limit(land: Territory, tracer) -> None:
    for n in range(5):
        make_person(land.compound1, name=f"Li {n}")
    assert len(services.search_people(actor=Actor.of(tracer), query="Li", limit=3)) == 3


def test_an_empty_search_finds_nothing_and_records_nothing(tracer, residents) -> None:
    assert services.search_people(actor=Actor.of(tracer), query="   ") == []
    assert not AuditEvent.objects.exists()


def test_the_people_page_searches_and_offers_registration(
        land: Territory, tracer, residents: dict[str, Person]) -> None:
    client = Client()
    client.force_login(tracer)

    page = client.get("/people/", {"q": "wang"}).content.decode()
    assert f'href="/people/{residents["wang"].pk}/"' in page
    assert "Fang Wang" not in page
    empty = client.get("/people/", {"q": "Nobody"}).content.decode()
    assert "Nobody in your jurisdiction matches" in empty
    partial = client.get("/people/", {"q": "wang"}, HTTP_HX_REQUEST="true")
    assert b"<html" not in partial.content and b"Wang Fang" in partial.content


# The page form


def form_data(land: Territory, **changes) -> dict:
    data = registration(land, **changes)
    return {k: v for k, v in data.items() if v is not None}


def test_registering_through_the_page_form_redirects_to_the_person(
        land: Territory, tracer) -> None:
    client = Client()
    client.force_login(tracer)

    response = client.post("/people/new/", form_data(land))

    person = Person.objects.get()
    assert response.status_code == 302
    assert response.url == f"/people/{person.pk}/"
    assert person.id_number == VALID_ID.upper()
    assert [g.code for g in person.key_groups.all()] == ["market_vendor"]


def test_an_invalid_identity_number_on_the_page_is_shown_next_to_the_field_and_nothing_saved(
        land: Territory, tracer) -> None:
    client = Client()
    client.force_login(tracer)

    response = client.post("/people/new/", form_data(land, id_number=MISTYPED_ID))

    assert response.status_code == 200
    assert not Person.objects.exists()
    form = response.context["form"]
    assert list(form.errors) == ["id_number"]
    assert "check character" in form.errors["id_number"][0]
    page = response.content.decode()
    error_at = page.index("check character")
    assert page.index('name="id_number"') > error_at > page.index('name="id_type"')
    assert 'value="Wang Fang"' in page  # what was typed is kept


def test_an_invalid_change_on_the_edit_page_keeps_the_stored_record(
        land: Territory, tracer) -> None:
    person = make_person(land.compound1, name="Old Name")
    before = Person.objects.filter(pk=person.pk).values().get()
    client = Client()
    client.force_login(tracer)

    response = client.post(f"/people/{person.pk}/edit/", form_data(
        land, name="New Name", phone="not a phone", id_number=person.id_number))

    assert response.status_code == 200
    assert list(response.context["form"].errors) == ["phone"]
    assert Person.objects.filter(pk=person.pk).values().get() == before


def test_the_edit_page_changes_key_groups(land: Territory, tracer) -> None:
    person = services.register_person(actor=Actor.of(tracer), data=registration(land))
    client = Client()
    client.force_login(tracer)

    form = client.get(f"/people/{person.pk}/edit/").context["form"]
    assert form.initial["key_groups"] == ["market_vendor"]
    response = client.post(f"/people/{person.pk}/edit/", form_data(
        land, key_groups=["health_worker", "traveller"]))

    assert response.status_code == 302
    assert sorted(person.key_groups.values_list("code", flat=True)) == ["health_worker",
                                                                        "traveller"]


def test_a_role_without_change_rights_sees_no_edit_link_and_cannot_edit(
        land: Territory) -> None:
    person = make_person(land.compound1)
    client = Client()
    client.force_login(make_user(Role.COMMANDER, land.county1))
    page = client.get(f"/people/{person.pk}/").content.decode()
    assert f"/people/{person.pk}/edit/" not in page
    assert client.get(f"/people/{person.pk}/edit/").status_code == 403
