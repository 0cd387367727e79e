"""API tokens for machine clients: shown once, stored as a SHA-256 digest, expiring, revocable."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models.base import ModelState
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor, load_assignments
from outbreakhq.core.errors import InvalidInput, NotAuthenticated, NotFound
from outbreakhq.core.kept import Kept
from outbreakhq.core.models import ApiToken

PREFIX = "ohq_"


def digest(secret: str) -> str:
    # Tokens are 256 random bits, so a fast unsalted hash suffices (no dictionary to attack).
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_token(*, actor: Actor, name: str, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a token; returns it with the secret, which is never stored or shown again."""
    name = name.strip()
    if not name:
        raise InvalidInput(_("Give the token a name that says which client uses it."))
    days = settings.OUTBREAKHQ_TOKEN_DAYS if days is None else days
    if not 1 <= days <= 366:
        raise InvalidInput(_("A token lives 1 to 366 days, not %(days)s.") % {"days": days})
    secret = PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=actor.user, name=name, prefix=secret[:12], digest=digest(secret),
            expires_at=timezone.now() + timedelta(days=days),
        )
        audit.record(actor=actor, action="token", object_type="api_token", object_id=token.pk,
                     detail={"event": "issued", "name": name, "days": days})
    return token, secret


def revoke_token(*, actor: Actor, token_id: int) -> ApiToken:
    token = ApiToken.objects.filter(user=actor.user, pk=token_id, revoked_at__isnull=True).first()
    if token is None:
        raise NotFound(_("No such active token of yours."))
    with transaction.atomic():
        token.revoked_at = timezone.now()
        token.save(update_fields=["revoked_at"])
        audit.record(actor=actor, action="token", object_type="api_token", object_id=token.pk,
                     detail={"event": "revoked", "name": token.name})
    return token


def authenticate(secret: str):
    """The user behind a bearer secret, or NotAuthenticated saying why (expired, revoked…).

    A token found good is kept in this process (core/kept.py) with its user and the user's
    role assignments (issue 9, the 9 a.m. surge: the token and the assignments were two of a
    sealed tube's twelve statements). Revoking a token, disabling an account or changing a
    role saved in this process forgets every kept token at once; the server's other processes
    read the token again at the latest OUTBREAKHQ_API_CACHE_SECONDS later. Expiry is checked
    on every request against the kept date. Refusals are never kept."""
    key = digest(secret)
    now = timezone.now()
    kept = _checked.get(key)
    if kept is not None and kept[1] > now:
        return _own_copy(kept[0])
    token = ApiToken.objects.select_related("user").filter(digest=key).first()
    if token is None:
        raise NotAuthenticated(_("Unknown API token."))
    if token.revoked_at is not None:
        raise NotAuthenticated(_("This API token was revoked; ask for a new one."))
    if token.expires_at <= now:
        raise NotAuthenticated(
            _("This API token expired on %(date)s; create a new one.")
            % {"date": f"{token.expires_at:%Y-%m-%d}"})
    if not token.user.is_active:
        raise NotAuthenticated(_("The account behind this API token is disabled."))
    if token.last_used_at is None or now - token.last_used_at > timedelta(minutes=5):
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    load_assignments(token.user)  # kept on the user object, so kept with it
    _checked.put(key, (token.user, token.expires_at))
    return _own_copy(token.user)


def _own_copy(user):
    """The kept user, as an object of this request's own (a request may set attributes on
    it), sharing the kept assignments: a shallow copy without copy.copy's pickling path."""
    mine = user.__class__.__new__(user.__class__)
    mine.__dict__.update(user.__dict__)
    mine._state = ModelState()
    mine._state.adding, mine._state.db = False, user._state.db
    return mine


# digest -> (the user with their assignments, the token's expiry)
_checked = Kept("tokens", "core.ApiToken", "core.Assignment", settings.AUTH_USER_MODEL)
