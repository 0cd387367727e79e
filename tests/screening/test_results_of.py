"""`screening.results_of_many` answers a list of people in one query, under the rule of
`screening.results_of`: a negative pool is a negative for each member, a positive pool tells
nothing of one member."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from outbreakhq.core import hooks


def test_many_people_are_answered_in_one_query_as_each_alone(screen) -> None:
    negative, positive, never = screen.people(3), screen.people(3), screen.people(1)
    screen.submit("N1", negative)
    screen.submit("P1", positive)
    screen.ship_and_receive("B1", "N1", "P1")
    screen.results(("N1", "negative"), ("P1", "positive"))
    everyone = [p.pk for p in negative + positive + never]
    with CaptureQueriesContext(connection) as queries:
        many = hooks.ask("screening.results_of_many", everyone)
    assert len(queries) == 1
    assert sorted(many) == sorted(p.pk for p in negative)
    assert all(found[0][1] == "negative" for found in many.values())
    assert {p: hooks.ask("screening.results_of", p) for p in everyone} == {
        p: many.get(p, []) for p in everyone}
