"""Cases and their investigation: every write and every read of a case, scoped and audited.

Each use case fetches its case once, in scope and locked, in a unit of work
(core/unit_of_work.py), then checks and writes inside that one transaction; what happened is
published as an event (core/events.py), which the audit trail records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core import bulk, events, locks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.events import CaseChanged, CaseOpened, CaseViewed
from outbreakhq.core.models import Area, Person
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import access_person, fetch_in_scope, require, require_role
from outbreakhq.core.services import register_person, shown_in
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.epi.chains import would_make_cycle
from outbreakhq.tracing import fields as f
from outbreakhq.tracing import rules
from outbreakhq.tracing.models import (
    Case,
    Classification,
    Cluster,
    Contact,
    ContactType,
    DetectionRoute,
    Exposure,
    Outcome,
    PlaceVisit,
    Severity,
)

CASE_READERS = {
    "external_id": f.text(64),
    "classification": f.choice(Classification),
    "onset_date": f.a_date,
    "sampling_date": f.a_date,
    "report_date": f.required_date,
    "outcome": f.choice(Outcome, default=Outcome.ACTIVE),
    "outcome_date": f.a_date,
    "severity": f.choice(Severity, default=Severity.MILD),
    "detection_route": f.choice(DetectionRoute),
    "cluster": f.record_number,
    "source_case": f.record_number,
    "notes": f.text(5000),
}
CASE_REQUIRED = ("classification", "report_date", "detection_route")


def _not_saved() -> str:
    return _("The case was not saved.")


def access_case(actor: Actor, case_id: int, capability: str = Can.VIEW_PERSON, *,
                lock: bool = False) -> Case:
    """A case the actor may see; outside their scope, the same 404 as a missing one
    (core/scoped.py fetch_in_scope)."""
    return fetch_in_scope(
        Case.objects.all(), case_id, actor=actor, capability=capability, what="case",
        lock=lock, missing=_("No case with record number %(n)s.") % {"n": case_id})


def view_case(*, actor: Actor, case_id: int) -> Case:
    """Open a case record: one `view` audit event."""
    case = access_case(actor=actor, case_id=case_id)
    record_case_view(actor=actor, case=case)
    return case


def record_case_view(*, actor: Actor, case: Case, others: Iterable = ()) -> None:
    """The one `view` event of a case shown; `others`: the other people's rows the page showed
    (its contacts, source, infected: anything with `person`), named in the event too."""
    events.publish(CaseViewed(actor=actor, record_id=case.pk, person=case.person,
                              area=case.area, shown=shown_in(others)))


def under_control_when_found(person_id: int, report_date: date) -> bool:
    """Was the person already a contact under follow-up or in quarantine on the report date?

    Derived, never typed: it feeds the "social zero" indicator, which must not be gamed by a
    tick box. The window runs from the last exposure to the end of follow-up, so a contact who
    tests positive on the day they were traced counts as found under control.
    """
    return (person_id, report_date) in under_control_pairs([(person_id, report_date)])


def under_control_pairs(pairs: Iterable[tuple[int, date]]) -> set[tuple[int, date]]:
    """under_control_when_found for a batch of (person id, report date), in one query: the
    pairs whose person was then a contact under follow-up or in quarantine (an import)."""
    pairs = set(pairs)
    windows: dict[int, list[tuple[date, date]]] = {}
    for person, start, end in Contact.objects.filter(
            person_id__in={person for person, _day in pairs}, status__in=rules.FOLLOWED
    ).values_list("person_id", "last_exposure", "followup_end"):
        windows.setdefault(person, []).append((start, end))
    return {(person, day) for person, day in pairs
            if any(start <= day <= end for start, end in windows.get(person, ()))}


def check_case_dates(values: Mapping) -> None:
    report = values.get("report_date")
    labels = {"onset_date": _("onset"), "sampling_date": _("sampling")}
    errors = [FieldError(key, _("the %(what)s date %(date)s is after the report date %(report)s")
                         % {"what": labels[key], "date": values[key], "report": report})
              for key in rules.after_report(values)]
    if rules.outcome_before_onset(values):
        errors.append(FieldError("outcome_date", _("is before the onset date %(date)s")
                                 % {"date": values["onset_date"]}))
    if errors:
        raise InvalidInput(_not_saved(), errors)


def resolve_case_refs(actor: Actor, values: dict, *, tenant_id: int) -> None:
    """Replace record numbers (source case, cluster) by rows the user may see."""
    errors = []
    if values.get("source_case") is not None:
        number = values["source_case"]
        source = Case.objects.visible_to(actor).filter(pk=number).first()
        if source is None:
            errors.append(FieldError("source_case", _("no case #%(n)s in your jurisdiction")
                                     % {"n": number}))
        values["source_case"] = source
    if values.get("cluster") is not None:
        number = values["cluster"]
        cluster = Cluster.objects.visible_to(actor).filter(pk=number).first()
        if cluster is None:
            errors.append(FieldError("cluster", _("no cluster #%(n)s in your jurisdiction")
                                     % {"n": number}))
        values["cluster"] = cluster
    external_id = values.get("external_id")
    if external_id and Case.objects.filter(tenant_id=tenant_id, external_id=external_id).exists():
        errors.append(FieldError("external_id", _("%(id)s is already the external id of another "
                                                  "case") % {"id": external_id}))
    if errors:
        raise InvalidInput(_not_saved(), errors)


def _source_of(case_id: int) -> int | None:
    # Unscoped on purpose: a loop may pass through cases outside the user's scope, and only
    # record numbers are read, never anything about a person. The refusal names only the two
    # cases the user linked (both in their scope): that one already descends from the other.
    return Case.objects.filter(pk=case_id).values_list("source_case_id", flat=True).first()


def serialise_links(tenant_id: int) -> None:
    """Two links written at once (A->B and B->A) could each pass the cycle check alone: the
    tenant's link changes take turns."""
    locks.take_turns(locks.SOURCE_LINKS, tenant_id)


