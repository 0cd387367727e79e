"""The person acting: made once per request (web or API) or once per command, then handed to
every service as `actor=`. Services never see the web request: what audit needs of it (the
address, the channel, the browser) is read here, once.

    actor = actor_of(request)                  # a view or an API handler
    actor = Actor.for_command(user)            # a management command, a background job, a test
    services.open_case(actor=actor, ...)
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

from outbreakhq.core.models import Assignment

API_PREFIX = "/api/"
_CACHE_ATTR = "_outbreakhq_assignments"
_REQUEST_ATTR = "_outbreakhq_actor"


def client_ip(request) -> str | None:
    # Behind a reverse proxy, set it to overwrite REMOTE_ADDR (docs/operations.md); trusting
    # X-Forwarded-For from anyone would let a client forge where it came from.
    return request.META.get("REMOTE_ADDR") if request is not None else None


def channel_of(request) -> str:
    if request is None:
        return "cli"
    return "api" if request.path.startswith(API_PREFIX) else "web"


def load_assignments(user) -> list[Assignment]:
    """The user's role assignments, read once (cached on the user object, which a request, a
    command and the actors made for it share)."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return []
    cached = getattr(user, _CACHE_ATTR, None)
    if cached is None:
        cached = list(Assignment.objects.filter(user=user).select_related("area"))
        setattr(user, _CACHE_ATTR, cached)
    return cached


@dataclass(frozen=True, eq=False)
class Actor:
    """Who acts, and from where: the user (possibly anonymous, for a refused sign-in), the
    channel ("web", "api", "cli"), the client's address and browser for the audit trail.
    Assignments, capability areas and tenants are read on first use and kept for the actor's
    life (one request or one command)."""

    user: Any
    channel: str = "cli"
    ip: str | None = None
    agent: str = ""

    @classmethod
    def from_request(cls, request) -> Actor:
        return cls(user=request.user, channel=channel_of(request), ip=client_ip(request),
                   agent=request.META.get("HTTP_USER_AGENT", "")[:200])

    @classmethod
    def anonymous(cls, request=None) -> Actor:
        """Nobody signed in (a sign-in attempt), from where the request came, if any."""
        return cls(user=None, channel=channel_of(request), ip=client_ip(request))

    @classmethod
    def signing_in(cls, request, user) -> Actor:
        """`user`, whose password was right, while the request is not yet theirs (two-factor
        step) or has just become theirs (the sign-in event)."""
        return cls(user=user, channel=channel_of(request), ip=client_ip(request),
                   agent=request.META.get("HTTP_USER_AGENT", "")[:200])

    @classmethod
    def for_command(cls, user) -> Actor:
        """A management command, a background job or a test acting as `user`."""
        return cls(user=user, channel="cli")

    @classmethod
    def of(cls, who) -> Actor:
        """`who` as an actor: an Actor unchanged, a user as for a command."""
        return who if isinstance(who, Actor) else cls.for_command(who)

    @property
    def is_authenticated(self) -> bool:
        return bool(getattr(self.user, "is_authenticated", False))

    @property
    def username(self) -> str:
        return self.user.get_username() if self.is_authenticated else ""

    @property
    def user_id(self) -> int | None:
        return self.user.pk if self.is_authenticated else None

    @cached_property
    def assignments(self) -> list[Assignment]:
        return load_assignments(self.user)

    @cached_property
    def tenant_ids(self) -> frozenset[int]:
        """The jurisdiction trees the actor holds any role in."""
        return frozenset(a.area.tenant_id for a in self.assignments)


def actor_of(request) -> Actor:
    """The request's actor, made once. Made again only if the request's user changed since
    (a sign-in, or the API token scheme setting the user after the middleware ran)."""
    actor = getattr(request, _REQUEST_ATTR, None)
    if actor is None or actor.user is not request.user:
        actor = Actor.from_request(request)
        setattr(request, _REQUEST_ATTR, actor)
    return actor
