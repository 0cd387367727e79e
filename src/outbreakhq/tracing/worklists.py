"""Line lists and worklists: scoped filters and keyset pagination.

Pages move with a cursor (the last row's sort key), never with OFFSET or a full COUNT(*): the
tenth page of 100,000 cases costs what the first one does, which is what SORMAS and Go.Data users
asked for. Each list fetches one row more than it shows to know whether a next page exists.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.db.models import DateField, F, Q, QuerySet, Value
from django.db.models.functions import Least
from django.utils.dateparse import parse_date

from outbreakhq.core import audit
from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area
from outbreakhq.core.services import classify_query
from outbreakhq.tracing.fields import today as local_today
from outbreakhq.tracing.models import Case, Contact, ContactStatus

PAGE = 50
_CURSOR = re.compile(r"^(\d{4}-\d{2}-\d{2})~(\d+)$")


@dataclass
class Page:
    rows: list
    next_cursor: str | None = None
    filters: dict = field(default_factory=dict)


def _cursor(raw: str | None) -> tuple[date, int] | None:
    match = _CURSOR.match(raw or "")
    day = parse_date(match.group(1)) if match else None
    return (day, int(match.group(2))) if day else None


def _keyset(rows: QuerySet, key: str, *, descending: bool, after: str | None,
            limit: int) -> Page:
    """One page of `rows` ordered by (`key`, id); `after` is the previous page's cursor."""
    position = _cursor(after)
    if position is not None:
        day, pk = position
        op, op_eq = ("lt", "lte") if descending else ("gt", "gte")
        # (key, id) past the cursor, written so that the first test is an index range: the
        # plain OR form makes PostgreSQL scan from the top of the index on every page.
        rows = rows.filter(Q(**{f"{key}__{op_eq}": day}),
                           Q(**{f"{key}__{op}": day}) | Q(**{f"pk__{op}": pk}))
    sign = "-" if descending else ""
    found = list(rows.order_by(f"{sign}{key}", f"{sign}pk")[: limit + 1])
    more = len(found) > limit
    found = found[:limit]
    last = found[-1] if found else None
    cursor = f"{getattr(last, key).isoformat()}~{last.pk}" if more and last else None
    return Page(found, cursor)


def _dates(filters: Mapping) -> tuple[date | None, date | None]:
    return parse_date(filters.get("from") or "") or None, \
        parse_date(filters.get("to") or "") or None


def _search(rows: QuerySet, text: str, prefix: str = "person__") -> QuerySet:
    """A record number (#12), an external id, or what the people search understands."""
    value = text.strip()
    if re.fullmatch(r"#\d+", value):
        return rows.filter(pk=int(value[1:]))
    kind, cleaned = classify_query(value)
    if kind == "name":
        return rows.filter(Q(**{f"{prefix}name__istartswith": cleaned}) | Q(external_id=value))
    return rows.filter(Q(**{f"{prefix}{kind}": cleaned}) | Q(external_id=value))


def filter_cases(rows: QuerySet, filters: Mapping) -> QuerySet:
    """The case list's filters, shared by the list, its API and its exports: from, to (report
    date), classification, route, no_source, q."""
    start, end = _dates(filters)
    if start:
        rows = rows.filter(report_date__gte=start)
    if end:
        rows = rows.filter(report_date__lte=end)
    if filters.get("classification"):
        rows = rows.filter(classification=filters["classification"])
    if filters.get("route"):
        rows = rows.filter(detection_route=filters["route"])
    if filters.get("no_source"):
        # A source named by a file but not a case here is a known source (issue 14).
        rows = rows.filter(source_case__isnull=True, source_external_id="")
    return _search(rows, filters["q"]) if filters.get("q") else rows


def filter_contacts(rows: QuerySet, filters: Mapping) -> QuerySet:
    """The contact list's filters, shared by the list, its API and its exports: from, to (last
    exposure), status, category, case (source case number), q."""
    start, end = _dates(filters)
    if start:
        rows = rows.filter(last_exposure__gte=start)
    if end:
        rows = rows.filter(last_exposure__lte=end)
    for key in ("status", "category"):
        if filters.get(key):
            rows = rows.filter(**{key: filters[key]})
    case = str(filters.get("case") or "").strip().lstrip("#")
    if case.isdigit():
        rows = rows.filter(source_case_id=int(case))
    return _search(rows, filters["q"]) if filters.get("q") else rows


