"""The audit trail: one function writes every event, so each event has the same shape."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from contextlib import contextmanager

from django.db import connections, transaction
from django.db.models import QuerySet

from outbreakhq.core.actor import Actor
from outbreakhq.core.models import Area, AuditEvent, AuditShown, Person


def _event(*, actor: Actor, action: str, object_type: str, object_id: str | int = "",
           person_id: int | None = None, tenant_id: int | None = None, area_path: str = "",
           detail: dict | None = None) -> AuditEvent:
    """An unsaved event: the one shape every event has."""
    return AuditEvent(
        tenant_id=tenant_id, user=actor.user if actor.is_authenticated else None,
        username=actor.username, action=action, object_type=object_type,
        object_id=str(object_id), person_id=person_id, area_path=area_path,
        channel=actor.channel, ip=actor.ip, detail=detail or {})


def _placed(*, actor: Actor, action: str, object_type: str, object_id: str | int,
            person: Person | None, area: Area | None, detail: dict | None) -> AuditEvent:
    """An unsaved event of one record, placed at `area`, else at the person's home area."""
    place = area if area is not None or person is None else person.home_area
    return _event(actor=actor, action=action, object_type=object_type, object_id=object_id,
                  person_id=person.pk if person is not None else None,
                  tenant_id=place.tenant_id if place is not None else None,
                  area_path=place.path if place is not None else "", detail=detail)


def record(
    *,
    actor: Actor,
    action: str,
    object_type: str,
    object_id: str | int = "",
    person: Person | None = None,
    area: Area | None = None,
    detail: dict | None = None,
    others: Iterable[tuple[int, int]] = (),
) -> AuditEvent:
    """Append one event. `person` and `area` place the event in the jurisdiction tree.
    `others`: other people the same page showed, as (person id, tenant id) (a case page's
    contacts), written to AuditShown with the event."""
    event = _placed(actor=Actor.of(actor), action=action, object_type=object_type,
                    object_id=object_id, person=person, area=area, detail=detail)
    shown = dict(others)
    if person is not None:
        shown.pop(person.pk, None)  # found through person_id already
    if not shown:
        event.save()
        return event
    # No savepoint inside a caller's transaction (two round trips a write on the 9 a.m. surge,
    # issue 9): a failure here fails the caller's transaction as a whole.
    with transaction.atomic(savepoint=False):
        event.save()
        _write_shown(event, shown)
    return event


def record_chained(*, actor: Actor, action: str, object_type: str, object_id: str | int = "",
                   area: Area | None = None, detail: dict | None = None,
                   others: Iterable[tuple[int, int]] = ()) -> tuple[str, list]:
    """record() as the last parts of a PostgreSQL WITH statement that also writes the record
    the event names: `event AS (INSERT … RETURNING id), shown AS (INSERT … SELECT … unnest)`,
    the same rows as record() writes, in the same round trip as the record (issue 9: the
    sealed tube, its members and its audit event in one statement). The event is written only
    if the caller's part named `written` wrote a row. Returns SQL and parameters; the caller
    puts it after its own parts in one WITH and executes it."""
    from outbreakhq.core.bulk import insert_returning

    event_sql, params = insert_returning(_placed(
        actor=Actor.of(actor), action=action, object_type=object_type, object_id=object_id,
        person=None, area=area, detail=detail), where=("EXISTS (SELECT 1 FROM written)", []))
    shown = dict(others)
    sql = (f"event AS ({event_sql}), shown AS (INSERT INTO "
           f'"{AuditShown._meta.db_table}" ("person_id", "tenant_id", "event_id") '
           "SELECT s.person, s.tenant, event.id FROM event, "
           "unnest(%s::bigint[], %s::bigint[]) AS s(person, tenant))")
    return sql, [*params, list(shown), list(shown.values())]