def _refuse_cycle(case_id: int, source: Case | None) -> None:
    if source is None:
        return
    if source.pk == case_id or would_make_cycle(_source_of, infectee=case_id, infector=source.pk):
        f.refuse(_not_saved(), "source_case",
                 _("case #%(source)s was itself infected, directly or through others, by case "
                   "#%(case)s: the link would make a cycle") % {"source": source.pk,
                                                                 "case": case_id})


def person_for(actor: Actor, *, person_id: int | None, new_person: Mapping | None,
               message: str) -> Person | None:
    """An existing person in scope; or None when a new one is to be registered by the caller
    inside its transaction."""
    if person_id is not None:
        return access_person(actor, person_id, Can.CHANGE_PERSON)
    if not new_person or not str(new_person.get("name") or "").strip():
        f.refuse(message, "person", _("pick a registered person or give a new one's name"))
    area = new_person_area(new_person)
    if area is not None:
        require(actor, Can.CHANGE_PERSON, area)
    return None


def new_person_area(new_person: Mapping | None) -> Area | None:
    """The area a person about to be registered names (None: unknown, reported on register)."""
    code = str((new_person or {}).get("home_area") or "").strip()
    return Area.objects.filter(code=code).first() if code else None


def check_proposal(actor: Actor, values: Mapping, area: Area | None) -> None:
    """A user who may propose cases but not manage them where the case belongs (screening,
    quarantine, community roles) opens it as suspected, without a source link or a cluster:
    the epidemiologist decides those (core/roles.py)."""
    if can(actor, Can.MANAGE_CASE, area):  # area None: anywhere (the new person's is unknown)
        return
    classification = _("your role opens suspected cases only; an epidemiologist confirms, "
                       "reclassifies or discards them")
    link = _("your role may not set it; an epidemiologist links a case to its source and its "
             "cluster")
    errors = [FieldError(key, classification if key == "classification" else link)
              for key in rules.proposal_refusals(values)]
    if errors:
        raise InvalidInput(_not_saved(), errors)


