"""The quarantine manager's home panel and the overview's occupancy tile (core/hooks.py)."""

from __future__ import annotations

from django.db.models import Sum
from django.utils import timezone

from outbreakhq.core.actor import Actor
from outbreakhq.core.roles import Can
from outbreakhq.quarantine import rules, worklists
from outbreakhq.quarantine.models import CohortMember, Room, Site, Stay, StayStatus
from outbreakhq.quarantine.services.access import rule_of


def home_panel(actor: Actor, area=None) -> dict | None:
    """Today's arrivals, releases due, tests due and overdue, people awaiting a place; zeros
    shown too (a quiet day reads as a quiet day, not as a missing panel)."""
    return worklists.day_counts(actor, timezone.localdate(), area)


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


def person(actor: Actor, person) -> dict:
    """The person page's quarantine section (core's page, through hooks.person_panel): the
    person's stays in the actor's sites, the current stay's schedule with its results, and the
    closed-loop cohorts they are in, read as the quarantine pages read them (a manager's
    sites, a commander's scope). Nothing for a role that holds neither."""
    capability = worklists.reading_capability(actor)
    if capability is None:
        return {}
    stays = list(worklists.stays_of(actor, capability).filter(person=person).select_related("site")
                 .order_by("-pk")[:10])
    current = next((s for s in stays if s.status == StayStatus.PLACED), None)
    days = []
    if current is not None:
        results = dict(current.tests.values_list("day", "result"))
        days = [{"row": d, "result": results.get(d.day)}
                for d in rules.schedule(rule_of(current), current.start) if d.test]
    members = list(CohortMember.objects.visible_to(actor, capability)
                   .filter(person=person).select_related("cohort").order_by("-pk")[:10])
    return {"stays": stays, "current": current, "test_days": days, "cohorts": members,
            "manages": capability == Can.MANAGE_STAYS}  # cohort pages are the managers'
