"""Stranded travellers: the register, whether each may leave (from the protocol preset and the
other modules' answers), departure batches and their manifests."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, hooks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import access_person, fetch_in_scope, require, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.support import fields as f
from outbreakhq.support import messages, rules
from outbreakhq.support.models import (
    BatchAssignment,
    BatchStatus,
    DepartureBatch,
    Traveller,
    TravellerStatus,
)


def access_traveller(actor: Actor, traveller_id: int, capability: str = Can.MANAGE_TRAVELLERS,
                     *, lock: bool = False) -> Traveller:
    return fetch_in_scope(
        Traveller.objects.select_related("person", "area"), traveller_id, actor=actor,
        capability=capability, what="traveller", lock=lock,
        missing=_("No traveller with number %(n)s.") % {"n": traveller_id})


def access_batch(actor: Actor, batch_id: int, capability: str = Can.MANAGE_TRAVELLERS, *,
                 lock: bool = False) -> DepartureBatch:
    return fetch_in_scope(
        DepartureBatch.objects.all(), batch_id, actor=actor, capability=capability,
        what="departure_batch", lock=lock,
        missing=_("No departure batch with number %(n)s.") % {"n": batch_id})


def leave_rule(grade: str | None) -> rules.LeaveRule:
    """What the preset says of leaving an area of that grade (zones' answer for where the
    traveller stays): its measure's may_leave_area and negative-test window. An area nobody
    graded follows the lowest grade where the preset grades the whole county or city, else no
    rule applies."""
    grading = protocols.current().grading
    if grade is None and grading.enabled and grading.lowest_grade_scope != "none":
        grade = grading.grades[-1]
    measure = grading.measures.get(grade) if grade else None
    if measure is None:
        return rules.LeaveRule(grade, True, 0)
    return rules.LeaveRule(grade, measure.may_leave_area,
                           measure.negative_test_hours_to_leave_city)


def eligibility_of_many(travellers: Sequence[Traveller], *,
                        now: datetime | None = None) -> list[rules.Eligibility]:
    """May each traveller leave now: the preset's rule for the grade where they stay, their
    test results (screening's and quarantine's) and whether they are under quarantine today,
    each asked once for the whole list (the commander's home tile checks up to a thousand)."""
    now = now or timezone.now()
    day = timezone.localdate(now)
    people = [t.person_id for t in travellers]
    screened = hooks.ask("screening.results_of_many", people, default={}) or {}
    quarantined = hooks.ask("quarantine.results_of_many", people, default={}) or {}
    in_stay = hooks.ask("quarantine.in_stay_many", people, day, default=set()) or set()
    grades = hooks.ask("zones.grades_of_many", {t.area.path for t in travellers}, day,
                       default={}) or {}
    answers = []
    for t in travellers:
        results = [*screened.get(t.person_id, ()), *quarantined.get(t.person_id, ())]
        answers.append(rules.eligibility(leave_rule(grades.get(t.area.path)), results=results,
                                         in_quarantine=t.person_id in in_stay, now=now))
    return answers


def eligibility_of(traveller: Traveller, *, now: datetime | None = None) -> rules.Eligibility:
    """`eligibility_of_many` for one traveller."""
    return eligibility_of_many([traveller], now=now)[0]


def reasons_of(result: rules.Eligibility) -> list[str]:
    return [messages.say(r) for r in result.reasons]


def with_eligibility(travellers) -> list[Traveller]:
    """The travellers, each waiting one with `eligible` and the `reasons` it may not leave (in
    the reader's language), the others with None and no reasons: for pages and the API."""
    travellers = list(travellers)
    for t in travellers:
        t.eligible, t.reasons = None, []
    waiting = [t for t in travellers if t.status == TravellerStatus.WAITING]
    for t, result in zip(waiting, eligibility_of_many(waiting), strict=True):
        t.eligible, t.reasons = result.eligible, reasons_of(result)
    return travellers


def register_traveller(*, actor: Actor, data: Mapping) -> Traveller:
    """A stranded traveller: a registered person, where they stay and where they go home."""
    require_role(actor, Can.MANAGE_TRAVELLERS, what="traveller")
    message = _("The traveller was not registered.")
    problems = f.Problems(message)
    person_id = f.number(data, "person", problems, required=True, low=1)
    area = f.area(data, "area", problems)
    values = {
        "staying_at": f.text(data, "staying_at", problems, limit=300, required=True),
        "home_destination": f.text(data, "home_destination", problems, limit=200,
                                   required=True),
        "since": f.a_date(data, "since", problems) or timezone.localdate(),
        "contact": f.text(data, "contact", problems, limit=100, required=True),
    }
    problems.check()
    require(actor, Can.MANAGE_TRAVELLERS, area, what="traveller")
    with transaction.atomic():
        try:
            person = access_person(actor, person_id)
        except NotFound as exc:
            raise InvalidInput(message, [f.FieldError("person", str(exc.message))]) from None
        if Traveller.objects.filter(person=person).exclude(
                status=TravellerStatus.HANDED_OVER).exists():
            raise InvalidInput(message, [f.FieldError(
                "person", _("%(name)s is already on the register") % {"name": person.name})])
        traveller = Traveller.objects.create(tenant_id=area.tenant_id, area=area, person=person,
                                             created_by=actor.user, **values)
        audit.record(actor=actor, action="create", object_type="traveller",
                     object_id=traveller.pk, area=area, person=person,
                     detail={"home_destination": traveller.home_destination})
    return traveller


def create_batch(*, actor: Actor, data: Mapping) -> DepartureBatch:
    require_role(actor, Can.MANAGE_TRAVELLERS, what="departure_batch")
    problems = f.Problems(_("The departure batch was not saved."))
    values = {
        "means": f.text(data, "means", problems, limit=100, required=True),
        "destination": f.text(data, "destination", problems, limit=200, required=True),
        "date": f.a_date(data, "date", problems, required=True),
        "capacity": f.number(data, "capacity", problems, required=True, low=1, high=5000),
    }
    area = f.area(data, "area", problems)
    problems.check()
    require(actor, Can.MANAGE_TRAVELLERS, area, what="departure_batch")
    with transaction.atomic():
        batch = DepartureBatch.objects.create(tenant_id=area.tenant_id, area=area,
                                              created_by=actor.user, **values)
        audit.record(actor=actor, action="create", object_type="departure_batch",
                     object_id=batch.pk, area=area, detail={k: str(v) for k, v in
                                                            values.items()})
    return batch


def assign(*, actor: Actor, batch_id: int, traveller_id: int | None,
           now: datetime | None = None) -> BatchAssignment:
    """Put an eligible traveller on a planned batch with a free seat. A full batch, a batch
    already gone, a traveller already on one or not eligible: refused, with the reasons."""
    message = _("The traveller was not put on the batch.")
    if not traveller_id:
        raise InvalidInput(message, [f.FieldError("traveller", _("this field is required"))])
    with unit_of_work(actor) as uow:
        batch = uow.fetch(access_batch, batch_id, Can.MANAGE_TRAVELLERS)
        try:
            traveller = uow.fetch(access_traveller, traveller_id, Can.MANAGE_TRAVELLERS)
        except NotFound as exc:
            raise InvalidInput(message, [f.FieldError("traveller", str(exc.message))]) from None
        problems = f.Problems(message)
        if batch.status != BatchStatus.PLANNED:
            problems.add("batch", _("the batch is already %(status)s") % {
                "status": batch.get_status_display()})
        taken = batch.assignments.count()
        if taken >= batch.capacity:
            problems.add("batch", _("the batch is full (%(n)d of %(n)d seats taken)") % {
                "n": batch.capacity})
        if traveller.tenant_id != batch.tenant_id:
            problems.add("traveller", _("the traveller stays in another jurisdiction"))
        if traveller.status != TravellerStatus.WAITING:
            problems.add("traveller", _("%(name)s is %(status)s") % {
                "name": traveller.person.name, "status": traveller.get_status_display()})
        else:
            result = eligibility_of(traveller, now=now)
            for reason in reasons_of(result):
                problems.add("traveller", _("%(name)s may not leave: %(reason)s") % {
                    "name": traveller.person.name, "reason": reason})
        problems.check()
        assignment = BatchAssignment.objects.create(tenant_id=batch.tenant_id, batch=batch,
                                                    traveller=traveller, assigned_by=actor.user)
        traveller.status = TravellerStatus.ON_BATCH
        traveller.save(update_fields=["status"])
        audit.record(actor=actor, action="change", object_type="traveller",
                     object_id=traveller.pk, area=traveller.area, person=traveller.person,
                     detail={"batch": batch.pk})
    return assignment


BATCH_NEXT = {BatchStatus.PLANNED: BatchStatus.DEPARTED,
              BatchStatus.DEPARTED: BatchStatus.HANDED_OVER}
TRAVELLER_AFTER = {BatchStatus.DEPARTED: TravellerStatus.DEPARTED,
                   BatchStatus.HANDED_OVER: TravellerStatus.HANDED_OVER}


def set_batch_status(*, actor: Actor, batch_id: int, to: str) -> DepartureBatch:
    """planned -> departed -> handed over; its travellers follow."""
    message = _("The batch's status was not changed.")
    with unit_of_work(actor) as uow:
        batch = uow.fetch(access_batch, batch_id, Can.MANAGE_TRAVELLERS)
        expected = BATCH_NEXT.get(batch.status)
        if expected is None or to != expected:
            problem = (_("the batch is already handed over: nothing follows") if expected is None
                       else _("a batch that is %(status)s can only become %(next)s") % {
                           "status": batch.get_status_display(),
                           "next": BatchStatus(expected).label})
            raise InvalidInput(message, [f.FieldError("status", problem)])
        if expected == BatchStatus.DEPARTED and not batch.assignments.exists():
            raise InvalidInput(message, [f.FieldError("status", _("nobody is on the batch"))])
        batch.status = expected
        batch.save(update_fields=["status"])
        Traveller.objects.filter(assignment__batch=batch).update(status=TRAVELLER_AFTER[expected])
        audit.record(actor=actor, action="change", object_type="departure_batch",
                     object_id=batch.pk, area=batch.area, detail={"status": expected})
    return batch


def manifest_rows(*, actor: Actor, batch: DepartureBatch, action: str = "export") -> list[dict]:
    """The batch's travellers in scope, in name order, for the manifest; the read is audited
    (one event naming everyone listed)."""
    rows = list(BatchAssignment.objects.visible_to(actor, Can.MANAGE_TRAVELLERS)
                .filter(batch=batch).select_related("traveller__person", "traveller__area")
                .order_by("traveller__person__name", "id"))
    audit.record_shown(actor=actor, object_type="departure_batch", records=[batch.pk],
                       people=[(a.traveller.person_id, a.traveller.tenant_id) for a in rows],
                       area=batch.area, action=action)
    return [{"n": i, "name": a.traveller.person.name,
             "document": a.traveller.person.id_number,
             "phone": a.traveller.contact, "staying_at": a.traveller.staying_at,
             "home_destination": a.traveller.home_destination,
             "status": a.traveller.get_status_display()} for i, a in enumerate(rows, 1)]
