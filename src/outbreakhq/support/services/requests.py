"""Residents' support requests: taken from the public page, the hotline or a community worker;
triaged, assigned, fulfilled; escalated to command when their deadline passes; medical passes.

One use case per function, keyword-only `actor=`, one transaction each, audited."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from outbreakhq import protocols
from outbreakhq.core import audit, locks
from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import InvalidInput, NotFound
from outbreakhq.core.roles import Can
from outbreakhq.core.scoped import access_person, fetch_in_scope, require, require_role
from outbreakhq.core.unit_of_work import unit_of_work
from outbreakhq.support import fields as f
from outbreakhq.support import messages, rules
from outbreakhq.support.models import (
    Kind,
    MedicalPass,
    Source,
    Status,
    SupportRequest,
    SupportTeam,
    TeamKind,
)

# The same phone asking for the same kind of help in the same area while the first request is
# open and younger than this is the same request sent again (a double tap on a slow link).
DUPLICATE_WINDOW = timedelta(hours=12)
# Reference numbers: no 0/O, 1/I/L, read aloud over a phone.
_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
PASS_HOURS = 24


def deadlines() -> dict[rules.Urgency, int]:
    return rules.parse_deadlines(settings.OUTBREAKHQ_SUPPORT_DEADLINES)


def new_reference() -> str:
    return "S" + "".join(secrets.choice(_ALPHABET) for _ in range(7))


def new_code() -> str:
    """The check code shown once to the resident: 8 digits, easy on a phone keypad."""
    return f"{secrets.randbelow(10**8):08d}"


def hash_code(reference: str, code: str) -> str:
    """A keyed hash of the code, bound to its reference: the table alone does not give it."""
    key = settings.SECRET_KEY.encode()
    message = f"{reference}:{''.join(c for c in code if c.isdigit())}".encode()
    return hmac.new(key, message, hashlib.sha256).hexdigest()


def client_key(ip: str | None) -> str:
    """Where a public request came from, without keeping the address itself."""
    return hmac.new(settings.SECRET_KEY.encode(), (ip or "").encode(),
                    hashlib.sha256).hexdigest() if ip else ""


def access_request(actor: Actor, request_id: int, capability: str = Can.HANDLE_SUPPORT, *,
                   lock: bool = False) -> SupportRequest:
    """A request the actor may see; outside their scope, the same 404 as a missing one."""
    return fetch_in_scope(
        SupportRequest.objects.select_related("team"), request_id, actor=actor,
        capability=capability, what="support_request", lock=lock,
        missing=_("No support request with number %(n)s.") % {"n": request_id})


def access_pass(actor: Actor, pass_id: int, capability: str = Can.HANDLE_SUPPORT, *,
                lock: bool = False) -> MedicalPass:
    return fetch_in_scope(
        MedicalPass.objects.select_related("request", "issued_by"), pass_id, actor=actor,
        capability=capability, what="medical_pass", lock=lock,
        missing=_("No medical pass with number %(n)s.") % {"n": pass_id})


@dataclass(frozen=True)
class Submitted:
    request: SupportRequest
    code: str | None  # None: the same request was already open (no new code)

    @property
    def duplicate(self) -> bool:
        return self.code is None


ANSWERS = ("medicine_days_left", "crisis", "no_food_left", "vulnerable")


def _read(data: Mapping, message: str, *, public: bool):
    problems = f.Problems(message)
    values = {
        "kind": f.choice(data, "kind", problems, Kind),
        "name": f.text(data, "name", problems, limit=200, required=True),
        "address": f.text(data, "address", problems, limit=300, required=True),
        "phone": f.phone(data, "phone", problems),
        "text": f.text(data, "text", problems, limit=2000),
        "household_size": f.number(data, "household_size", problems, low=1, high=99),
    }
    area = f.area(data, "area", problems)
    if area is not None and public and area.level not in PUBLIC_LEVELS:
        problems.add("area", _("choose your community from the list"))
    answers = {k: data[k] for k in ANSWERS if data.get(k) not in (None, "", False)}
    if "medicine_days_left" in answers:
        f.number(answers, "medicine_days_left", problems, low=0, high=365)
    problems.check()
    return values, area, answers


PUBLIC_LEVELS = ("community", "compound")  # where residents say they live


def _new_request(*, values: dict, area, answers: dict, source: str, user=None, person=None,
                 client: str = "", now: datetime) -> tuple[SupportRequest, str]:
    triage = rules.triage(values["kind"], answers)
    code = new_code()
    for _attempt in range(5):  # a reference already taken (1 in 27 billion): draw again
        reference = new_reference()
        try:
            with transaction.atomic():
                request = SupportRequest.objects.create(
                    tenant_id=area.tenant_id, area=area, person=person, answers=answers,
                    urgency=triage.urgency.value, urgency_rank=triage.rank,
                    reference=reference, code_hash=hash_code(reference, code), source=source,
                    received_at=now, deadline=rules.deadline(now, triage.urgency, deadlines()),
                    client_key=client, created_by=user, **values)
            return request, code
        except IntegrityError:
            continue
    raise RuntimeError("could not draw a free reference number")


def submit_public(*, actor: Actor, data: Mapping) -> Submitted:
    """A resident's own request from the public page. The same phone, kind and area while an
    earlier one is open (and recent) answers with that request's reference, and creates
    nothing: the check code was shown once, with the first answer."""
    values, area, answers = _read(data, _("The request was not sent."), public=True)
    now = timezone.now()
    with transaction.atomic():
        # Two identical submissions at the same instant (a double tap, a retried request) would
        # both pass the check below: they take turns, and the second finds the first.
        locks.take_turns(locks.PUBLIC_REQUEST, locks.key_of(values["phone"], values["kind"],
                                                            area.pk))
        earlier = (SupportRequest.objects.filter(
            phone=values["phone"], kind=values["kind"], area=area, is_open=True,
            received_at__gte=now - DUPLICATE_WINDOW).order_by("-received_at").first())
        if earlier is not None:
            audit.record(actor=actor, action="denied", object_type="support_request",
                         object_id=earlier.pk, area=area, detail={"reason": "duplicate"})
            return Submitted(earlier, None)
        request, code = _new_request(values=values, area=area, answers=answers,
                                     source=Source.PUBLIC, client=client_key(actor.ip), now=now)
        audit.record(actor=actor, action="create", object_type="support_request",
                     object_id=request.pk, area=area,
                     detail={"kind": request.kind, "urgency": request.urgency,
                             "source": request.source})
    return Submitted(request, code)


def take_request(*, actor: Actor, data: Mapping) -> Submitted:
    """A request taken by a hotline operator or a community worker (source hotline or
    community), optionally for a registered person. The code is given to the resident."""
    require_role(actor, Can.HANDLE_SUPPORT, what="support_request")
    values, area, answers = _read(data, _("The request was not saved."), public=False)
    require(actor, Can.HANDLE_SUPPORT, area, what="support_request")
    problems = f.Problems(_("The request was not saved."))
    source = f.choice(data, "source", problems, (Source.HOTLINE, Source.COMMUNITY),
                      required=False) or Source.COMMUNITY
    person_id = f.number(data, "person", problems, low=1)
    problems.check()
    with transaction.atomic():
        person = None
        if person_id:
            try:
                person = access_person(actor, person_id)
            except NotFound as exc:
                raise InvalidInput(_("The request was not saved."),
                                   [f.FieldError("person", str(exc.message))]) from None
        request, code = _new_request(values=values, area=area, answers=answers, source=source,
                                     user=actor.user, person=person, now=timezone.now())
        audit.record(actor=actor, action="create", object_type="support_request",
                     object_id=request.pk, area=area, person=person,
                     detail={"kind": request.kind, "urgency": request.urgency,
                             "source": request.source})
    return Submitted(request, code)


def lookup(reference: str, code: str) -> SupportRequest | None:
    """The request with this reference if the code is its own, else None: an unknown reference
    and a wrong code get the same answer, after the same work (one query, one keyed hash, one
    constant-time comparison)."""
    reference = reference.strip().upper().replace(" ", "")[:16]
    found = SupportRequest.objects.filter(reference=reference).select_related("team").first()
    expected = found.code_hash if found is not None else "0" * 64
    given = hash_code(reference, code or "")
    return found if hmac.compare_digest(expected, given) and found is not None else None


def advance(*, actor: Actor, request_id: int, to: str, team_id: int | None = None,
            reason: str = "") -> SupportRequest:
    """The next status of a request, and the time of the step. No step skipped or undone;
    assigning names a team serving the request's area; closing says why."""
    message = _("The status was not changed.")
    with unit_of_work(actor) as uow:
        request = uow.fetch(access_request, request_id, Can.HANDLE_SUPPORT)
        problems = f.Problems(message)
        wanted = f.choice({"to": to}, "to", problems, Status)
        team = None
        if team_id:
            team = SupportTeam.objects.visible_to(actor, Can.HANDLE_SUPPORT).filter(
                pk=team_id, tenant_id=request.tenant_id, active=True).first()
            if team is None:
                problems.add("team", _("no team with number %(n)s in your scope") % {
                    "n": team_id})
        problems.check()
        refusal = rules.check_step(request.status, wanted, has_team=team is not None,
                                   reason=reason)
        if refusal is not None:
            raise InvalidInput(message, [f.FieldError("team" if refusal.code == "no_team" else
                                                      "reason" if refusal.code ==
                                                      "close_without_reason" else "to",
                                                      messages.say(refusal))])
        now = timezone.now()
        previous = request.status
        request.status = wanted
        setattr(request, rules.TIME_FIELD[rules.Status(wanted)], now)
        if team is not None:
            request.team = team
        if wanted == Status.CLOSED:
            request.close_reason = reason.strip()[:300]
        request.is_open = wanted not in rules.FINAL
        request.save()
        audit.record(actor=actor, action="change", object_type="support_request",
                     object_id=request.pk, area=request.area, person=request.person,
                     detail={"status": [previous, wanted],
                             **({"team": team.pk} if team else {}),
                             **({"reason": request.close_reason} if reason else {})})
    return request


