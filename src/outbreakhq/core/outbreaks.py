"""Declaring the outbreak of a jurisdiction tree over, and reopening it when it flares up again.

The unit is the tree (the tenant, its root area), not a subtree: records of one outbreak cross
the counties of a tree (a case in one county, its contacts in the next, and a contact is deleted
with its source case), and the tree is the unit the tables are distributed by (docs/scaling.md),
so one tree's purge is one transaction on one shard. Only an administrator of the whole tree may
declare it over or reopen it.
"""

from __future__ import annotations

from datetime import date

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.models import Area, OutbreakDeclaration
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import require

NOTE_LIMIT = 300


def open_declaration(tenant: Area) -> OutbreakDeclaration | None:
    """The tree's declaration in force, or None while the outbreak is active."""
    return OutbreakDeclaration.objects.filter(tenant=tenant, reopened_at__isnull=True).first()


def _tree_root(area: Area) -> Area:
    if area.parent_id is not None:
        root = area.root or area
        raise InvalidInput(
            _("An outbreak is declared over for a whole jurisdiction tree: use its root area "
              "%(code)s, not %(area)s.") % {"code": root.code, "area": area.code},
            [FieldError("area", _("is not the root of its tree"))])
    return area


def _text(value: str, field: str) -> str:
    value = (value or "").strip()
    if len(value) > NOTE_LIMIT:
        raise InvalidInput(_("The declaration was not saved."),
                           [FieldError(field, _("is longer than %(n)d characters")
                                       % {"n": NOTE_LIMIT})])
    return value


def declare_outbreak_over(*, actor: Actor, area: Area, on: date,
                          note: str = "") -> OutbreakDeclaration:
    """Declare the tree's outbreak over on `on` (today or earlier): from then on each kind of
    its records is purged once its retention period has run (core/purge.py)."""
    tenant = _tree_root(area)
    require(actor, Can.MANAGE_RETENTION, tenant, what="outbreak")
    if on > timezone.localdate():
        raise InvalidInput(_("The declaration was not saved."),
                           [FieldError("on", _("is in the future"))])
    note = _text(note, "note")
    with transaction.atomic():
        current = OutbreakDeclaration.objects.select_for_update().filter(
            tenant=tenant, reopened_at__isnull=True).first()
        if current is not None:
            raise InvalidInput(_("The outbreak in %(area)s was already declared over on %(on)s; "
                                 "reopen it first.") % {"area": tenant.code,
                                                        "on": current.over_on.isoformat()})
        try:
            with transaction.atomic():
                declaration = OutbreakDeclaration.objects.create(
                    tenant=tenant, over_on=on, note=note, declared_by=actor.user,
                    declared_by_username=actor.username)
        except IntegrityError:  # a second administrator declared it at the same moment
            raise InvalidInput(_("The outbreak in %(area)s was already declared over.")
                               % {"area": tenant.code}) from None
        audit.record(actor=actor, action="create", object_type="outbreak_declaration",
                     object_id=declaration.pk, area=tenant,
                     detail={"over_on": on.isoformat()})
    return declaration


def reopen_outbreak(*, actor: Actor, area: Area, reason: str = "") -> OutbreakDeclaration:
    """The outbreak flared up again: the declaration stops, and with it every pending purge.
    Records already purged stay purged."""
    tenant = _tree_root(area)
    require(actor, Can.MANAGE_RETENTION, tenant, what="outbreak")
    reason = _text(reason, "reason")
    with transaction.atomic():
        current = OutbreakDeclaration.objects.select_for_update().filter(
            tenant=tenant, reopened_at__isnull=True).first()
        if current is None:
            raise InvalidInput(_("The outbreak in %(area)s is not declared over; there is "
                                 "nothing to reopen.") % {"area": tenant.code})
        current.reopened_at = timezone.now()
        current.reopened_by = actor.user
        current.reopened_by_username = actor.username
        current.reopen_reason = reason
        current.save(update_fields=["reopened_at", "reopened_by", "reopened_by_username",
                                    "reopen_reason"])
        audit.record(actor=actor, action="change", object_type="outbreak_declaration",
                     object_id=current.pk, area=tenant,
                     detail={"reopened": True, "over_on": current.over_on.isoformat()})
    return current
