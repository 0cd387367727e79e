"""Early-warning alerts: acknowledged by someone who holds alert.acknowledge over the area."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import fetch_in_scope
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.zones.models import Alert


def access_alert(actor: Actor, alert_id: int, capability: str = Can.ACKNOWLEDGE_ALERTS, *,
                 lock: bool = False) -> Alert:
    return fetch_in_scope(Alert.objects.all(), alert_id, actor=actor, capability=capability,
                          what="alert", lock=lock, seen_with=Can.VIEW_AGGREGATES,
                          missing=_("No alert with number %(n)s.") % {"n": alert_id})


def acknowledge(*, actor: Actor, alert_id: int) -> Alert:
    """Mark an alert as seen and handled; once only."""
    with unit_of_work(actor) as uow:
        alert = uow.fetch(access_alert, alert_id, Can.ACKNOWLEDGE_ALERTS)
        if alert.acknowledged_at is not None:
            raise InvalidInput(_("The alert was not changed."), [FieldError(
                "acknowledged_at", _("already acknowledged on %(when)s")
                % {"when": f"{timezone.localtime(alert.acknowledged_at):%Y-%m-%d %H:%M}"})])
        alert.acknowledged_by, alert.acknowledged_at = actor.user, timezone.now()
        alert.save(update_fields=["acknowledged_by", "acknowledged_at"])
        audit.record(actor=actor, action="change", object_type="alert", object_id=alert.pk,
                     area=alert.area, detail={"acknowledged": True, "kind": alert.kind})
    return alert