def open_case(*, actor: Actor, data: Mapping, person_id: int | None = None,
              new_person: Mapping | None = None) -> Case:
    """Record a case of a person in the user's scope (an existing one, or a new one registered
    in the same transaction); derives `under_control_when_found`. A proposer's case is
    suspected, without source or cluster (check_proposal)."""
    require_role(actor, Can.PROPOSE_CASE, what="case")
    person = person_for(actor, person_id=person_id, new_person=new_person, message=_not_saved())
    area = person.home_area if person is not None else new_person_area(new_person)
    if area is not None:
        require(actor, Can.PROPOSE_CASE, area, person=person, what="case")
    values = f.clean(data, CASE_READERS, partial=False, message=_not_saved(),
                     required=CASE_REQUIRED)
    check_proposal(actor, values, area)
    check_case_dates(values)
    with transaction.atomic():
        person = person or register_person(actor=actor, data=new_person)
        resolve_case_refs(actor, values, tenant_id=person.tenant_id)
        return create_case(actor=actor, person=person, values=values)


def create_case(*, actor: Actor, person: Person, values: Mapping) -> Case:
    """Write a checked case (callers hold the transaction): derive, save, audit."""
    case = Case(tenant_id=person.tenant_id, area=person.home_area, person=person,
                created_by=actor.user if actor.is_authenticated else None, **values)
    case.under_control_when_found = under_control_when_found(person.pk, case.report_date)
    case.save()
    events.publish(CaseOpened(actor=actor, record_id=case.pk, person=person, area=case.area))
    return case


# A positive individual result proposes a case on behalf of whoever recorded it: a tracer or
# field worker (case.propose), the lab (result.record) or a quarantine site (stay.manage). The
# recorder's right over the result was checked where it was recorded; the person's home area
# may lie in another county, so the proposal needs the right, not the area.
RESULT_PROPOSERS = (Can.PROPOSE_CASE, Can.RECORD_RESULTS, Can.MANAGE_STAYS)


def _require_proposer(actor: Actor) -> None:
    if not any(can(actor, capability) for capability in RESULT_PROPOSERS):
        require_role(actor, Can.PROPOSE_CASE, what="case")


def _with_open_case(person_ids) -> set[int]:
    """The people who have an open case (not discarded, still under treatment): a positive
    result proposes no second one."""
    return set(Case.objects.filter(person_id__in=person_ids, outcome=Outcome.ACTIVE).exclude(
        classification=Classification.DISCARDED).values_list("person_id", flat=True))


def propose_cases_from_results(*, actor: Actor, results) -> list[Case]:
    """Open a suspected case for each person with an individual positive result (a lab's
    batch of retests, a quarantine stay's test), unless they already have an open case (not
    discarded, still under treatment): the tracers confirm or discard it. Set-based: one
    proposal a person (their first result), the open cases read at once, the cases written in
    one pass and announced as CasesProposed (counted, audited and reviewed as an import's
    cases). Runs in the recorder's transaction, so the results and the proposals commit
    together; an actor who holds none of RESULT_PROPOSERS is refused (audited)."""
    _require_proposer(actor)
    first: dict[int, events.PositiveResultRecorded] = {}
    for result in results:
        first.setdefault(result.person_id, result)
    for person_id in _with_open_case(list(first)):
        del first[person_id]
    if not first:
        return []
    today = timezone.localdate()
    people = Person.objects.select_related("home_area").in_bulk(list(first))
    under = under_control_pairs((person_id, today) for person_id in first)
    who = actor.user if actor.is_authenticated else None
    cases = [Case(tenant_id=people[pid].tenant_id, area=people[pid].home_area,
                  person=people[pid], created_by=who, classification=Classification.SUSPECTED,
                  detection_route=result.detection_route, sampling_date=result.sampled_on,
                  report_date=today, notes=result.reference,
                  under_control_when_found=(pid, today) in under or result.found_under_control)
             for pid, result in first.items()]
    bulk.insert_models(cases)
    events.publish(events.CasesProposed(actor=actor, records=tuple(
        events.ImportedRecord(case.pk, case.person, case.area) for case in cases)))
    return cases


