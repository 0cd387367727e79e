"""The screening API: sealed tubes (idempotent by barcode), boxes, bulk results, recalls.
Mounted under /api/v1/screening/ (apps.py); every operation is declared in apps.py's access
rules. The lab's operations answer barcodes and statuses only, never names."""

from __future__ import annotations

import datetime as dt
import json
from collections import Counter
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status

from outbreakhq.core import audit
from outbreakhq.core.actor import actor_of
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import require_role
from outbreakhq.screening import fhir, rules, services, worklists
from outbreakhq.screening.models import Tube, TubeMember, TubeStatus
from outbreakhq.screening.services.messages import answer_once, key_of

router = Router(tags=["screening"])


class TubeIn(Schema):
    barcode: str = Field(description="The tube's barcode, unique in the deployment")
    members: list[str] = Field(description="Screening codes (S123-ABCD) or identity numbers")
    site: int = Field(description="Collection site number")
    round: int = Field(description="Screening round number")
    retest: bool = Field(False, description="An individual retest of recalled people")


class TubeOut(Schema):
    barcode: str
    round: int = Field(alias="round_id")
    site: int = Field(alias="site_id")
    status: str
    capacity: int
    members: int = Field(alias="members_count")
    retest: bool
    box: str | None = None
    collected_at: dt.datetime
    sealed_at: dt.datetime | None
    shipped_at: dt.datetime | None
    received_at: dt.datetime | None
    resulted_at: dt.datetime | None
    reported_at: dt.datetime | None
    result: str
    ct: Decimal | None

    @staticmethod
    def resolve_box(tube: Tube) -> str | None:
        return tube.box.code if tube.box_id else None


class TubeList(Schema):
    items: list[TubeOut]


class BoxIn(Schema):
    box: str
    site: int
    tubes: list[str]


class BoxOut(Schema):
    code: str
    status: str
    shipped_at: dt.datetime
    received_at: dt.datetime | None
    lab: int | None = Field(None, alias="lab_id")


class ReceiveIn(Schema):
    box: str
    lab: int | None = Field(None, description="The lab receiving it (GET labs/); may be "
                                              "left out when you work at one lab or none")


class LabIn(Schema):
    name: str
    area: str = Field(description="The area code where the lab is")


class LabOut(Schema):
    id: int
    name: str
    area: str

    @staticmethod
    def resolve_area(lab) -> str:
        return lab.area.code


class ResultsOut(Schema):
    resulted: int
    unchanged: int
    recalls: int
    positives: int
    reported: int  # reported at once (the preset's screening.report_at_once)


class RecallOut(Schema):
    id: int
    person: int = Field(alias="person_id")
    name: str
    tube: str
    reason: str
    status: str
    retest_tube: str | None
    result: str

    @staticmethod
    def resolve_name(recall) -> str:
        return recall.person.name

    @staticmethod
    def resolve_tube(recall) -> str:
        return recall.tube.barcode

    @staticmethod
    def resolve_retest_tube(recall) -> str | None:
        return recall.retest_tube.barcode if recall.retest_tube_id else None


@router.post("/tubes/", response={200: TubeOut, 201: TubeOut})
def submit_tube(request, payload: TubeIn):
    """A sealed tube in one call. 201: recorded; 200: the same tube was sent before (a queue
    resent after a lost connection). The same barcode with other content is refused (400)."""
    done = services.submit_tube(actor=actor_of(request), barcode=payload.barcode,
                                members=payload.members, site_id=payload.site,
                                round_id=payload.round, retest=payload.retest)
    return Status(201 if done.created else 200, done.tube)


@router.get("/tubes/", response=TubeList)
def find_tubes(request, barcode: str):
    """The tube with this barcode, if it lies in your scope (an empty list otherwise)."""
    actor = actor_of(request)
    need = Can.RECORD_RESULTS if can(actor, Can.RECORD_RESULTS) else Can.COLLECT_SAMPLES
    require_role(actor, need, what="tube")
    return {"items": list(Tube.objects.visible_to(actor, need).select_related("box")
                          .filter(barcode=barcode.strip())[:1])}