def record_each(*, actor: Actor, action: str, object_type: str, records: Iterable[tuple]) -> int:
    """One event per record, as record() writes them, inserted in one pass (core/bulk.py) for
    the set-based writers of an import: `records` are (object id, person, area, detail)."""
    from django.utils import timezone

    from outbreakhq.core.bulk import _write

    actor = Actor.of(actor)
    records = list(records)
    if not records:
        return 0
    # The rows as _placed() would make them, without a model instance each (issue 14: building
    # 15,000 instances was a third of an import's commit). The columns are AuditEvent's.
    db = connections["default"]
    # No id column: the database numbers the rows as it inserts them (its sequence on
    # PostgreSQL, the rowid on SQLite), nobody here needs them, and allocate_ids would cost a
    # round trip of every new id (issue 14: 15,000 of them in a 5,000-case commit).
    fields = {f.attname: f for f in AuditEvent._meta.concrete_fields if not f.primary_key}
    user_id = actor.user.pk if actor.is_authenticated else None
    at = fields["at"].get_db_prep_save(timezone.now(), db)
    ip = fields["ip"].get_db_prep_save(actor.ip, db)
    detail_of = fields["detail"].get_db_prep_save
    columns = [f.column for f in fields.values()]
    order = list(fields)
    constant = {"at": at, "user_id": user_id, "username": actor.username, "action": action,
                "object_type": object_type, "channel": actor.channel, "ip": ip}
    no_detail = detail_of({}, db)  # most events of an import have none: prepared once
    # A batch's records lie in a few areas: each area's tenant and path read once.
    places = [area if area is not None or person is None else person.home_area
              for _id, person, area, _detail in records]
    placed = {key: (place.tenant_id, place.path) if place is not None else (None, "")
              for key, place in {id(place): place for place in places}.items()}
    where = [placed[id(place)] for place in places]
    # A column at a time (comprehensions), not a row at a time (issue 14); `id`, not `pk`
    # (a property that takes two calls), of each person.
    varying = {
        "object_id": [str(object_id) for object_id, _person, _area, _detail in records],
        "person_id": [person.id if person is not None else None
                      for _id, person, _area, _detail in records],
        "tenant_id": [tenant for tenant, _path in where],
        "area_path": [path for _tenant, path in where],
        "detail": [detail_of(detail, db) if detail else no_detail
                   for _id, _person, _area, detail in records]}
    rows = zip(*[varying[name] if name in varying else [constant.get(name)] * len(records)
                 for name in order], strict=True)
    return _write(AuditEvent._meta.db_table, columns, rows)


def _write_shown(event: AuditEvent, people: dict[int, int]) -> None:
    AuditShown.objects.bulk_create(
        AuditShown(tenant_id=tenant, person_id=person, event_id=event.pk)
        for person, tenant in people.items())


def record_query(*, rows: QuerySet, person_field: str = "person", **event) -> AuditEvent:
    """record() for an event whose rows are a query (an export), naming every person behind
    them in AuditShown with one INSERT … SELECT in the database: no row travels to Python, so
    a 500,000-row export costs one more scan of its query, in the same transaction."""
    people = (rows.order_by().values_list(f"{person_field}_id", f"{person_field}__tenant_id")
              .distinct())
    sql, params = people.query.sql_with_params()
    with transaction.atomic(using=rows.db):
        saved = record(**event)
        with connections[rows.db].cursor() as cursor:
            cursor.execute(f"INSERT INTO {AuditShown._meta.db_table} "
                           f"(event_id, person_id, tenant_id) SELECT %s, shown.* FROM ({sql}) "
                           "shown", [saved.pk, *params])
    return saved


def common_path(paths: Iterable[str]) -> str:
    """The deepest area holding every one of these area paths ('' when they span trees)."""
    common: list[str] | None = None
    for path in paths:
        parts = path.split("/")[1:-1]
        if common is None:
            common = parts
            continue
        same = 0
        while same < min(len(common), len(parts)) and common[same] == parts[same]:
            same += 1
        common = common[:same]
        if not common:
            return ""
    return "/" + "/".join(common) + "/" if common else ""


def record_shown(*, actor: Actor, object_type: str, records: Sequence[int],
                 people: Iterable[tuple[int, int]], places: Iterable[str] = (),
                 area: Area | None = None, action: str = "view",
                 detail: dict | None = None) -> AuditEvent | None:
    """Append the one event of a list page, API answer or search: the `records` it showed
    (case, contact or person numbers) and the `people` behind them, as (person id, tenant id).

    The people also go into AuditShown, in the same transaction, so that "who looked at this
    person" is one index range. The event is placed at `area` (the scope picked) or else at the
    deepest area holding every row shown (`places`, their area paths), so that the
    administrators of that area find it in the audit browser.

    A page that shows nobody writes nothing: no personal data was read. A search is the
    exception (action "search"): what was typed is recorded even when it found nobody, since
    a name or a document number typed in is itself a probe."""
    if not records and action != "search":
        return None
    people = dict(people)  # person id -> tenant id; a person shown twice is named once
    if area is not None:
        tenant_id, path = area.tenant_id, area.path
    else:
        path = common_path(places)
        tenants = set(people.values())
        tenant_id = tenants.pop() if path and len(tenants) == 1 else None
    detail = {**(detail or {}), "records": list(records), "people": sorted(people)}
    event = _event(actor=Actor.of(actor), action=action, object_type=object_type,
                   tenant_id=tenant_id, area_path=path, detail=detail)
    with transaction.atomic():
        event.save()
        _write_shown(event, people)
    return event


@contextmanager
def purge_permit(reason: str, *, using: str = "default"):
    """Allow deleting audit events inside the block (retention purge, whole-database flush).
    Nothing in the web app or API calls this."""
    with connections[using].cursor() as cursor:
        cursor.execute("INSERT INTO core_audit_purge_permit (reason) VALUES (%s)", [reason])
    try:
        yield
    finally:
        with connections[using].cursor() as cursor:
            cursor.execute("DELETE FROM core_audit_purge_permit")
