"""The actor: made once per request, from where the request came; one per command."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.test import RequestFactory

from outbreakhq.core.actor import Actor, actor_of
from outbreakhq.core.models import AuditEvent
from tests.factories import make_user, territory

pytestmark = pytest.mark.django_db


def test_a_request_has_one_actor_carrying_its_address_channel_and_browser() -> None:
    user = make_user("tracer", territory().county1)
    request = RequestFactory().get("/api/v1/cases/", REMOTE_ADDR="10.1.2.3",
                                   HTTP_USER_AGENT="lab-client/1.0")
    request.user = user
    actor = actor_of(request)
    assert actor is actor_of(request)
    assert (actor.user, actor.channel, actor.ip, actor.agent) == (
        user, "api", "10.1.2.3", "lab-client/1.0")


def test_the_actor_is_made_again_when_the_request_changes_hands() -> None:
    request = RequestFactory().get("/people/")
    request.user = AnonymousUser()
    before = actor_of(request)
    request.user = make_user("tracer", territory().county1)
    after = actor_of(request)
    assert (before.is_authenticated, after.is_authenticated, after.channel) == (
        False, True, "web")


def test_assignments_are_read_once_per_actor(django_assert_num_queries) -> None:
    actor = Actor.for_command(make_user("tracer", territory().county1))
    with django_assert_num_queries(1):
        assert actor.assignments == actor.assignments
    assert len(actor.tenant_ids) == 1


def test_a_command_actor_is_audited_on_the_cli_channel_without_an_address() -> None:
    from outbreakhq.core import audit

    actor = Actor.for_command(make_user("tracer", territory().county1, username="cli-user"))
    audit.record(actor=actor, action="view", object_type="person")
    event = AuditEvent.objects.get()
    assert (event.username, event.channel, event.ip) == ("cli-user", "cli", None)