class TubesOut(Schema):
    created: int
    unchanged: int


@router.post("/tubes/bulk", response=TubesOut, openapi_extra={"requestBody": {"content": {
    "application/json": {"schema": {"type": "object", "properties": {"tubes": {
        "type": "array", "items": {"type": "object", "properties": {
            "barcode": {"type": "string"}, "site": {"type": "integer"},
            "round": {"type": "integer"}, "retest": {"type": "boolean"},
            "collected_at": {"type": "string", "format": "date-time"},
            "queued_seconds": {"type": "integer", "minimum": 0, "maximum": 604800},
            "members": {"type": "array", "items": {"type": "string"}}}}}}}},
    "text/csv": {"schema": {"type": "string"}},
    "application/fhir+json": {"schema": {"type": "object"}}}}})
def submit_tubes(request, response: HttpResponse):
    """Sealed tubes in bulk: a JSON body {"tubes": [{"barcode", "site", "round", "members",
    "retest", "collected_at"}]}, a CSV body (Content-Type text/csv, header
    barcode,site,round,members[,retest][,collected_at]) or a FHIR R4 Bundle of Specimens
    (docs/screening.md "FHIR"; Specimen.collection.collectedDateTime is the collection time).
    All tubes or none; every bad row (or bundle entry) is named. Sending the same tubes again
    changes nothing; a message id (header Idempotency-Key, or the Bundle's id) sent again is
    answered as the first time without processing it again."""
    actor = actor_of(request)
    require_role(actor, Can.COLLECT_SAMPLES, what="tube")

    def process() -> dict:
        rows = _tubes_of(request)
        done = _by_entry(rows, lambda first: services.submit_tubes(
            actor=actor, rows=rows, first_row=first if first else 2 if _is_csv(request) else 1))
        return {"created": done.created, "unchanged": done.unchanged}

    return _once(request, response, "tubes", process)


class TubeBatchIn(Schema):
    tubes: list[Any] = Field(description=(
        "Sealed tubes, each {barcode, members, site, round, retest, collected_at} as in "
        "POST tubes/bulk, or instead of collected_at queued_seconds: the seconds the tube "
        "waited in a site's offline queue (collected that long before it arrived)"))


class TubeProblemOut(Schema):
    field: str
    message: str


class TubeAnswerOut(Schema):
    row: int = Field(description="The tube's place in the list, from 1")
    barcode: str
    status: str = Field(description="created, unchanged (sent before) or refused")
    errors: list[TubeProblemOut] = Field(description="Why the tube was refused (field, reason)")


class TubeBatchOut(Schema):
    created: int
    unchanged: int
    refused: int
    tubes: list[TubeAnswerOut]


@router.post("/tubes/batch", response=TubeBatchOut)
def submit_tube_batch(request, payload: TubeBatchIn):
    """Several sealed tubes in one call, each answered on its own (a site's offline queue, a
    busy site): `created`, `unchanged` (sent before: nothing changes) or `refused` with its
    errors; the good tubes are saved whatever the others hold. At most 500 tubes a call."""
    answers = services.submit_tube_batch(actor=actor_of(request), rows=payload.tubes)
    count = Counter(a.status for a in answers)
    return {"created": count["created"], "unchanged": count["unchanged"],
            "refused": count["refused"],
            "tubes": [{"row": a.row, "barcode": a.barcode, "status": a.status,
                       "errors": [{"field": e.field, "message": str(e.message)}
                                  for e in a.errors]} for a in answers]}


