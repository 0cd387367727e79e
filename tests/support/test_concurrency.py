"""The same public request sent twice at the same instant (a double tap, a retry while the
first is still being written) on PostgreSQL: one request, and the second answer is the
duplicate's."""

from __future__ import annotations

import threading

import pytest
from django.core.cache import cache
from django.db import connection

from outbreakhq.core.actor import Actor
from outbreakhq.support.models import SupportRequest
from outbreakhq.support.services.requests import submit_public
from tests.factories import territory

# Races need two connections writing at once: PostgreSQL only (tests/conftest.py).
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.postgresql]


def test_two_identical_submissions_at_once_make_one_request() -> None:
    cache.clear()
    community = territory().compound1.parent
    data = {"kind": "dialysis", "name": "Li Na", "area": community.code,
            "address": "Building 3, unit 2, room 401", "phone": "138 0013 8000"}
    tries = 4
    barrier = threading.Barrier(tries)
    answers: list = [None] * tries

    def submit(i: int) -> None:
        try:
            barrier.wait()
            resident = Actor(user=None, channel="web", ip="203.0.113.7")
            answers[i] = submit_public(actor=resident, data=data)
        finally:
            connection.close()

    threads = [threading.Thread(target=submit, args=(i,)) for i in range(tries)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert SupportRequest.objects.count() == 1
    assert sorted(a.duplicate for a in answers) == [False] + [True] * (tries - 1)
    assert {a.request.pk for a in answers} == {SupportRequest.objects.get().pk}
