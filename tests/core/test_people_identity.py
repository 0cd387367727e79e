"""A Chinese resident ID carries the birth date and registered sex: the record must agree."""

from datetime import date

import pytest

from outbreakhq.core import services
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.models import Person
from tests.factories import make_user, resident_id, territory

pytestmark = pytest.mark.django_db


@pytest.fixture
def setting():
    land = territory()
    return land, make_user("tracer", land.county1)


def register(setting, **fields):
    land, tracer = setting
    data = {"name": "Zhao Min", "home_area": land.compound1.code, "id_type": "cn_resident",
            **fields}
    return services.register_person(actor=Actor.of(tracer), data=data)


def test_birth_date_and_sex_are_taken_from_the_resident_id_when_left_empty(setting):
    person = register(setting, id_number=resident_id(date(1979, 6, 4), 3, female=True))
    assert (person.birth_date, person.sex) == (date(1979, 6, 4), "F")


def test_a_birth_date_that_contradicts_the_resident_id_is_refused_and_nothing_saved(setting):
    with pytest.raises(InvalidInput) as refused:
        register(setting, id_number=resident_id(date(1979, 6, 4), 3), birth_date="1979-04-06")
    [error] = refused.value.errors
    assert error.field == "birth_date"
    assert "1979-06-04" in error.message
    assert not Person.objects.exists()


def test_changing_only_the_birth_date_is_checked_against_the_number(setting):
    land, tracer = setting
    person = register(setting, id_number=resident_id(date(1979, 6, 4), 3))
    with pytest.raises(InvalidInput):
        services.update_person(actor=Actor.of(tracer), person_id=person.pk,
                               changes={"birth_date": "1980-01-01"})
    person.refresh_from_db()
    assert person.birth_date == date(1979, 6, 4)


def test_a_sex_that_differs_from_the_registered_one_is_kept_as_typed(setting):
    person = register(setting, id_number=resident_id(date(1979, 6, 4), 3), sex="F")
    assert person.sex == "F"


def test_a_mistyped_resident_id_is_explained_in_the_readers_language(setting):
    from django.utils import translation

    number = resident_id(date(1979, 6, 4), 3)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    with translation.override("zh-hans"), pytest.raises(InvalidInput) as refused:
        register(setting, id_number=wrong)
    [error] = refused.value.errors
    assert error.message.startswith("校验码为")