@router.get("/tubes/fhir", response=dict)
def export_tubes(request, round: int | None = None, limit: int = 10000):  # noqa: A002
    """Sealed tubes in your scope (not yet shipped) as a FHIR R4 collection Bundle of Specimens
    and the Groups of their members' screening codes (no names), newest first; it reads back
    through POST tubes/bulk and `outbreakhq import samples`, unchanged."""
    actor = actor_of(request)
    require_role(actor, Can.COLLECT_SAMPLES, what="tube")
    tubes = Tube.objects.visible_to(actor, Can.COLLECT_SAMPLES).filter(status=TubeStatus.SEALED)
    if round:
        tubes = tubes.filter(round_id=round)
    tubes = list(tubes.order_by("-sealed_at", "-id")[:min(max(limit, 1), 50000)])
    codes: dict[int, list[str]] = {}
    shown = set()
    for tube_id, pid, tenant in TubeMember.objects.filter(
            tube_id__in=[t.pk for t in tubes]).order_by("pk").values_list(
            "tube_id", "person_id", "tenant_id"):
        codes.setdefault(tube_id, []).append(services.code_of(pid))
        shown.add((pid, tenant))
    if tubes:
        audit.record(actor=actor, action="export", object_type="tube",
                     object_id=f"{len(tubes)} tubes", detail={"format": "fhir"},
                     others=sorted(shown))
    return fhir.export_specimens(tubes, codes)


@router.post("/boxes/", response={201: BoxOut, 200: BoxOut})
def ship_box(request, payload: BoxIn):
    """Sealed tubes of a site leave in a transport box."""
    box = services.ship_box(actor=actor_of(request), site_id=payload.site, box_code=payload.box,
                            barcodes=payload.tubes)
    return Status(201, box)


@router.post("/boxes/received", response=BoxOut)
def receive_box(request, payload: ReceiveIn):
    """The lab received a box: its tubes are received."""
    return services.receive_box(actor=actor_of(request), box_code=payload.box,
                                lab_id=payload.lab)


@router.get("/labs/", response=list[LabOut])
def list_labs(request):
    """The labs in your scope (where you receive boxes, or that you plan with)."""
    actor = actor_of(request)
    need = Can.RECORD_RESULTS if can(actor, Can.RECORD_RESULTS) else Can.PLAN_SCREENING
    require_role(actor, need, what="screening_lab")
    return worklists.labs_for(actor, need)


@router.post("/labs/", response={201: LabOut})
def create_lab(request, payload: LabIn):
    """A testing laboratory at an area: its technicians receive boxes at it."""
    return Status(201, services.create_lab(actor=actor_of(request), name=payload.name,
                                           area_code=payload.area))


@router.post("/results/", response=ResultsOut, openapi_extra={"requestBody": {"content": {
    "application/json": {"schema": {"type": "object", "properties": {"results": {
        "type": "array", "items": {"type": "object", "properties": {
            "barcode": {"type": "string"}, "result": {"type": "string"},
            "ct": {"type": "number"}}}}}}},
    "text/csv": {"schema": {"type": "string"}},
    "application/fhir+json": {"schema": {"type": "object"}}}}})
def record_results(request, response: HttpResponse):
    """Results in bulk: a JSON body {"results": [{"barcode", "result", "ct"}]} or a CSV body
    (Content-Type text/csv, header barcode,result[,ct]) or a FHIR R4 Bundle of Observations
    (LOINC 94500-6, SNOMED CT 10828004 / 260415000). All rows or none; every bad row is named.
    Sending the same results again changes nothing; a message id (header Idempotency-Key, or
    the Bundle's identifier or id) sent again is answered as the first time, not processed."""
    require_role(actor_of(request), Can.RECORD_RESULTS, what="tube")

    def process() -> dict:
        rows = _rows_of(request)
        done = _by_entry(rows, lambda first: services.record_results(
            actor=actor_of(request), rows=rows,
            first_row=first if first else 2 if _is_csv(request) else 1))
        return {"resulted": done.resulted, "unchanged": done.unchanged,
                "recalls": done.recalls, "positives": done.positives,
                "reported": done.reported}

    return _once(request, response, "results", process)


class ReportIn(Schema):
    tubes: list[str] = Field(description="Barcodes of resulted tubes to report (release)")


class ReportOut(Schema):
    reported: int
    unchanged: int


