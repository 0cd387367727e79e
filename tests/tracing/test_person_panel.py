"""A person's page shows their cases and contact records, within the reader's scope only."""

from __future__ import annotations

import pytest
from django.test import Client

from outbreakhq.core.actor import Actor
from outbreakhq.tracing import services
from tests.factories import make_user
from tests.tracing.conftest import ago

pytestmark = pytest.mark.django_db


def page_of(user, person) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(f"/people/{person.pk}/")
    assert response.status_code == 200
    return response.content.decode()


def test_a_case_shows_on_its_persons_page_with_a_link(desk):
    html = page_of(desk.tracer, desk.patient)
    assert f'href="/cases/{desk.case.pk}/"' in html


def test_a_contact_shows_on_their_page_with_the_case_they_are_a_contact_of(desk):
    neighbour = desk.person(name="Neighbour")
    contact = services.add_contact(actor=Actor.of(desk.tracer), case_id=desk.case.pk,
                                   person_id=neighbour.pk,
                                   data={"contact_type": "household", "last_exposure": ago(1)})
    html = page_of(desk.tracer, neighbour)
    assert f'href="/contacts/{contact.pk}/"' in html
    assert "Patient Zero" in html
    assert "Not a case." in html
    assert f"/cases/new/?person={neighbour.pk}" in html


def test_a_region_commander_sees_the_case_but_not_the_open_case_link(desk):
    commander = make_user("commander", desk.land.region)
    html = page_of(commander, desk.patient)
    assert f'href="/cases/{desk.case.pk}/"' in html
    assert "/cases/new/?person=" not in html
