"""Campaigns, rounds and collection sites: the planner's use cases."""

from __future__ import annotations

from datetime import date, time

from django.db import transaction
from django.utils.translation import gettext as _

from outbreakhq.core import audit, events
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput
from outbreakhq.core.events import ScreeningRoundClosed
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import access_person, require, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.screening.models import (
    Campaign,
    Exemption,
    Lab,
    Result,
    Round,
    RoundKind,
    Site,
    Tube,
    TubeMember,
)
from outbreakhq.screening.services.common import access_round, row_error, user_of


def _area(code: str, message: str) -> Area:
    area = Area.objects.filter(code=str(code or "").strip()).first()
    if area is None:
        raise InvalidInput(message, [row_error(None, "area", _("no area with code %(code)s")
                                               % {"code": code})])
    return area


def create_campaign(*, actor: Actor, name: str, area_code: str) -> Campaign:
    require_role(actor, Can.PLAN_SCREENING, what="screening_campaign")
    area = _area(area_code, _("The campaign was not saved."))
    require(actor, Can.PLAN_SCREENING, area, what="screening_campaign")
    with transaction.atomic():
        campaign = Campaign.objects.create(tenant_id=area.tenant_id, area=area,
                                           name=name.strip() or area.name_en,
                                           created_by=user_of(actor))
        audit.record(actor=actor, action="create", object_type="screening_campaign",
                     object_id=campaign.pk, area=area)
    return campaign


def create_round(*, actor: Actor, campaign: Campaign, day: date, kind: str = RoundKind.COMMUNITY,
                 area_code: str | None = None) -> Round:
    """A day of sampling of the campaign's area (or a subtree of it)."""
    require_role(actor, Can.PLAN_SCREENING, what="screening_round")
    message = _("The round was not saved.")
    area = _area(area_code, message) if area_code else campaign.area
    require(actor, Can.PLAN_SCREENING, area, what="screening_round")
    if not area.path.startswith(campaign.area.path):
        raise InvalidInput(message, [row_error(None, "area", _("outside the campaign's area"))])
    kind = RoundKind(kind)
    with transaction.atomic():
        round_ = Round.objects.create(tenant_id=area.tenant_id, campaign=campaign, area=area,
                                      day=day, kind=kind)
        audit.record(actor=actor, action="create", object_type="screening_round",
                     object_id=round_.pk, area=area)
    return round_


def create_site(*, actor: Actor, name: str, area_code: str, opens: time | None = None,
                closes: time | None = None, capacity_per_hour: int = 0,
                home_visits: bool = False) -> Site:
    require_role(actor, Can.PLAN_SCREENING, what="screening_site")
    area = _area(area_code, _("The collection site was not saved."))
    require(actor, Can.PLAN_SCREENING, area, what="screening_site")
    with transaction.atomic():
        site = Site.objects.create(tenant_id=area.tenant_id, area=area, name=name.strip(),
                                   opens=opens, closes=closes,
                                   capacity_per_hour=capacity_per_hour,
                                   home_visits=home_visits)
        audit.record(actor=actor, action="create", object_type="screening_site",
                     object_id=site.pk, area=area)
    return site


def create_lab(*, actor: Actor, name: str, area_code: str) -> Lab:
    """A testing laboratory at an area: the technicians of that area receive boxes at it."""
    require_role(actor, Can.PLAN_SCREENING, what="screening_lab")
    message = _("The lab was not saved.")
    area = _area(area_code, message)
    require(actor, Can.PLAN_SCREENING, area, what="screening_lab")
    name = str(name or "").strip()
    if not name or len(name) > 200:
        raise InvalidInput(message, [row_error(None, "name", _("a name of 1 to 200 characters "
                                                               "is required"))])
    with transaction.atomic():
        if Lab.objects.filter(tenant_id=area.tenant_id, name=name).exists():
            raise InvalidInput(message, [row_error(None, "name", _(
                "there is already a lab named %(name)s") % {"name": name})])
        lab = Lab.objects.create(tenant_id=area.tenant_id, area=area, name=name)
        audit.record(actor=actor, action="create", object_type="screening_lab",
                     object_id=lab.pk, area=area)
    return lab


def close_round(*, actor: Actor, round_id: int) -> Round:
    """The round ends: zones' clocks hear whether it was complete and all negative."""
    with unit_of_work(actor) as uow:
        round_ = uow.fetch(access_round, round_id, Can.PLAN_SCREENING)
        if round_.closed:
            return round_
        round_.closed = True
        round_.save(update_fields=["closed"])
        residents = Person.objects.filter(home_area__path__startswith=round_.area.path).count()
        sampled = TubeMember.objects.filter(round=round_, retest=False).count()
        resulted = Tube.objects.filter(round=round_, retest=False, result__in=(
            Result.NEGATIVE, Result.POSITIVE))
        tubes = resulted.count()
        positive_tubes = resulted.filter(result=Result.POSITIVE).count()
        positive = positive_tubes > 0 or Tube.objects.filter(
            round=round_, result=Result.POSITIVE).exists()
        audit.record(actor=actor, action="change", object_type="screening_round",
                     object_id=round_.pk, area=round_.area, detail={"fields": ["closed"]})
        events.publish(ScreeningRoundClosed(actor=actor, area_path=round_.area.path,
                                            day=round_.day, complete=sampled >= residents,
                                            all_negative=not positive, round_id=round_.pk,
                                            tubes=tubes, positive_tubes=positive_tubes))
    return round_


def exempt_person(*, actor: Actor, round_id: int, person_id: int, reason: str) -> Exemption:
    """Leave a person out of a round's missing list, with the reason (once per round)."""
    message = _("The exemption was not saved.")
    reason = str(reason or "").strip()
    if not reason:
        raise InvalidInput(message, [row_error(None, "reason", _("give the reason"))])
    # The site's operators and the round's planners exempt people in their areas.
    need = Can.COLLECT_SAMPLES if can(actor, Can.COLLECT_SAMPLES) else Can.PLAN_SCREENING
    with unit_of_work(actor) as uow:
        person = uow.fetch(access_person, person_id, need)
        round_ = Round.objects.filter(pk=round_id).first()
        if round_ is None:
            raise InvalidInput(message, [row_error(None, "round", _("no such round"))])
        exemption, _created = Exemption.objects.get_or_create(
            round=round_, person=person, defaults={
                "tenant_id": person.tenant_id, "area_id": person.home_area_id,
                "reason": reason[:200], "created_by": user_of(actor)})
        audit.record(actor=actor, action="create", object_type="screening_exemption",
                     object_id=exemption.pk, person=person)
    return exemption
