"""Fixtures of support's tests: the test territory, a community worker of its first township,
and hooks answering for the modules support asks (zones, screening, quarantine)."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from outbreakhq.core import hooks
from tests.factories import logged_in, make_user, territory


@pytest.fixture
def land(db):
    cache.clear()
    return territory()


@pytest.fixture
def township(land):
    return land.compound1.parent.parent


@pytest.fixture
def community(land):
    return land.compound1.parent


@pytest.fixture
def worker(township):
    return make_user("community", township)


@pytest.fixture
def worker_client(worker):
    return logged_in(worker)


@pytest.fixture
def answers(monkeypatch):
    """Stand-ins for the other modules' answers: set grade, results and stays per test."""
    state = {"grades": {}, "results": {}, "stays": set()}

    def grade_of(path, day):
        best = None
        for prefix, grade in state["grades"].items():
            if path.startswith(prefix) and (best is None or len(prefix) > len(best[0])):
                best = (prefix, grade)
        return best[1] if best else None

    monkeypatch.setitem(hooks.PROVIDERS, "zones.grade_of", grade_of)
    monkeypatch.setitem(hooks.PROVIDERS, "zones.grades_of_many",
                        lambda paths, day: {p: grade_of(p, day) for p in paths})
    monkeypatch.setitem(hooks.PROVIDERS, "screening.results_of",
                        lambda pid: state["results"].get(pid, []))
    monkeypatch.setitem(hooks.PROVIDERS, "quarantine.results_of", lambda pid: [])
    monkeypatch.setitem(hooks.PROVIDERS, "quarantine.in_stay",
                        lambda pid, day: pid in state["stays"])
    monkeypatch.setitem(hooks.PROVIDERS, "screening.results_of_many",
                        lambda pids: {p: state["results"][p] for p in pids
                                      if p in state["results"]})
    monkeypatch.setitem(hooks.PROVIDERS, "quarantine.results_of_many", lambda pids: {})
    monkeypatch.setitem(hooks.PROVIDERS, "quarantine.in_stay_many",
                        lambda pids, day: set(pids) & state["stays"])
    return state