def escalate_overdue(*, now: datetime | None = None) -> int:
    """Mark escalated, once, every open request not yet taken on (received or triaged) whose
    deadline has passed: command sees them on its home page. Returns how many."""
    now = now or timezone.now()
    with transaction.atomic():
        due = SupportRequest.objects.filter(
            is_open=True, escalated_at__isnull=True, deadline__lt=now,
            status__in=(Status.RECEIVED, Status.TRIAGED)).order_by("deadline")
        ids = list(due.values_list("pk", flat=True)[:10000])
        if not ids:
            return 0
        count = SupportRequest.objects.filter(pk__in=ids).update(escalated_at=now)
        audit.record(actor=Actor.for_command(None), action="change",
                     object_type="support_request",
                     detail={"escalated": count, "requests": ids[:200]})
    return count


def pass_rule_text() -> str:
    """The protocol's rule a medical pass carries, from the preset in force (its title and
    source), written on the pass when it is issued."""
    meta = protocols.current().meta
    title = meta.title.zh if (get_language() or "en").startswith("zh") else meta.title.en
    return _("%(title)s (%(source)s). Seeing a doctor and reaching emergency care are "
             "guaranteed to residents of controlled areas: the holder of this pass is on the way "
             "to or from medical care. No checkpoint may refuse passage for want of a fresh test "
             "result; where a test is due, it is taken at the hospital.") % {
        "title": title, "source": meta.source}


