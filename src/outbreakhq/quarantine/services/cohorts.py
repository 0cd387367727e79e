"""Closed-loop staff cohorts (mission S3): front-line staff of quarantine sites, labs, transport
and risk areas, grouped in cohorts, tested as often as the preset says for the cohort's kind
(`quarantine.staff_test_every_days`), with breaches of the loop recorded (who, when, what).

One use case, one transaction; every write audited; people reached through the scoped fetch
(a person or cohort outside the actor's scope answers exactly as a missing one)."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import access_person, fetch_in_scope, require, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.quarantine.models import (
    Breach,
    BreachKind,
    Cohort,
    CohortKind,
    CohortMember,
    StaffTest,
    TestResult,
)
from outbreakhq.quarantine.services.access import named, site_named
from outbreakhq.quarantine.services.stays import read_day, refuse, today


def access_cohort(actor: Actor, cohort_id: int, capability: str = Can.MANAGE_STAYS, *,
                  lock: bool = False) -> Cohort:
    return fetch_in_scope(
        Cohort.objects.select_related("site", "area"), cohort_id, actor=actor,
        capability=capability, what="cohort", lock=lock,
        missing=_("No staff cohort with number %(n)s.") % {"n": cohort_id})


def access_member(actor: Actor, member_id: int, capability: str = Can.MANAGE_STAYS, *,
                  lock: bool = False) -> CohortMember:
    return fetch_in_scope(
        CohortMember.objects.select_related("cohort", "person"), member_id, actor=actor,
        capability=capability, what="cohort member", lock=lock,
        missing=_("No cohort member with number %(n)s.") % {"n": member_id})


def _member_named(actor: Actor, member_id, *, message: str) -> CohortMember:
    require_role(actor, Can.MANAGE_STAYS, what="cohort member")
    return named(actor, CohortMember.objects, member_id, message=message, field="member",
                 missing=_("no cohort member %(n)s that you manage"), lock=True)


def create_cohort(*, actor: Actor, area: Area, kind: str, name: str, site_id=None,
                  place: str = "") -> Cohort:
    """A cohort of `kind` working at a quarantine site (`site_id`, for quarantine-site staff)
    or at the place named in `place` (a lab, a transport hub, a risk area)."""
    message = _("The staff cohort was not created.")
    require_role(actor, Can.MANAGE_STAYS, what="cohort")
    require(actor, Can.MANAGE_STAYS, area, what="cohort")
    name, place = (name or "").strip(), (place or "").strip()
    if kind not in CohortKind.values:
        refuse(message, "kind", _("%(value)r is not one of %(choices)s")
               % {"value": kind, "choices": ", ".join(CohortKind.values)})
    if not name:
        refuse(message, "name", _("is required"))
    site = None
    if kind == CohortKind.QUARANTINE_SITE:
        site = site_named(actor, site_id, message=message)
    elif not place:
        refuse(message, "place", _("name the lab, transport hub or area the cohort works in"))
    with unit_of_work(actor):
        if Cohort.objects.filter(area=area, name=name).exists():
            refuse(message, "name", _("%(name)s already exists in this area") % {"name": name})
        cohort = Cohort.objects.create(tenant_id=area.tenant_id, area=site.area if site else area,
                                       kind=kind, name=name, site=site,
                                       place="" if site else place)
        audit.record(actor=actor, action="create", object_type="cohort", object_id=cohort.pk,
                     area=cohort.area, detail={"kind": kind})
    return cohort


def add_member(*, actor: Actor, cohort_id: int, person_id: int, joined_on=None
               ) -> CohortMember:
    message = _("The person was not added to the cohort.")
    with unit_of_work(actor) as uow:
        require_role(actor, Can.MANAGE_STAYS, what="cohort member")
        cohort = named(actor, Cohort.objects, cohort_id, message=message, field="cohort",
                       missing=_("no staff cohort %(n)s that you manage"), lock=True)
        person = uow.fetch(access_person, person_id, Can.MANAGE_STAYS)
        joined = read_day(joined_on, message=message, field="joined_on", default=today())
        if CohortMember.objects.filter(cohort=cohort, person=person,
                                       left_on__isnull=True).exists():
            refuse(message, "person", _("%(name)s is already in %(cohort)s")
                   % {"name": person.name, "cohort": cohort.name})
        member = CohortMember.objects.create(tenant_id=cohort.tenant_id, area=cohort.area,
                                             cohort=cohort, person=person, joined_on=joined)
        audit.record(actor=actor, action="create", object_type="cohort member",
                     object_id=member.pk, person=person, area=cohort.area,
                     detail={"cohort": cohort.pk})
    return member


def record_staff_test(*, actor: Actor, member_id: int, result: str, on=None) -> StaffTest:
    """A member's test of day `on` (today by default); a second result that day corrects it."""
    message = _("The test was not recorded.")
    with unit_of_work(actor):
        member = _member_named(actor, member_id, message=message)
        if result not in TestResult.values:
            refuse(message, "result", _("%(value)r is not one of %(choices)s")
                   % {"value": result, "choices": ", ".join(TestResult.values)})
        day = read_day(on, message=message, field="date", default=today())
        if day < member.joined_on:
            refuse(message, "date", _("%(day)s is before %(name)s joined the cohort")
                   % {"day": day, "name": member.person.name})
        test, _created = StaffTest.objects.update_or_create(
            member=member, date=day, defaults={"tenant_id": member.tenant_id, "result": result,
                                               "recorded_by_id": actor.user_id})
        audit.record(actor=actor, action="create", object_type="staff test", object_id=test.pk,
                     person=member.person, area=member.area,
                     detail={"member": member.pk, "date": day.isoformat(), "result": result})
    return test


def _when(raw, *, message: str) -> datetime:
    if isinstance(raw, datetime):
        value = raw
    elif raw in (None, ""):
        return timezone.now()
    else:
        value = parse_datetime(str(raw).strip())
        if value is None:
            refuse(message, "occurred_at", _("%(value)r is not a date and time") % {"value": raw})
    if timezone.is_naive(value):
        value = timezone.make_aware(value)
    if value > timezone.now():
        refuse(message, "occurred_at", _("is in the future"))
    return value


def record_breach(*, actor: Actor, member_id: int, kind: str, what: str, occurred_at=None
                  ) -> Breach:
    """A break of the loop: the member left it, missed a test, or was exposed. A member who
    left the loop leaves the cohort on that day."""
    message = _("The breach was not recorded.")
    with unit_of_work(actor):
        member = _member_named(actor, member_id, message=message)
        if kind not in BreachKind.values:
            refuse(message, "kind", _("%(value)r is not one of %(choices)s")
                   % {"value": kind, "choices": ", ".join(BreachKind.values)})
        what = (what or "").strip()
        if not what:
            refuse(message, "what", _("say what happened"))
        when = _when(occurred_at, message=message)
        breach = Breach.objects.create(tenant_id=member.tenant_id, area=member.area,
                                       member=member, kind=kind, occurred_at=when, what=what,
                                       recorded_by_id=actor.user_id)
        if kind == BreachKind.LEFT_LOOP and member.left_on is None:
            member.left_on = max(timezone.localdate(when), member.joined_on)
            member.save(update_fields=["left_on"])
        audit.record(actor=actor, action="create", object_type="breach", object_id=breach.pk,
                     person=member.person, area=member.area,
                     detail={"member": member.pk, "kind": kind})
    return breach


__all__ = ["access_cohort", "access_member", "add_member", "create_cohort", "record_breach",
           "record_staff_test"]
