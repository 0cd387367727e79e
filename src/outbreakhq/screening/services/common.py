"""What the screening use cases share: typed accessors, errors with rows, who and when."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import batched

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from outbreakhq.core.actor import Actor
from outbreakhq.core.errors import FieldError, InvalidInput
from outbreakhq.core.kept import Kept
from outbreakhq.core.roles import Can
from outbreakhq.core.scope import can
from outbreakhq.core.scoped import fetch_in_scope, refused
from outbreakhq.screening import rules
from outbreakhq.screening.models import Box, Lab, Recall, Round, Site, Tube


def user_of(actor: Actor):
    return actor.user if actor.is_authenticated else None


def now():
    return timezone.now()


def refuse(message: str, errors: list[FieldError]):
    raise InvalidInput(message, errors)


def row_error(row: int | None, field: str, problem: str) -> FieldError:
    return FieldError(field, problem, row)


def tube_rows_by_barcode(barcodes: Sequence[str], columns: Sequence[str]) -> list[tuple]:
    """These columns of the tubes with these barcodes, in no scope: for callers that then read
    the tubes they act on through their scope, by id, or that only ask whether a barcode is
    taken. One plain `barcode IN (...)` per 2,000 barcodes: the ORM's `barcode__in` prepares
    every value one by one (about 20 µs each, 40 ms of a 2,000-tube batch)."""
    table = connection.ops.quote_name(Tube._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    barcode = connection.ops.quote_name(Tube._meta.get_field("barcode").column)
    rows: list[tuple] = []
    with connection.cursor() as cursor:
        for chunk in batched(barcodes, 2000):
            cursor.execute(f"SELECT {names} FROM {table} "  # noqa: S608 (the model's names)
                           f"WHERE {barcode} IN ({', '.join(['%s'] * len(chunk))})", chunk)
            rows += cursor.fetchall()
    return rows


def code_of(person_id: int) -> str:
    """The person's screening code (rules.screening_code with the deployment's secret)."""
    return rules.screening_code(person_id, settings.SECRET_KEY)


def person_id_of_code(code: str) -> int | None:
    return rules.person_of_code(code, settings.SECRET_KEY)


def access_site(actor: Actor, site_id: int, capability: str = Can.COLLECT_SAMPLES, *,
                lock: bool = False) -> Site:
    return fetch_in_scope(Site.objects.all(), site_id, actor=actor, capability=capability,
                          what="screening_site", lock=lock, seen_with=capability,
                          missing=_("No collection site with number %(n)s.") % {"n": site_id})


def access_round(actor: Actor, round_id: int, capability: str = Can.PLAN_SCREENING, *,
                 lock: bool = False) -> Round:
    return fetch_in_scope(Round.objects.all(), round_id, actor=actor, capability=capability,
                          what="screening_round", lock=lock, seen_with=capability,
                          missing=_("No screening round with number %(n)s.") % {"n": round_id})


def access_tube(actor: Actor, tube_id: int, capability: str = Can.RECORD_RESULTS, *,
                lock: bool = False) -> Tube:
    return fetch_in_scope(Tube.objects.all(), tube_id, actor=actor, capability=capability,
                          what="tube", lock=lock, seen_with=capability,
                          missing=_("No tube with number %(n)s.") % {"n": tube_id})


def access_recall(actor: Actor, recall_id: int, capability: str = Can.VIEW_PERSON, *,
                  lock: bool = False) -> Recall:
    return fetch_in_scope(Recall.objects.all(), recall_id, actor=actor, capability=capability,
                          what="recall", lock=lock,
                          missing=_("No recall with number %(n)s.") % {"n": recall_id})


def tube_by_barcode(actor: Actor, barcode: str, capability: str, *, lock: bool = False) -> Tube:
    """A tube by its barcode, in scope: the same 404 for an unknown barcode and one outside."""
    pk = Tube.objects.filter(barcode=barcode).values_list("pk", flat=True).first() or 0
    return fetch_in_scope(Tube.objects.all(), pk, actor=actor, capability=capability,
                          what="tube", lock=lock, seen_with=capability,
                          missing=_("No tube with barcode %(code)s.") % {"code": barcode})


def box_by_code(actor: Actor, code: str, capability: str, *, lock: bool = False) -> Box:
    pk = Box.objects.filter(code=code).values_list("pk", flat=True).first() or 0
    return fetch_in_scope(Box.objects.all(), pk, actor=actor, capability=capability,
                          what="box", lock=lock, seen_with=capability,
                          missing=_("No transport box %(code)s.") % {"code": code})


def site_named(actor: Actor, site_id, message: str) -> Site:
    """A collection site named in the input, in the actor's scope for collection; else the
    input is refused (the same sentence for a missing site and one outside the scope).
    Sites are kept per process (core/kept.py: a busy site's every tube names it, issue 9);
    the scope is checked on every call, by scope.can over the site's area, the rule
    Site.objects.visible_to applies in SQL."""
    pk = _number(site_id)
    site = _sites.get(pk) if pk else None
    if site is None and pk:
        site = Site.objects.select_related("area").filter(pk=pk).first()
        if site is not None:
            _sites.put(pk, site)
    if site is None or not can(actor, Can.COLLECT_SAMPLES, site.area):
        refused(actor, Can.COLLECT_SAMPLES, what="screening_site", object_id=site_id)
        raise InvalidInput(message, [FieldError("site", _(
            "no collection site number %(n)s in your area") % {"n": site_id})])
    return site


def lab_named(actor: Actor, lab_id, message: str) -> Lab | None:
    """The lab a box is received at: the one named (in the actor's scope for results; the
    same sentence for a missing lab and one outside the scope), else the actor's only lab;
    none named among several is refused; none at all when the actor has no lab (a deployment
    without lab records keeps working: turnaround per site only)."""
    labs = Lab.objects.visible_to(actor, Can.RECORD_RESULTS)
    if lab_id in (None, ""):
        mine = list(labs.order_by("pk")[:2])
        if len(mine) > 1:
            raise InvalidInput(message, [FieldError("lab", _(
                "you work at several labs: choose the one receiving the box"))])
        return mine[0] if mine else None
    pk = _number(lab_id)
    lab = labs.filter(pk=pk).first() if pk else None
    if lab is None:
        refused(actor, Can.RECORD_RESULTS, what="screening_lab", object_id=lab_id)
        raise InvalidInput(message, [FieldError("lab", _(
            "no lab number %(n)s in your area") % {"n": lab_id})])
    return lab


def round_named(round_id, message: str, *, kept: bool = False) -> Round:
    """The round named in the input, else the input is refused. `kept`: the round as this
    process read it at most OUTBREAKHQ_API_CACHE_SECONDS ago (core/kept.py), for a caller
    whose write checks itself that the round is still open (tubes._write_at_once)."""
    pk = _number(round_id)
    round_ = _rounds.get(pk) if pk and kept else None
    if round_ is None and pk:
        round_ = Round.objects.select_related("area").filter(pk=pk).first()
        if round_ is not None:
            _rounds.put(pk, round_)
    if round_ is None:
        raise InvalidInput(message, [FieldError("round", _(
            "no screening round number %(n)s") % {"n": round_id})])
    return round_


# Kept per process: a row saved or deleted here forgets them (areas: a site or round moved).
_sites = Kept("screening-sites", "screening.Site", "core.Area")
_rounds = Kept("screening-rounds", "screening.Round", "core.Area")


def box_named(actor: Actor, code: str, message: str, *, lock: bool = False) -> Box:
    rows = Box.objects.visible_to(actor, Can.RECORD_RESULTS).select_related("area")
    box = (rows.select_for_update(of=("self",)) if lock else rows).filter(code=code).first()
    if box is None:
        refused(actor, Can.RECORD_RESULTS, what="box", object_id=code)
        raise InvalidInput(message, [FieldError("box", _(
            "no transport box %(code)s on its way to your lab") % {"code": code or "?"})])
    return box


def _number(value) -> int | None:
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if 0 < number < 2**63 else None