@router.post("/results/reported", response=ReportOut)
def report_results(request, payload: ReportIn):
    """The lab reports (releases) resulted tubes: the last step of turnaround, with the time
    and who. All or none: an unknown barcode or a tube without a result is named; a tube
    reported before is left as it was. Results named by the preset's
    `screening.report_at_once` are reported as they are recorded."""
    done = services.report_results(actor=actor_of(request), barcodes=payload.tubes)
    return {"reported": done.reported, "unchanged": done.unchanged}


@router.get("/results/fhir", response=dict)
def export_results(request, round: int | None = None, limit: int = 10000):  # noqa: A002
    """Resulted tubes in your scope as a FHIR R4 collection Bundle (Specimen + Observation a
    tube; no names), newest first."""
    actor = actor_of(request)
    require_role(actor, Can.RECORD_RESULTS, what="tube")
    tubes = Tube.objects.visible_to(actor, Can.RECORD_RESULTS).filter(
        status=TubeStatus.RESULTED)
    if round:
        tubes = tubes.filter(round_id=round)
    return fhir.export_bundle(tubes.order_by("-resulted_at", "-id")[:min(max(limit, 1), 50000)])


@router.get("/recalls/", response=list[RecallOut])
def list_recalls(request, round: int | None = None, status: str = ""):  # noqa: A002
    """People recalled for an individual retest (positive pool or invalid tube), in scope."""
    require_role(actor_of(request), Can.VIEW_PERSON, what="recall")
    return worklists.recall_list(actor_of(request), round_id=round, status=status)


def _by_entry(rows: list[dict], call):
    """call(first_row) on the rows; rows read from a FHIR bundle (each with its `entry`) are
    numbered 1, 2, … and their errors renamed to the bundle's entries."""
    if not rows or "entry" not in rows[0]:
        return call(None)
    try:
        return call(1)
    except InvalidInput as refused:
        raise InvalidInput(refused.message, [
            FieldError(e.field, e.message, rows[e.row - 1]["entry"]) if e.row else e
            for e in refused.errors]) from None


def _is_csv(request) -> bool:
    return request.content_type in ("text/csv", "text/plain")


def _once(request, response: HttpResponse, kind: str, process) -> dict:
    """process() once per message id (services/messages.py): a message sent again with its
    id gets the first answer, marked with the header `Idempotent-Replayed: true`, before its
    body is even read as rows."""
    body = None
    if not _is_csv(request) and "Idempotency-Key" not in request.headers:
        try:  # a FHIR Bundle's own id
            body = json.loads(request.body or b"{}")
        except ValueError:
            body = None  # process() names the problem
    answer, replayed = answer_once(actor=actor_of(request), kind=kind,
                                   key=key_of(request.headers, body), body=request.body,
                                   process=process)
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return answer


def _tubes_of(request) -> list[dict]:
    message = _("No tube was saved.")
    text = request.body.decode("utf-8-sig", errors="replace")
    try:
        if _is_csv(request):
            rows = rules.read_samples_csv(text)
        else:
            body = json.loads(text or "{}")
            if isinstance(body, dict) and body.get("resourceType") == "Bundle":
                rows = fhir.read_specimens(text)
            else:
                rows = body.get("tubes") if isinstance(body, dict) else body
    except (ValueError, AttributeError) as problem:
        raise InvalidInput(message, [FieldError("body", str(problem))]) from problem
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise InvalidInput(message, [FieldError("tubes", _(
            "send a list of tubes, each with barcode, site, round and members"))])
    return rows


def _rows_of(request) -> list[dict]:
    message = _("No result was saved.")
    text = request.body.decode("utf-8-sig", errors="replace")
    try:
        if _is_csv(request):
            rows = rules.read_results_csv(text)
        else:
            body = json.loads(text or "{}")
            if isinstance(body, dict) and body.get("resourceType") == "Bundle":
                return fhir.read_bundle(text)
            rows = body.get("results") if isinstance(body, dict) else body
    except (ValueError, AttributeError) as problem:
        raise InvalidInput(message, [FieldError("body", str(problem))]) from problem
    if not isinstance(rows, list) or not rows or not all(isinstance(r, dict) for r in rows):
        raise InvalidInput(message, [FieldError("results", _(
            "send a list of results, each with barcode and result"))])
    return rows