def issue_pass(*, actor: Actor, request_id: int, data: Mapping) -> MedicalPass:
    """A medical pass for the resident's trip to hospital (medical kinds only)."""
    message = _("The medical pass was not issued.")
    with unit_of_work(actor) as uow:
        request = uow.fetch(access_request, request_id, Can.HANDLE_SUPPORT)
        problems = f.Problems(message)
        destination = f.text(data, "destination", problems, limit=200, required=True)
        hours = f.number(data, "hours", problems, low=1, high=72) or PASS_HOURS
        holder = f.text(data, "holder", problems, limit=200) or request.name
        if request.kind not in rules.MEDICAL and request.kind != Kind.CHRONIC_MEDICINE:
            problems.add("kind", _("a medical pass is for a trip to medical care"))
        if not request.is_open:
            problems.add("status", _("the request is already %(status)s") % {
                "status": request.get_status_display()})
        problems.check()
        now = timezone.now()
        medical_pass = MedicalPass.objects.create(
            tenant_id=request.tenant_id, area=request.area, request=request,
            person=request.person, holder=holder, destination=destination,
            rule_text=pass_rule_text(), issued_by=actor.user, issued_at=now,
            valid_until=now + timedelta(hours=hours))
        audit.record(actor=actor, action="create", object_type="medical_pass",
                     object_id=medical_pass.pk, area=request.area, person=request.person,
                     detail={"request": request.pk, "valid_until": medical_pass.valid_until
                             .isoformat()})
    return medical_pass


def create_team(*, actor: Actor, data: Mapping) -> SupportTeam:
    require_role(actor, Can.HANDLE_SUPPORT, what="support_team")
    problems = f.Problems(_("The team was not saved."))
    name = f.text(data, "name", problems, limit=100, required=True)
    kind = f.choice(data, "kind", problems, TeamKind)
    area = f.area(data, "area", problems)
    phone = f.phone(data, "phone", problems, required=False)
    problems.check()
    require(actor, Can.HANDLE_SUPPORT, area, what="support_team")
    with transaction.atomic():
        if SupportTeam.objects.filter(area=area, name=name).exists():
            raise InvalidInput(_("The team was not saved."), [f.FieldError(
                "name", _("a team named %(name)s already serves this area") % {"name": name})])
        team = SupportTeam.objects.create(tenant_id=area.tenant_id, area=area, name=name,
                                          kind=kind, phone=phone)
        team.areas.add(area)
        audit.record(actor=actor, action="create", object_type="support_team",
                     object_id=team.pk, area=area, detail={"name": name, "kind": kind})
    return team