def _audit_page(actor: Actor, what: str, listed: str, page: Page, within: Area | None,
                filters: Mapping | None = None) -> None:
    """One audit event per page shown (page, API answer or htmx partial), naming the records
    and the people on it; every caller of the lists below gets it, so no view can forget it.
    With a search text it is a `search` event, written even when nothing matched."""
    used = {k: str(v) for k, v in (filters or {}).items() if v not in (None, "", False)}
    query = used.pop("q", "")
    detail = {"list": listed, **({"filters": used} if used else {}),
              **({"query": query} if query else {})}
    audit.record_shown(
        actor=actor, action="search" if query else "view", object_type=what,
        records=[row.pk for row in page.rows],
        people=[(row.person_id, row.person.tenant_id) for row in page.rows],
        places=[row.area.path for row in page.rows], area=within,
        detail=detail)


def case_list(*, actor: Actor, within: Area | None = None, filters: Mapping | None = None,
              after: str | None = None, limit: int = PAGE) -> Page:
    """Cases of the scope, newest report first; filters: from, to (report date),
    classification, route, no_source, q."""
    filters = dict(filters or {})
    rows = filter_cases(Case.objects.visible_to(actor, within=within)
                        .select_related("person", "area"), filters)
    page = _keyset(rows, "report_date", descending=True, after=after, limit=limit)
    page.filters = filters
    _audit_page(actor, "case", "cases", page, within, filters)
    return page


def contact_list(*, actor: Actor, within: Area | None = None, filters: Mapping | None = None,
                 after: str | None = None, limit: int = PAGE) -> Page:
    """Contacts of the scope, latest exposure first; filters: from, to (last exposure),
    status, category, case (source case number), q."""
    filters = dict(filters or {})
    rows = filter_contacts(Contact.objects.visible_to(actor, within=within).select_related(
        "person", "area", "tracer", "team"), filters)
    page = _keyset(rows, "last_exposure", descending=True, after=after, limit=limit)
    page.filters = filters
    _audit_page(actor, "contact", "contacts", page, within, filters)
    return page


def _followed(actor: Actor, within: Area | None, who: str) -> QuerySet:
    rows = Contact.objects.visible_to(actor, within=within).filter(
        status=ContactStatus.FOLLOWING).select_related("person", "area", "tracer", "team")
    if who == "mine":
        rows = rows.filter(tracer=actor.user)
    elif who == "team":
        # The ids, not a subquery: the planner then walks the (team, status, followup_end, id)
        # index, and no team at all asks nothing (a subquery walked every followed contact).
        rows = rows.filter(team__in=list(actor.user.tracing_teams.values_list("pk", flat=True)))
    return rows


def due_today(*, actor: Actor, within: Area | None = None, who: str = "mine",
              today: date | None = None,
              after: str | None = None, limit: int = PAGE) -> Page:
    """Contacts under follow-up whose window covers today and who have no record for today."""
    today = today or local_today()
    rows = _followed(actor, within, who).filter(
        followup_start__lte=today, followup_end__gte=today).filter(
        Q(last_followup__isnull=True) | Q(last_followup__lt=today))
    page = _keyset(rows, "followup_end", descending=False, after=after, limit=limit)
    _audit_page(actor, "contact", "followups_due", page, within, {"who": who})
    return page


def overdue(*, actor: Actor, within: Area | None = None, who: str = "mine",
            today: date | None = None,
            after: str | None = None, limit: int = PAGE) -> Page:
    """Contacts not seen on their last due day before today (yesterday, or the last day of a
    window that ended and was never closed)."""
    today = today or local_today()
    yesterday = today - timedelta(days=1)
    last_due = Least(F("followup_end"), Value(yesterday, output_field=DateField()))
    rows = _followed(actor, within, who).filter(followup_start__lte=yesterday).alias(
        last_due=last_due).filter(
        Q(last_followup__isnull=True) | Q(last_followup__lt=F("last_due")))
    page = _keyset(rows, "followup_end", descending=False, after=after, limit=limit)
    _audit_page(actor, "contact", "followups_overdue", page, within, {"who": who})
    return page


def followup_counts(*, actor: Actor, within: Area | None = None, who: str = "mine",
                    today: date | None = None) -> dict[str, int]:
    """How many contacts are due today and overdue in a worklist (the home page's figures:
    counts, so no person is shown and nothing is audited)."""
    today = today or local_today()
    yesterday = today - timedelta(days=1)
    rows = _followed(actor, within, who)
    due = rows.filter(followup_start__lte=today, followup_end__gte=today).filter(
        Q(last_followup__isnull=True) | Q(last_followup__lt=today)).count()
    last_due = Least(F("followup_end"), Value(yesterday, output_field=DateField()))
    overdue_n = rows.filter(followup_start__lte=yesterday).alias(last_due=last_due).filter(
        Q(last_followup__isnull=True) | Q(last_followup__lt=F("last_due"))).count()
    return {"due": due, "overdue": overdue_n}