def update_case(*, actor: Actor, case_id: int, changes: Mapping) -> Case:
    """Change some fields of a case; a new source case is checked for cycles."""
    with unit_of_work(actor) as uow:
        case = uow.fetch(access_case, case_id, Can.MANAGE_CASE)
        values = f.clean(changes, CASE_READERS, partial=True, message=_not_saved())
        if values.get("external_id") == case.external_id:
            values.pop("external_id")
        resolve_case_refs(actor, values, tenant_id=case.tenant_id)
        merged = {key: getattr(case, key) for key in CASE_READERS} | values
        check_case_dates(merged)
        if "source_case" in values:
            serialise_links(case.tenant_id)
            _refuse_cycle(case.pk, values["source_case"])
        changed = sorted(k for k, v in values.items() if getattr(case, k) != v)
        for key, value in values.items():
            setattr(case, key, value)
        if "report_date" in changed:
            # Only a new report date re-derives it: a contact record made after the case was
            # found must not turn it into one found under control.
            case.under_control_when_found = under_control_when_found(case.person_id,
                                                                     case.report_date)
        case.save()
        # Field names only: the trail says what changed, not the personal values.
        events.publish(CaseChanged(actor=actor, record_id=case.pk, person=case.person,
                                   area=case.area, detail={"fields": changed}))
    return case


def link_source(*, actor: Actor, case_id: int, source_case_id: int | None) -> Case:
    """Record who infected the case (None: unknown); refuses a link that would make a cycle."""
    return update_case(actor=actor, case_id=case_id, changes={"source_case": source_case_id})


VISIT_READERS = {
    "area": f.required_text(40),
    "place": f.required_text(200),
    "date_from": f.required_date,
    "date_to": f.a_date,
    "hours": f.hours,
    "notes": f.text(300),
}


def _visit_area(code: str) -> Area:
    # Any area of any tree: where a case went is not limited to the tracer's jurisdiction,
    # and area names are not personal data.
    area = Area.objects.filter(code=code).first()
    if area is None:
        f.refuse(_("The visit was not saved."), "area", _("unknown area code %(code)s")
                 % {"code": code})
    return area


def record_visit(*, actor: Actor, case_id: int, data: Mapping) -> PlaceVisit:
    """A place the case went to in the infectious period (feeds risk-area grading)."""
    message = _("The visit was not saved.")
    with unit_of_work(actor) as uow:
        case = uow.fetch(access_case, case_id, Can.MANAGE_CASE)
        values = f.clean(data, VISIT_READERS, partial=False, message=message,
                         required=("area", "place", "date_from"))
        values["area"] = _visit_area(values["area"])
        values["date_to"] = values.get("date_to") or values["date_from"]
        if values["date_to"] < values["date_from"]:
            f.refuse(message, "date_to", _("is before the first day %(date)s")
                     % {"date": values["date_from"]})
        days = (values["date_to"] - values["date_from"]).days + 1
        if values.get("hours") is not None and values["hours"] > 24 * days:
            f.refuse(message, "hours", _("more than %(n)s hours in %(days)s day(s)")
                     % {"n": 24 * days, "days": days})
        if rules.after(values["date_to"], case.report_date):
            f.refuse(message, "date_to", _("%(date)s is after the report date %(report)s")
                     % {"date": values["date_to"], "report": case.report_date})
        visit = PlaceVisit.objects.create(tenant_id=case.tenant_id, case=case, **values)
        events.publish(CaseChanged(actor=actor, record_id=case.pk, person=case.person,
                                   area=case.area, detail={"added": "visit", "visit": visit.pk}))
    return visit


EXPOSURE_READERS = {
    "date": f.a_date,
    "setting": f.choice(ContactType),
    "description": f.text(300),
}


def record_exposure(*, actor: Actor, case_id: int, data: Mapping) -> Exposure:
    """How and when the case was probably infected."""
    message = _("The exposure was not saved.")
    with unit_of_work(actor) as uow:
        case = uow.fetch(access_case, case_id, Can.MANAGE_CASE)
        values = f.clean(data, EXPOSURE_READERS, partial=False, message=message,
                         required=("setting",))
        if rules.after(values.get("date"), case.report_date):
            f.refuse(message, "date", _("%(date)s is after the report date %(report)s")
                     % {"date": values["date"], "report": case.report_date})
        exposure = Exposure.objects.create(tenant_id=case.tenant_id, case=case, **values)
        events.publish(CaseChanged(
            actor=actor, record_id=case.pk, person=case.person, area=case.area,
            detail={"added": "exposure", "exposure": exposure.pk}))
    return exposure
