"""Records of risk areas for tests outside tests/zones (the access matrix)."""

from __future__ import annotations

from django.db.models import Max
from django.utils import timezone

from outbreakhq.core.models import Area
from outbreakhq.zones.models import (
    Alert,
    AlertKind,
    Designation,
    KeyPlace,
    PlaceKind,
    Status,
    ZoneEvent,
)


def zones_ids(area: Area) -> dict:
    """URL arguments of the zones API for tests/core/test_access.py: a waiting proposal (not
    stale), an open alert and a key place in `area`."""
    last = ZoneEvent.objects.filter(area=area).aggregate(n=Max("id"))["n"] or 0
    proposal = Designation.objects.create(
        tenant_id=area.tenant_id, area=area, grade="high", since=timezone.localdate(),
        status=Status.PROPOSED, basis={"last_event": last})
    alert = Alert.objects.create(tenant_id=area.tenant_id, area=area,
                                 kind=AlertKind.UNKNOWN_SOURCE, day=timezone.localdate())
    place = KeyPlace.objects.create(tenant_id=area.tenant_id, area=area,
                                    kind=PlaceKind.values[0], name="Market", people=10)
    return {"designation": proposal.pk, "alert": alert.pk, "place": place.pk}
