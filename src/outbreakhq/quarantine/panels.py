"""The quarantine manager's home panel and the overview's occupancy tile (core/hooks.py)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Can
from outbreakhq.quarantine import worklists
from outbreakhq.quarantine.models import Room, Site, Stay, StayStatus


def home_panel(actor: Actor, area=None) -> dict | None:
    """Today's arrivals, releases due, tests due and overdue, people awaiting a place."""
    counts = worklists.day_counts(actor, timezone.localdate(), area)
    return counts if any(counts.values()) else None


def tile(actor: Actor, area=None) -> dict:
    """Occupancy in aggregate: beds, people holding a bed today, people in a stay."""
    today = timezone.localdate()
    sites = Site.objects.visible_to(actor, Can.VIEW_AGGREGATES, within=area)
    beds = Room.objects.filter(site__in=sites).aggregate(n=Sum("beds"))["n"] or 0
    stays = Stay.objects.filter(site__in=sites, status=StayStatus.PLACED)
    in_rooms = stays.filter(room__isnull=False, quarantine_end__gte=today).count()
    return {"beds": beds, "in_rooms": in_rooms, "in_stay": stays.count(),
            "free": max(0, beds - in_rooms)}


def staff_panel(actor: Actor, area=None) -> dict | None:
    """Closed-loop staff: members not tested today and breaches of the last 7 days (counts
    only: the panel names nobody, so the read is not audited as a list of people)."""
    today = timezone.localdate()
    counts = worklists.staff_counts(actor, today, area)
    return counts if any(counts.values()) else None
