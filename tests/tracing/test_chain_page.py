"""The chains page's legend says what each mark on the graph means."""

from __future__ import annotations

import pytest
from django.test import Client

from tests.factories import make_user
from tests.tracing.conftest import open_case

pytestmark = pytest.mark.django_db


def page_for(user) -> str:
    client = Client()
    client.force_login(user)
    response = client.get("/chains/")
    assert response.status_code == 200
    return response.content.decode()


def test_the_legend_explains_the_dotted_outline_of_a_source_outside_the_scope(desk):
    regional = make_user("tracer", desk.land.region)
    away = open_case(regional, desk.person(desk.land.compound2))  # in county 2
    first = open_case(regional, desk.person(), source_case=away.pk)  # in county 1
    open_case(desk.tracer, desk.person(), source_case=first.pk)

    county = page_for(desk.tracer)
    assert "source outside your jurisdiction" in county
    assert "source outside your jurisdiction" not in page_for(regional)  # nothing outside


def test_the_graph_names_each_chain_and_offers_to_show_them_all(desk):
    open_case(desk.tracer, desk.person(), source_case=desk.case.pk)
    html = page_for(desk.tracer)
    assert 'data-chain-title="Chain %(n)s: %(cases)s cases"' in html
    assert 'id="graph-fit"' in html and 'href="#chain-1"' in html
